"""The Projects pages: the BOM with a Build box, Start build / Done / Cancel / Reverse as forms, low stock's reorder."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from build_support import add_project
from inventory_helpers import add_part
from web_helpers import Bench, bench, flash_of, post_form, said, web

__all__ = ["bench", "web"]  # the shared fixtures (web_helpers), used by name


def _project(bench: Bench) -> str:
    """Timer board: U1 1x NE555 (10 in stock, LCSC C7593), C1,C2 2x 100nF (200), J1 unmatched with an LCSC number."""
    return add_project(
        bench.services,
        "Timer board",
        [
            {"designators": "U1", "qty": 1, "part_id": bench.ne555["id"], "value": "NE555"},
            {"designators": "C1, C2", "qty": 2, "part_id": bench.cap["id"], "value": "100nF"},
        ],
    )


def test_the_menu_lists_projects_and_the_page_answers_the_build_box(bench: Bench, web: TestClient[Any]) -> None:
    project = _project(bench)
    home = web.get("/").text
    assert '<a href="/projects">Projects</a>' in home
    listed = web.get("/projects").text
    assert "Timer board" in listed and "2 BOM lines" in listed
    page = web.get(f"/projects/{project}?n=4").text
    assert "Yes: 4 can be built now (up to 10 boards)." in page
    assert '<input type="hidden" name="quantity" value="4">' in page and "Start build of 4" in page
    short = web.get(f"/projects/{project}/check?n=12").text
    assert short.startswith('<div id="buildable" data-n="12">')
    assert "No: 10 boards can be built now; for 12, 1 line is short" in short
    assert "Short 2 · buy from LCSC C7593" in short and 'class="card line short"' in short
    assert "Start build" not in short  # offered only when the shelf can build that many
    assert f'href="/projects/{project}/reorder/lcsc?n=12"' in short
    cart = web.get(f"/projects/{project}/reorder/lcsc?n=12")
    assert cart.status_code == 200 and cart.content.decode("utf-8-sig").splitlines()[1].startswith("2,C7593,")
    # An unreadable number still opens the page (the answer for 1), never an error page.
    assert "Yes: 1 can be built now" in web.get(f"/projects/{project}?n=lots").text


def test_a_part_on_two_lines_says_why_the_second_has_less_available(bench: Bench, web: TestClient[Any]) -> None:
    """The second walk: one part showed 1200 available on one line and 1196 on the next, unexplained."""
    project = add_project(
        bench.services,
        "Two timers",
        [
            {"designators": "U1", "qty": 1, "part_id": bench.ne555["id"], "value": "NE555"},
            {"designators": "U2", "qty": 1, "part_id": bench.ne555["id"], "value": "NE555"},
        ],
    )
    page = web.get(f"/projects/{project}/check?n=3").text
    assert "need 3, 10 available</span>" in page
    assert "need 3, 7 available after the 3 for the lines above</span>" in page


def test_start_done_and_reverse_from_the_page(bench: Bench, web: TestClient[Any]) -> None:
    project = _project(bench)
    page = f"/projects/{project}?n=3"
    started = post_form(web, page, f"/projects/{project}/builds", quantity="3")
    assert started.status_code == 303 and said(started) == "Build #1 of Timer board: 3 boards reserved, not built yet."
    html = web.get(page).text
    assert "Build #1 · 3 boards · open" in html and "(3 held by other builds)" in html
    build_id = bench.services.db.read_sync(lambda db: db.execute("SELECT id FROM builds").fetchone()[0])
    done = post_form(web, page, f"/builds/{build_id}/complete")
    assert said(done) == "Build #1 of Timer board: 3 built; the parts were taken from stock."
    assert web.get(f"/p/{bench.ne555['id']}").text.count('<span id="quantity">7</span>') == 1
    back = post_form(web, page, f"/builds/{build_id}/reverse")
    assert "reversed" in said(back)
    assert '<span id="quantity">10</span>' in web.get(f"/p/{bench.ne555['id']}").text


def test_a_refused_build_stays_on_the_page_with_the_shortage_in_words(bench: Bench, web: TestClient[Any]) -> None:
    project = _project(bench)
    page = f"/projects/{project}?n=11"
    refused = web.post(
        f"/projects/{project}/builds",
        data={"csrf_token": _csrf(web, page), "quantity": "11"},
        headers={"referer": f"http://testserver.local{page}"},
        follow_redirects=False,
    )
    assert refused.status_code == 303 and refused.headers["location"] == page
    error = flash_of(refused)["error"]
    assert "Cannot start a build of 11" in error and "U1 (NE555 timer) short 1" in error
    zero = web.post(
        f"/projects/{project}/builds",
        data={"csrf_token": _csrf(web, page), "quantity": "0"},
        headers={"referer": f"http://testserver.local{page}"},
        follow_redirects=False,
    )
    assert "from 1 to 10000" in flash_of(zero)["error"]
    assert bench.services.db.read_sync(lambda db: db.execute("SELECT count(*) FROM builds").fetchone()[0]) == 0


def _csrf(web: TestClient[Any], page: str) -> str:
    from web_helpers import csrf_of

    return csrf_of(web.get(page).text)


def test_low_stock_shows_supplier_last_price_shortage_and_a_cart_file(bench: Bench, web: TestClient[Any]) -> None:
    h = bench.headers
    add_part(bench.client, h, "BC547", quantity=0, min_quantity=10, supplier="Mouser", part_number="512-BC547BTA",
             unit_price=0.12, currency="USD")  # fmt: skip
    add_part(bench.client, h, "Mystery relay", quantity=1, min_quantity=4)
    html = web.get("/low-stock").text
    assert "0, want 10" in html and "short 10" in html and "Mouser 512-BC547BTA" in html and "0.12 USD" in html
    assert 'href="/low-stock/reorder/mouser"' in html and "No supplier recorded" in html
    cart = web.get("/low-stock/reorder/mouser")
    assert cart.status_code == 200
    assert cart.content.decode("utf-8-sig").splitlines() == [
        "Mouser Part Number,Mfr Part Number,Manufacturer,Customer Part Number,Quantity 1",
        "512-BC547BTA,,,low stock BC547,10",
    ]
    listed = bench.client.get("/api/reorder/low-stock", headers=h).json()["data"]
    bc = next(i for i in listed["items"] if i["part_name"] == "BC547")
    assert (bc["shortage"], bc["supplier"], bc["unit_price"], bc["cost"]) == (10, "mouser", 0.12, 1.2)
    assert bench.client.get("/api/reorder/low-stock/digikey", headers=h).status_code == 404


def test_money_shown_adds_up_each_line_rounded_half_up_once(bench: Bench, web: TestClient[Any]) -> None:
    """The walk's 30 boards: 5 x 0.035 = 0.175 showed "= 0.17" beside a total of 22.38; now 0.18 + 22.20."""
    h = bench.headers
    fet = add_part(bench.client, h, "AO3400A N-MOSFET", quantity=25, min_quantity=30, supplier="LCSC",
                   part_number="C20917", unit_price=0.035, currency="USD")  # fmt: skip
    mcu = add_part(bench.client, h, "CH340C", quantity=0, supplier="LCSC", part_number="C84681", unit_price=0.74,
                   currency="USD")  # fmt: skip
    project = add_project(
        bench.services,
        "Walk test board",
        [{"designators": "Q1", "qty": 1, "part_id": fet["id"]}, {"designators": "U2", "qty": 1, "part_id": mcu["id"]}],
    )
    html = web.get(f"/projects/{project}?n=30").text
    assert "at 0.035 USD = 0.18</span>" in html and "at 0.74 USD = 22.20</span>" in html
    assert "LCSC Electronics cart file (2 lines, 22.38 USD)" in html
    assert "the missing parts cost 22.38 USD" in html
    low = web.get("/low-stock").text
    assert "0.18 to refill" in low  # the same rounding on the reorder list
    listed = bench.client.get("/api/reorder/low-stock", headers=h).json()["data"]
    assert next(i["cost"] for i in listed["items"] if i["part_name"] == "AO3400A N-MOSFET") == 0.18


