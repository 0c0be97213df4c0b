"""The phone page "Import an order" in-process: pick, preview, confirm, result, print labels for the new parts."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from conftest import add_user, bearer, login
from test_orders_import import SAMPLES
from test_web import Bench, said
from web_helpers import csrf_of, page_login

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
    )
    assert again.status_code == 400 and "gone" in again.text
    # Picking the same file again warns and offers "Import it again".
    repeat = pick(web, LCSC_FILE.name, LCSC_FILE.read_bytes())
    assert "already imported" in repeat.text and "Import it again" in repeat.text


def test_bad_files_are_sentences_on_the_form(web: TestClient[Any], bench: Bench) -> None:
    pdf = pick(web, "order.pdf", b"%PDF-1.4")
    assert pdf.status_code == 415 and "Unknown format" in pdf.text and 'type="file"' in pdf.text
    header_only = pick(web, "x.csv", b"foo,bar\n1,2\n")
    assert header_only.status_code == 400 and "No recognisable header" in header_only.text
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
