"""Issue 24 points 3, 7 and 8 on the phone pages, in-process: the orders list, a part's orders with price,
the place chosen for an import, moving several parts at once, and a repeated import offering Cancel first."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from test_orders_import import SAMPLES
from test_web import Bench, said
from test_web_import import STAGED, pick
from web_helpers import csrf_of, flash_of

pytest_plugins = ["test_web"]  # its bench (fake printer) and logged-in page client
LCSC_FILE = SAMPLES / "LCSC_Exported__20241222_232708.csv"
DK_FILE = SAMPLES / "DK_PRODUCTS_88081102.csv"


def import_file(web: TestClient[Any], path: Any, location_id: str = "") -> str:
    """Preview and confirm on the pages; returns the order page's address."""
    shown = pick(web, path.name, path.read_bytes())
    staged = STAGED.search(shown.text)
    assert staged, shown.text
    fields = {"csrf_token": csrf_of(shown.text), "staged": staged.group(1), "filename": path.name}
    done = web.post("/import/confirm", data={**fields, "location_id": location_id}, follow_redirects=False)
    assert done.status_code == 303, done.text
    return str(done.headers["location"]).split("?")[0]


def test_orders_list_in_the_menu_newest_first_with_supplier_date_lines_total(web: TestClient[Any]) -> None:
    empty = web.get("/orders")
    assert empty.status_code == 200 and "No order imported yet" in empty.text
    assert '<a href="/orders"' in web.get("/").text  # the More menu
    first = import_file(web, LCSC_FILE)
    second = import_file(web, DK_FILE)
    listed = web.get("/orders").text
    cards = re.findall(r'<a class="card" href="(/orders/[0-9a-f-]{36})">\s*<span class="name">([^<]+)</span>', listed)
    assert cards == [(second, "DigiKey order 88081102"), (first, "LCSC order 20241222_232708")]
    assert "2 orders, the newest first" in listed
    assert "5 lines · <strong>17.77 USD</strong>" in listed and "5 lines · <strong>24.30 USD</strong>" in listed
    assert re.search(r"imported \d{4}-\d\d-\d\d \d\d:\d\d<", listed)  # local time, not an ISO stamp


def test_part_page_links_the_orders_it_came_in_with_price(web: TestClient[Any], bench: Bench) -> None:
    had = bench.client.post(
        "/api/parts/add_part", json={"part_name": "Lelon cap", "part_number": "C7442639"}, headers=bench.headers
    ).json()["data"]["id"]
    order = import_file(web, LCSC_FILE)
    order_page = web.get(order).text
    name = "Wire To Board Connector 1x6P 6P PicoBlade(MX 1.25) Tin 6 1A"
    new = re.search(r'href="/p/([0-9a-f-]{36})">' + re.escape(name) + "<", order_page)
    assert new, order_page
    shown = web.get(f"/p/{new.group(1)}").text
    assert f'<a class="card" href="{order}"><span class="name">LCSC order 20241222_232708</span>' in shown
    assert "50 × 0.0720 USD = 3.60 USD · 2024-12-22" in shown
    # A part that was there before: its history row of the import links the order too.
    known = web.get(f"/p/{had}").text
    assert f'<a href="{order}">import: LCSC order 20241222_232708</a>' in known
    assert "50 × 0.0874 USD = 4.37 USD" in known


def test_preview_says_where_and_the_chosen_place_holds(web: TestClient[Any], bench: Bench) -> None:
    preview = pick(web, LCSC_FILE.name, LCSC_FILE.read_bytes()).text
    assert "The 5 new parts go to" in preview and "Unsorted (made now)" in preview
    assert f'<option value="{bench.drawer}">Shelf 1 / Drawer A</option>' in preview
    order = import_file(web, LCSC_FILE, bench.drawer)
    page = web.get(order).text
    assert "They are in <strong>Shelf 1 / Drawer A</strong>." in page
    drawer = web.get(f"/l/{bench.drawer}").text
    assert "100 µF 35 V aluminium electrolytic capacitor" in drawer


def test_a_part_you_have_stays_where_it_is_and_the_preview_says_where(web: TestClient[Any], bench: Bench) -> None:
    moved = bench.client.post(
        "/api/parts/add_part",
        json={"part_name": "Lelon cap", "part_number": "C7442639", "quantity": 4, "location_id": bench.drawer},
        headers=bench.headers,
    )
    assert moved.status_code == 200
    preview = pick(web, LCSC_FILE.name, LCSC_FILE.read_bytes()).text
    assert 'adds 50 to &#39;Lelon cap&#39; (now 54) <span class="muted">· in Shelf 1 / Drawer A</span>' in preview
    assert "The 4 new parts go to" in preview