def test_a_boards_number_out_of_range_or_not_whole_is_said_beside_the_field(bench: Bench, web: TestClient[Any]) -> None:
    """The walk: 10^12 became 10000, -5/abc/0 became 1, with no word; the page still opens, now saying so."""
    project = _project(bench)
    field = 'id="n" name="n" type="number" inputmode="numeric" min="1" max="10000" value="{}"'
    for typed, used, words in (
        ("1000000000000", 10000, "1000000000000 boards is more than the 10000 a build can be: showing 10000."),
        ("-5", 1, "-5 boards cannot be built: showing 1, the fewest."),
        ("0", 1, "0 boards cannot be built: showing 1, the fewest."),
        ("abc", 1, "&#39;abc&#39; is not a number of boards: showing 1."),
        ("2.5", 3, "2.5 is not a whole number of boards: showing 3."),
    ):
        page = web.get(f"/projects/{project}", params={"n": typed})
        assert page.status_code == 200
        assert field.format(used) in page.text  # the field shows the number the answer is for
        assert f'<p class="error" id="n-note" role="alert">{words}</p>' in page.text
        assert f"Yes: {used} can be built" in page.text or f"for {used}," in page.text
        check = web.get(f"/projects/{project}/check", params={"n": typed}).text
        assert check.startswith(f'<div id="buildable" data-n="{used}">') and words in check
    plain = web.get(f"/projects/{project}?n=4").text
    assert 'id="n-note"' not in plain and field.format(4) in plain
