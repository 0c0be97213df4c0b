"""Issue 17 point 14 in-process: photos, delete, low stock, categories, favicon, gzip, the QR's address."""

from __future__ import annotations

import gzip
import io
import sqlite3
from typing import Any

from litestar.testing import TestClient
from PIL import Image

from web_helpers import Bench, bench, csrf_of, flash_of, post_form, said, web

__all__ = ["bench", "web"]  # the shared fixtures (web_helpers), used by name


def png(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


def test_a_photo_from_the_phone_becomes_the_parts_picture(web: TestClient[Any], bench: Bench) -> None:
    url = f"/p/{bench.ne555['id']}"
    page = web.get(url).text
    assert 'accept="image/*" capture="environment"' in page and "Add a photo" in page
    r = web.post(
        f"{url}/photo", data={"csrf_token": csrf_of(page)}, files={"file": ("cam.png", png(), "image/png")},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303 and said(r) == "Photo saved"
    shown = web.get(url).text
    image = shown.split('class="photo" src="', 1)[1].split('"', 1)[0]
    assert image.startswith("/api/utility/get_image/") and web.get(image).content.startswith(b"\x89PNG")
    bad = web.post(
        f"{url}/photo", data={"csrf_token": csrf_of(shown)}, files={"file": ("x.png", b"nope", "image/png")},
        headers={"Referer": f"http://testserver.local{url}"}, follow_redirects=False,
    )  # fmt: skip
    assert bad.status_code == 303 and flash_of(bad)["error"] and "BytesIO" not in flash_of(bad)["error"]


def test_delete_a_part_after_a_confirmation_and_keep_its_history(web: TestClient[Any], bench: Bench) -> None:
    url = f"/p/{bench.ne555['id']}"
    assert f'href="{url}/delete"' in web.get(url).text
    ask = web.get(f"{url}/delete")
    assert ask.status_code == 200 and "Delete NE555 timer?" in ask.text and 'class="danger"' in ask.text
    assert web.get(url).status_code == 200  # asking deleted nothing
    r = web.post(f"{url}/delete", data={"csrf_token": csrf_of(ask.text)}, follow_redirects=False)
    assert r.status_code == 303 and said(r) == "Deleted 'NE555 timer'; its stock history is kept"
    assert web.get(url).status_code == 404
    with sqlite3.connect(bench.services.db.path) as db:
        kept = db.execute(
            "SELECT reason FROM stock_movements WHERE part_id = ? ORDER BY id DESC", [bench.ne555["id"]]
        ).fetchall()
    assert [r[0] for r in kept] == ["part deleted", "created"]


def test_low_stock_list_and_category_browser(web: TestClient[Any], bench: Bench) -> None:
    url = f"/p/{bench.ne555['id']}"
    assert "No part is below its" in web.get("/low-stock").text
    post_form(web, url, f"{url}/adjust", take="7")  # 3 left, warn below 5
    low = web.get("/low-stock").text
    assert "NE555 timer" in low and "3, want 5" in low and "100nF capacitor" not in low
    assert "3, want 5" in web.get("/search?q=NE555").text  # the search card says it the same way
    post_form(web, f"{url}/edit", f"{url}/edit", part_name="NE555 timer", min_quantity="5", categories="Timers, ICs")
    cats = web.get("/categories").text
    assert "Timers" in cats and "1 part" in cats
    link = cats.split('href="/categories/', 1)[1].split('"', 1)[0]
    listed = web.get(f"/categories/{link}").text
    assert "NE555 timer" in listed and "All categories" in listed
    menu = web.get("/").text.split('class="menu"', 1)[1]
    assert 'href="/low-stock"' in menu and 'href="/categories"' in menu


def test_favicon_gzip_and_page_weight(web: TestClient[Any], bench: Bench) -> None:
    home = web.get("/")
    assert '<link rel="icon" href="/static/favicon.svg"' in home.text
    assert web.get("/static/favicon.svg").headers["content-type"].startswith("image/svg")
    for path in ("/", f"/p/{bench.ne555['id']}", "/static/app.css", "/static/app.js"):
        raw = web.get(path, headers={"Accept-Encoding": "gzip"})
        assert raw.headers.get("content-encoding") == "gzip", path
    bodies = [web.get(a).content for a in ("/static/app.css", "/static/app.js", "/static/favicon.svg")]
    assets, assets_wire = sum(len(b) for b in bodies), sum(len(gzip.compress(b)) for b in bodies)
    for path in ("/", "/?q=capacitor", f"/p/{bench.ne555['id']}", "/locations", "/scan", "/users", "/backups"):
        page = web.get(path, headers={"Accept-Encoding": "identity"}).content
        # cold (the page, its CSS, script and icon), without images: on the wire (gzipped) and unpacked
        assert len(gzip.compress(page)) + assets_wire < 15_000, (path, len(page), assets)
        assert len(page) + assets < 40_000, (path, len(page), assets)


def test_the_label_qr_opens_the_address_the_phone_used(web: TestClient[Any], bench: Bench) -> None:
    url = f"/p/{bench.ne555['id']}"
    # The connection arrives on the Pi's LAN address (the ASGI scope's "server"), as the phone's would;
    # a Host header alone no longer decides (issue 24 point 16: tests/test_web_third_pass.py).
    session = {"Cookie": "; ".join(f"{name}={value}" for name, value in web.cookies.items())}
    label = web.get(f"http://192.168.1.20:8080{url}/label.png", headers=session)
    assert label.status_code == 200 and label.headers["content-type"] == "image/png"
    scanned = bench.client.post(
        "/api/scan/image", files={"file": ("label.png", label.content, "image/png")}, headers=bench.headers
    ).json()["data"]
    assert [s["parsed"]["raw"] for s in scanned] == [f"http://192.168.1.20:8080{url}"]


def test_the_bar_shows_find_scan_locations_and_ask(web: TestClient[Any]) -> None:
    bar = web.get("/").text.split('aria-label="Main"', 1)[1].split('<details class="more">', 1)[0]
    assert [label for label in ("Find", "Scan", "Locations", "Ask") if f">{label}</a>" in bar] == [
        "Find",
        "Scan",
        "Locations",
        "Ask",
    ]
    assert 'href="/ask"' in bar
