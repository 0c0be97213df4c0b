"""The phone page "Import an order" in-process: pick, preview, confirm, result, print labels for the new parts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import FakeClock, add_user, bearer, login
from test_orders_import import SAMPLES
from test_web import Bench, said
from web_helpers import csrf_of, logged_in, make_bench, page_login, refused_to

pytest_plugins = ["test_web"]  # its bench (fake printer) and logged-in page client
LCSC_FILE = SAMPLES / "LCSC_Exported__20241222_232708.csv"
STAGED = re.compile(r'name="staged" value="([0-9a-f]{32})"')


def pick(web: TestClient[Any], name: str, content: bytes, **fields: str) -> Any:
    html = web.get("/import").text
    return web.post("/import", files={"file": (name, content)}, data={"csrf_token": csrf_of(html), **fields})


def test_pick_preview_confirm_result_and_print(web: TestClient[Any], bench: Bench) -> None:
    home = web.get("/").text
    assert 'href="/import"' in home
    # A part this bench already has, so the file both adds and creates.
    add = bench.client.post(
        "/api/parts/add_part",
        json={"part_name": "Lelon cap", "part_number": "C7442639", "quantity": 4},
        headers=bench.headers,
    )
    assert add.status_code == 200
    preview = pick(web, LCSC_FILE.name, LCSC_FILE.read_bytes())
    assert preview.status_code == 200, preview.text
    text = preview.text
    assert "LCSC Electronics order 20241222_232708" in text
    assert "4 new parts" in text and "adds 50 to &#39;Lelon cap&#39; (now 54)" in text
    counts = bench.client.get("/api/utility/get_counts", headers=bench.headers).json()["data"]
    assert counts["parts"] == 3  # the preview wrote nothing
    staged = STAGED.search(text)
    assert staged
    confirm = web.post(
        "/import/confirm",
        data={"csrf_token": csrf_of(text), "staged": staged.group(1), "filename": LCSC_FILE.name},
        follow_redirects=False,
    )
    assert confirm.status_code == 303, confirm.text
    assert said(confirm) == "Processed 5 lines from LCSC: 4 new parts, 1 added to existing parts, 0 rows skipped"
    order_page = web.get(confirm.headers["location"])
    assert order_page.status_code == 200
    links = re.findall(r'href="/p/([0-9a-f-]{36})"', order_page.text)
    assert len(links) == 5 and "Print labels for these" in order_page.text
    assert web.get(f"/p/{links[1]}").status_code == 200
    order_url = confirm.headers["location"].split("?")[0]
    printed = web.post(f"{order_url}/print", data={"csrf_token": csrf_of(order_page.text)}, follow_redirects=False)
    assert printed.status_code == 303 and said(printed) == "4 labels sent to the printer"
    # The staged upload is gone once imported: confirming twice cannot import twice.
    again = web.post(
        "/import/confirm",
        data={"csrf_token": csrf_of(text), "staged": staged.group(1), "filename": LCSC_FILE.name},
        follow_redirects=False,
    )
    assert "gone" in refused_to(again, "/import")  # back to choosing the file, the reason said there
    # Picking the same file again warns and offers "Import it again".
    repeat = pick(web, LCSC_FILE.name, LCSC_FILE.read_bytes())
    assert "already imported" in repeat.text and "Import it again" in repeat.text


def test_bad_files_are_sentences_on_the_form(web: TestClient[Any], bench: Bench) -> None:
    pdf = pick(web, "order.pdf", b"%PDF-1.4")
    assert pdf.status_code == 415 and "Unknown format" in pdf.text and 'type="file"' in pdf.text
    header_only = pick(web, "x.csv", b"foo,bar\n1,2\n")
    assert header_only.status_code == 400 and "No recognisable header" in header_only.text
    cut_short = pick(web, "271360826.xls", (SAMPLES / "271360826.xls").read_bytes()[:12_000])
    assert cut_short.status_code == 400 and 'type="file"' in cut_short.text
    assert "This .xls file is damaged or incomplete, so it cannot be read" in cut_short.text
    bad_row = LCSC_FILE.read_text().replace(",50,5\\5,0.0874", ",fifty,5\\5,0.0874").encode()
    shown = pick(web, LCSC_FILE.name, bad_row)
    assert shown.status_code == 200
    assert "cannot be read: C7442639: quantity &#39;fifty&#39; is not a number" in shown.text
    assert 'name="staged"' not in shown.text  # nothing to confirm


def test_import_page_needs_the_import_permission(bench: Bench) -> None:
    admin = login(bench.client, "admin", "bench-admin-pw-1")
    add_user(bench.client, admin, "benchuser", "user")
    bench.client.cookies.clear()
    assert bearer(admin)
    page_login(bench.client, "benchuser", "password-123")
    assert 'href="/import"' not in bench.client.get("/").text
    response = bench.client.get("/import")
    assert response.status_code == 403


def lcsc_order(n: int) -> bytes:
    """The sample LCSC file as a different order each time (so previews differ), padded to about 100 KB."""
    text = LCSC_FILE.read_text().replace("C7442639", f"C{7442639 + n}")
    return (text + "," * 100_000 + "\n").encode()  # an empty last row: skipped


def staged_files(bench: Bench) -> list[Any]:
    return sorted(bench.services.orders.uploads.folder.rglob("*.upload"))


@pytest.mark.slow
def test_previews_kept_for_their_confirm_are_bounded_per_user_and_in_all(tmp_path: Any, clock: FakeClock) -> None:
    limits = {"preview_max_files_per_user": 3, "preview_max_bytes_per_user": 350_000, "preview_max_files": 4}
    for bench in make_bench(tmp_path, clock, imports=limits):
        web = logged_in(bench)
        tokens = []
        for n in range(20):  # the issue: twenty previews were all kept, 24 h each
            shown = pick(web, LCSC_FILE.name, lcsc_order(n))
            assert shown.status_code == 200, shown.text
            found = STAGED.search(shown.text)
            assert found
            tokens.append((found.group(1), csrf_of(shown.text)))
        # Three a user (and 350 KB; 100 KB each): this user's newest three stay, the older ones were dropped.
        assert len(staged_files(bench)) == 3
        oldest, newest = tokens[0], tokens[-1]
        gone = web.post(
            "/import/confirm",
            data={"csrf_token": oldest[1], "staged": oldest[0], "filename": "a.csv"},
            follow_redirects=False,
        )
        assert "replaced by a newer preview" in refused_to(gone, "/import")
        admin = bench.headers
        add_user(bench.client, admin["Authorization"].split()[1], "keeper", "manager")
        # Another user cannot confirm this user's preview, even holding its name.
        bench.client.cookies.clear()
        page_login(bench.client, "keeper", "password-123")
        theirs = web.post("/import/confirm", data={"csrf_token": csrf_of(web.get("/import").text),
                                                   "staged": newest[0], "filename": "a.csv"},
                          follow_redirects=False)  # fmt: skip
        assert "gone" in refused_to(theirs, "/import")
        # All users together: 4 files at most; the fifth is refused in words and nothing is dropped.
        assert STAGED.search(pick(web, LCSC_FILE.name, lcsc_order(20)).text)
        assert len(staged_files(bench)) == 4
        refused = pick(web, LCSC_FILE.name, lcsc_order(30))
        assert refused.status_code == 503 and "already keeps 4 previews" in refused.text
        assert len(staged_files(bench)) == 4
        # Left for a day, they are dropped when the next one is staged.
        clock.advance(25 * 3600)
        assert STAGED.search(pick(web, LCSC_FILE.name, lcsc_order(31)).text)
        assert len(staged_files(bench)) == 1
        # The owner's newest preview still imports (before the day passed it would have too).
        bench.client.cookies.clear()
        page_login(bench.client, "admin")
        last = pick(web, LCSC_FILE.name, lcsc_order(40))
        found = STAGED.search(last.text)
        assert found
        done = web.post("/import/confirm", data={"csrf_token": csrf_of(last.text), "staged": found.group(1),
                                                 "filename": LCSC_FILE.name}, follow_redirects=False)  # fmt: skip
        assert done.status_code == 303, done.text
