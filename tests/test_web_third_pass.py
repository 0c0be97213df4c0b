"""Issue 24 (the phone page's third pass), in-process: the points that are about what a page says or serves.

The same points walked in headless Chromium at 360 px are in tests/test_web_phone3.py.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from litestar.testing import TestClient
from PIL import Image

from conftest import FakeClock
from inventory_helpers import add_location
from makermatrix_edge.httpkit.own_host import own_base
from web_helpers import Bench, bench, csrf_of, flash_of, logged_in, make_bench, web

__all__ = ["bench", "web"]  # the shared fixtures (web_helpers), used by name

FROM = "http://testserver.local"


def post_from(client: TestClient[Any], page: str, action: str, **fields: str) -> Any:
    html = client.get(page).text
    return client.post(
        action, data={"csrf_token": csrf_of(html), **fields}, headers={"Referer": FROM + page}, follow_redirects=False
    )


# Point 4: a failed print keeps the template chosen; the page says "printer offline" before Print.


def test_4_a_failed_print_keeps_the_template_and_an_offline_printer_is_said_up_front(
    web: TestClient[Any], bench: Bench
) -> None:
    url = f"/p/{bench.ne555['id']}"
    bench.services.labels.script_simulator("ready", "29")
    bench.client.get("/api/printer/status?refresh=true", headers=bench.headers)
    assert 'id="printer-note"' not in web.get(url).text
    template = next(t for t in bench.client.get("/api/printer/templates", headers=bench.headers).json()["data"])
    r = post_from(web, url, f"{url}/print", template=template["id"], copies="2")
    shown = flash_of(r)
    assert "not printed" in shown["error"] and shown["kept"] == {"template": template["id"], "copies": "2"}
    bench.services.labels.script_simulator("unplugged", None)
    bench.client.get("/api/printer/status?refresh=true", headers=bench.headers)
    page = web.get(url).text
    note = re.search(r'<p class="warn" role="status" id="printer-note">([^<]*)', page)
    assert note and note.group(1).startswith("Printer offline (unplugged)"), page[page.index('id="print-h"') :]
    assert page.index('id="printer-note"') < page.index("Print label</button>")


# Point 16: placeholders, local times, the Ask box, and the label QR's address.


def test_16_a_part_without_a_photo_shows_no_letter_beside_its_quantity(web: TestClient[Any], bench: Bench) -> None:
    bench.client.post("/api/parts/add_part", json={"part_name": "2N3904", "quantity": 300}, headers=bench.headers)
    bench.client.post("/api/parts/add_part", json={"part_name": "2N3906", "quantity": 3}, headers=bench.headers)
    page = web.get("/?q=2N390").text
    tiles = re.findall(r'<span class="thumb"[^>]*aria-hidden="true">([^<]*)</span>', page)
    assert len(tiles) == 2 and tiles == ["", ""], tiles


def test_16_the_ask_box_is_a_textarea(web: TestClient[Any]) -> None:
    page = web.get("/ask").text
    assert '<textarea id="message" name="message"' in page and 'id="message" name="message" type="text"' not in page


def _qr_of(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert found, "no QR code on the label"
    return str(found[0].text)


def test_16_the_label_qr_opens_the_address_the_phone_used_only_when_it_is_ours(
    web: TestClient[Any], bench: Bench
) -> None:
    part = bench.ne555["id"]
    configured = bench.services.labels.base_url
    own = web.get(f"/p/{part}/label.png").content  # the test client's Host is the address it connected to
    assert _qr_of(own) == f"{FROM}/p/{part}"
    forged = web.get(f"/p/{part}/label.png", headers={"Host": "evil.example"}).content
    assert _qr_of(forged) == f"{configured}/p/{part}"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("192.168.1.20:8080", "http://192.168.1.20:8080"),  # the address the connection arrived on
        ("bench:8080", "http://bench:8080"),  # the machine's own name
        ("bench.local:8080", "http://bench.local:8080"),
        ("mm.example.org", "http://mm.example.org"),  # the configured base URL's host and port
        ("evil.example:8080", None),  # anyone else's name
        ("192.168.1.99:8080", None),  # another address on the LAN
        ("192.168.1.20:9999", None),  # ours, but a port we do not listen on
        ("bench:8080/x", None),
        ("", None),
        ("[::ffff:192.168.1.20]:8080", "http://[::ffff:192.168.1.20]:8080"),
    ],
)
def test_16_only_a_host_that_names_the_daemon_is_trusted(host: str, expected: str | None) -> None:
    got = own_base(host, "http", ("192.168.1.20", 8080), "http://mm.example.org", {"bench", "bench.local"}, (8080,))
    assert got == expected


def test_16_order_and_reimport_times_are_local(web: TestClient[Any]) -> None:
    templates = Path(__file__).resolve().parent.parent / "makermatrix_edge" / "web" / "templates"
    for name in ("order.html", "import.html", "_supplier.html"):
        text = (templates / name).read_text()
        stamps = re.findall(r"\{\{ [^}]*(?:import_date|fetched_at)[^}]*\}\}", text)
        assert stamps and all("|local" in s for s in stamps), (name, stamps)


# Point 10: the scan result lands in view; a photo of our own label opens its page.


def test_10_a_photo_of_our_own_label_opens_the_part_and_the_result_lands_in_view(
    web: TestClient[Any], bench: Bench
) -> None:
    part = bench.ne555["id"]
    label = web.get(f"/p/{part}/label.png").content
    form = web.get("/scan").text
    assert 'action="/scan"' in form
    r = web.post(
        "/scan",
        data={"csrf_token": csrf_of(form)},
        files={"file": ("label.png", label, "image/png")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/p/{part}"
    nothing = io.BytesIO()
    Image.new("L", (200, 200), 255).save(nothing, "PNG")
    r = web.post(
        "/scan", data={"csrf_token": csrf_of(form)}, files={"file": ("blank.png", nothing.getvalue(), "image/png")}
    )
    assert r.status_code == 200 and '<h2 id="found" data-scroll-here>' in r.text and "No code found" in r.text


# Point 12: the bench camera says it is off, can be started there, and lists no phone photos.


@pytest.fixture
def camera_bench(tmp_path: Path, clock: FakeClock) -> Iterator[Bench]:
    camera = {"kind": "fake", "autostart": False, "fake_payloads": ["NE555", "C7593"], "fake_interval_seconds": 3600}
    yield from make_bench(tmp_path, clock, camera=camera)


def test_12_the_bench_camera_says_it_is_off_starts_there_and_keeps_phone_photos_apart(
    camera_bench: Bench,
) -> None:
    web = logged_in(camera_bench)
    home = web.get("/").text
    feed = home[home.index("<h2>Bench camera</h2>") :]
    assert "The bench camera is off." in feed and "No scans yet" not in feed
    assert 'action="/camera/start"' in feed and "Start the camera" in feed
    r = post_from(web, "/", "/camera/start")
    assert r.status_code == 303 and flash_of(r)["ok"] == "Bench camera started."
    try:
        feed = web.get("/scans/feed").text
        assert 'data-camera="on"' in feed and "Stop the camera" in feed
        label = web.get(f"/p/{camera_bench.ne555['id']}/label.png").content
        form = web.get("/scan").text
        files = {"file": ("label.png", label, "image/png")}
        assert web.post("/scan", data={"csrf_token": csrf_of(form)}, files=files, follow_redirects=False).is_redirect
        bag = "{pbn:PICK9,on:GB9,pc:C9999991,pm:ZXCV1234QW,qty:25,mc:10,cc:1,pdi:1,hp:0,wc:ZH}"
        received = post_from(web, "/scan", "/scan/receive", payload=bag)  # a bag received on the phone
        assert received.status_code == 303 and flash_of(received)["ok"].startswith("Added 25")
        sent = camera_bench.client.post("/api/scan", json={"payload": "C7593"}, headers=camera_bench.headers)
        assert sent.status_code == 200
        sources = [
            s["source"]
            for s in camera_bench.client.get("/api/scan/recent", headers=camera_bench.headers).json()["data"]
        ]
        assert "image" in sources and "phone" in sources  # the phone's photo was read, its bag received ...
        feed = web.get("/scans/feed").text
        assert feed.count("<li>") == sources.count("api") + sources.count("camera") and "image ·" not in feed
    finally:
        post_from(web, "/", "/camera/stop")
    assert "The bench camera is off." in web.get("/scans/feed").text


# Point 9: one searchable place picker with recent places; the place named exactly comes first.


def _tree(bench: Bench) -> dict[str, str]:
    """Places whose paths contain each other's words as text: the traps of a substring search."""
    ids: dict[str, str] = {}

    def add(path: str) -> str:
        parent = None
        for depth, name in enumerate(path.split(" / ")):
            key = " / ".join(path.split(" / ")[: depth + 1])
            if key not in ids:
                ids[key] = add_location(bench.client, bench.headers, name, parent)
            parent = ids[key]
        return ids[path]

    for path in ("Rack 30 / Shelf 2 / Box 5", "Rack 3 / Shelf 2 / Box 50", "Rack 3 / Shelf 20 / Box 5",
                 "Rack 3 / Shelf 2 / Box 5", "Cabinet / Drawer B / Bin 70", "Cabinet / Drawer BB / Bin 7",
                 "Cabinet / Drawer B / Bin 7", "Cabinet / Drawer B / Bin 7 / Slot 1"):  # fmt: skip
        add(path)
    for n in range(1, 31):
        add(f"Cabinet / Drawer C / Bin {n}")
    return ids