def test_importing_the_same_file_again_offers_cancel_first(web: TestClient[Any]) -> None:
    import_file(web, LCSC_FILE)
    repeat = pick(web, LCSC_FILE.name, LCSC_FILE.read_bytes()).text
    assert "already imported" in repeat
    buttons = re.search(r'<div class="choice">\s*(.*?)\s*</div>', repeat, re.S)
    assert buttons, repeat
    cancel, again = buttons.group(1).split("\n")
    assert cancel.strip() == '<a class="button" href="/import">Cancel</a>'  # first, the primary style
    assert again.strip() == '<button type="submit" class="secondary">Import it again</button>'


def tick_and_move(web: TestClient[Any], page: str, ids: list[str], location_id: str) -> Any:
    picker = web.get("/parts/move", params={"part_id": ids, "next": page})
    assert picker.status_code == 200, picker.text
    assert f"Move {len(ids)} parts" in picker.text
    fields: dict[str, Any] = {"csrf_token": csrf_of(picker.text), "part_id": ids, "next": page}
    came_from = {"Referer": str(picker.url)}  # the browser sends it (Referrer-Policy same-origin)
    return web.post(
        "/parts/move", data={**fields, "location_id": location_id}, headers=came_from, follow_redirects=False
    )


def test_moving_several_parts_at_once_is_one_move_each_in_its_history(web: TestClient[Any], bench: Bench) -> None:
    search = web.get("/?q=C").text  # both parts: checkboxes and one "Move selected to …"
    ne555 = bench.ne555["id"]
    assert f'name="part_id" value="{ne555}" form="move-selected"' in search
    assert 'action="/parts/move"' in search and "Move selected to …" in search
    done = tick_and_move(web, "/?q=C", [bench.ne555["id"], bench.cap["id"]], bench.shelf)
    assert done.status_code == 303 and done.headers["location"] == "/?q=C"
    assert said(done) == "Moved 2 parts to Shelf 1"
    for part_id in (bench.ne555["id"], bench.cap["id"]):
        page = web.get(f"/p/{part_id}").text
        assert "Moved to Shelf 1" in page
    # The same move again (a double tap, a reload) changes nothing and says so.
    again = tick_and_move(web, "/?q=C", [bench.ne555["id"], bench.cap["id"]], bench.shelf)
    assert said(again) == "Moved 2 parts to Shelf 1 (2 were there already)"
    notes = bench.services.db.read_sync(
        lambda db: db.execute("SELECT count(*) FROM part_changes WHERE what LIKE 'moved to%'").fetchone()[0]
    )
    assert notes == 2
    # The other lists of parts offer the same: a location, low stock (a category shares its page).
    assert web.get(f"/l/{bench.shelf}").text.count('class="tick" name="part_id"') == 2
    for part in (bench.ne555, bench.cap):
        low = {"min_quantity": 1000}
        assert bench.client.put(f"/api/parts/update_part/{part['id']}", json=low, headers=bench.headers).is_success
    low_stock = web.get("/low-stock").text
    assert low_stock.count('class="tick" name="part_id"') == 2 and "Move selected to …" in low_stock


def test_a_move_refused_changes_nothing_and_stays_on_the_page(web: TestClient[Any], bench: Bench) -> None:
    done = tick_and_move(web, f"/l/{bench.drawer}", [bench.ne555["id"], bench.cap["id"]], "no-such-place")
    assert done.status_code == 303 and done.headers["location"].startswith("/parts/move")
    assert flash_of(done)["error"] == "No location with id no-such-place."
    part = bench.client.get("/api/parts/get_part?part_id=" + bench.ne555["id"], headers=bench.headers).json()["data"]
    assert part["location_id"] == bench.drawer
    nothing = web.get("/parts/move", params={"next": "/low-stock"}, follow_redirects=False)
    assert nothing.status_code == 303 and nothing.headers["location"] == "/low-stock"
    assert "Tick the parts to move first" in flash_of(nothing)["error"]
    outside = web.get("/parts/move", params={"part_id": bench.cap["id"], "next": "https://evil.example/"})
    assert 'href="/"' in outside.text and "evil" not in outside.text


def test_the_order_page_moves_its_new_parts_in_one_go(web: TestClient[Any], bench: Bench) -> None:
    order = import_file(web, LCSC_FILE)
    page = web.get(order).text
    order_id = order.rsplit("/", 1)[1]
    link = f'href="/parts/move?order_id={order_id}&amp;next={order}">Move these 5 parts to …</a>'
    assert link in page and "They are in <strong>Unsorted</strong>." in page
    picker = web.get("/parts/move", params={"order_id": order_id, "next": order})
    assert "Move 5 parts" in picker.text and "100 µF 35 V aluminium electrolytic capacitor" in picker.text
    fields = {"csrf_token": csrf_of(picker.text), "order_id": order_id, "next": order}
    done = web.post("/parts/move", data={**fields, "location_id": bench.drawer}, follow_redirects=False)
    assert said(done) == "Moved 5 parts to Shelf 1 / Drawer A" and done.headers["location"] == order
    assert "They are in <strong>Shelf 1 / Drawer A</strong>." in web.get(order).text