def _listed(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", s).strip() for s in re.findall(r"<span>([^<]*)</span></label>", html)]


@pytest.mark.parametrize(
    ("query", "first"),
    [("rack 3 shelf 2 box 5", "Rack 3 / Shelf 2 / Box 5"), ("drawer b bin 7", "Cabinet / Drawer B / Bin 7"),
     ("Drawer B / Bin 7", "Cabinet / Drawer B / Bin 7"), ("bin7", "Cabinet / Drawer B / Bin 7")],
)  # fmt: skip
def test_9_place_search_puts_the_place_named_first(web: TestClient[Any], bench: Bench, query: str, first: str) -> None:
    _tree(bench)
    fragment = web.get("/places/pick", params={"q": query, "mode": "radio"}).text
    assert '<h3 class="pick-head">Matching places</h3>' in fragment
    assert _listed(fragment)[0] == first, _listed(fragment)[:4]
    moved = web.get(f"/p/{bench.ne555['id']}/move", params={"q": query}).text  # Move ranks the same way
    assert re.search(r'class="pick">([^<]*)</button>', moved).group(1) == first  # type: ignore[union-attr]
    found = web.get("/locations", params={"q": query}).text  # and so does the Locations page's search
    assert re.search(r'<span class="name">([^<]*)</span>', found).group(1) == first  # type: ignore[union-attr]


def test_9_a_bin_typed_in_part_is_still_found_and_numbers_sort_naturally(web: TestClient[Any], bench: Bench) -> None:
    _tree(bench)
    typing = _listed(web.get("/places/pick", params={"q": "drawer c bi"}).text)
    assert typing[:3] == ["Cabinet / Drawer C / Bin 1", "Cabinet / Drawer C / Bin 2", "Cabinet / Drawer C / Bin 3"]
    assert web.get("/places/pick", params={"q": "no such place"}).text.count("No place matches") == 1


def test_9_the_new_part_form_and_a_new_bag_carry_recent_places_not_the_whole_tree(
    web: TestClient[Any], bench: Bench
) -> None:
    ids = _tree(bench)
    total = len(bench.client.get("/api/locations/get_all_locations", headers=bench.headers).json()["data"])
    assert total > 40
    bench.client.put(
        f"/api/parts/update_part/{bench.cap['id']}",
        json={"location_id": ids["Cabinet / Drawer B / Bin 7"]},
        headers=bench.headers,
    )
    form = web.get("/parts/new").text
    assert "<select" not in form and '<h3 class="pick-head">Recent places</h3>' in form
    listed = _listed(form)
    assert listed[0] == "No location" and "Cabinet / Drawer B / Bin 7" in listed and len(listed) <= 7, listed
    assert 'data-places="/places/pick?mode=radio&amp;field=location_id"' in form
    # the new bag's card offers the same picker
    bag = "{pbn:PICK9,on:GB9,pc:C9999991,pm:ZXCV1234QW,qty:25,mc:10,cc:1,pdi:1,hp:0,wc:ZH}"
    home = web.get("/", params={"q": bag}).text
    assert "Where will it live?" in home and "<select" not in home and "Cabinet / Drawer B / Bin 7" in _listed(home)
    # a place found by searching can be chosen, and the form keeps it when it comes back with a mistake
    box = ids["Rack 3 / Shelf 2 / Box 5"]
    r = web.post("/parts/new", data={"csrf_token": csrf_of(form), "part_name": "", "location_id": box})
    assert r.status_code == 400 and f'value="{box}" checked' in r.text
    r = web.post("/parts/new", data={"csrf_token": csrf_of(form), "part_name": "Fresh part", "location_id": box},
                 follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    made = bench.client.get("/api/parts/get_part", params={"part_name": "Fresh part"}, headers=bench.headers)
    assert made.json()["data"]["location_id"] == box


# Point 11: the part page serves a resized copy made once; phone photos up to 20 MB, the limit said.


def phone_photo(size: tuple[int, int] = (3400, 2300)) -> bytes:
    """A photo that compresses like the worst phone photo (sensor noise): about 7 MB, over the old 5 MB."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def post_photo(web: TestClient[Any], url: str, content: bytes, action: str = "photo") -> Any:
    page = web.get(url).text
    return web.post(
        f"{url}/{action}",
        data={"csrf_token": csrf_of(page)},
        files={"file": ("cam.jpg", content, "image/jpeg")},
        headers={"Referer": FROM + url},
        follow_redirects=False,
    )


def test_11_the_part_page_shows_a_small_copy_made_once_and_the_original_on_request(
    web: TestClient[Any], bench: Bench
) -> None:
    url = f"/p/{bench.ne555['id']}"
    photo = phone_photo()
    assert len(photo) > 5 * 1024 * 1024
    r = post_photo(web, url, photo)
    assert r.status_code == 303 and flash_of(r)["ok"] == "Photo saved"
    page = web.get(url).text
    src = re.search(r'<img class="photo" src="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    original = re.search(r'<a class="line-link" href="([^"]+)">Full-size photo</a>', page).group(1)  # type: ignore[union-attr]
    assert src == original + "?size=page"
    folder = bench.services.images.folder
    copies = list((folder / "page").iterdir())
    assert len(copies) == 1  # made with the upload, beside the original
    made = copies[0].stat().st_mtime_ns
    shown = web.get(src)
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert len(shown.content) <= 150 * 1024
    assert max(Image.open(io.BytesIO(shown.content)).size) == 800
    assert web.get(src).content == shown.content and copies[0].stat().st_mtime_ns == made  # made once
    assert web.get(original).content == photo  # the original, only on request


def test_11_scan_and_photo_take_the_same_20_mb_and_say_so(web: TestClient[Any], bench: Bench) -> None:
    assert bench.services.images.max_bytes == bench.services.scans.settings.max_image_bytes == 20 * 1024 * 1024
    url = f"/p/{bench.ne555['id']}"
    big = b"\xff\xd8" + b"\0" * (20 * 1024 * 1024)  # one byte over: no need to be a picture
    refused = post_photo(web, url, big)
    assert refused.status_code == 303 and flash_of(refused)["error"] == "Image is larger than 20 MB."
    scan = web.get("/scan").text
    r = web.post("/scan", data={"csrf_token": csrf_of(scan)}, files={"file": ("p.jpg", big, "image/jpeg")},
                 headers={"Referer": FROM + "/scan"}, follow_redirects=False)  # fmt: skip
    assert "larger than 20 MB" in flash_of(r)["error"], flash_of(r)
    far = b"\0" * (22 * 1024 * 1024)  # past the body limit: refused before it is read, the limit still said
    r = post_photo(web, url, far)
    assert "20 MB at most" in flash_of(r)["error"], flash_of(r)
