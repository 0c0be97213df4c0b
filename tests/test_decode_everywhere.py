"""Issue 22 item 14: every image decode in the daemon goes through the one bounded decoder (open_bounded)."""

from __future__ import annotations

import ast
import io
import threading
import uuid
from pathlib import Path
from typing import Any

from litestar.testing import TestClient
from PIL import Image

from big_images import progressive_jpeg
from makermatrix_edge.runtime.imaging import DecodeGate
from web_helpers import Bench, bench, csrf_of, flash_of, web

__all__ = ["bench", "web"]  # the shared fixtures (web_helpers), used by name

PACKAGE = Path(__file__).resolve().parent.parent / "makermatrix_edge"
# Calls that decode image bytes: Pillow's opener and incremental parser, OpenCV's readers.
DECODERS = {"open": {"Image"}, "Parser": {"ImageFile"}, "imdecode": {"cv2"}, "imread": {"cv2"}, "imreadmulti": {"cv2"}}


def decoder_uses(path: Path) -> list[str]:
    found = []
    where = path.relative_to(PACKAGE)
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute) and node.attr in DECODERS:
            owner = node.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if name in DECODERS[node.attr]:
                found.append(f"{where}:{node.lineno} {name}.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module in ("PIL.Image", "PIL.ImageFile", "cv2"):
            found += [f"{where}:{node.lineno} import {a.name}" for a in node.names if a.name in DECODERS]
    return found


def test_the_only_image_decoder_in_the_source_is_open_bounded() -> None:
    uses = [use for path in sorted(PACKAGE.rglob("*.py")) for use in decoder_uses(path)]
    assert uses and all(use.startswith("runtime/imaging.py:") for use in uses), uses


def images_in(bench: Bench) -> list[str]:
    folder = bench.services.images.folder
    return sorted(p.name for p in folder.glob("*.*")) if folder.is_dir() else []


def post_photo(web: TestClient[Any], url: str, content: bytes) -> Any:
    page = web.get(url).text
    return web.post(
        f"{url}/photo",
        data={"csrf_token": csrf_of(page)},
        files={"file": ("cam.jpg", content, "image/jpeg")},
        headers={"Referer": f"http://testserver.local{url}"},
        follow_redirects=False,
    )


def test_a_phone_photo_is_judged_by_the_bounded_decoder(web: TestClient[Any], bench: Bench) -> None:
    url = f"/p/{bench.ne555['id']}"
    refused = post_photo(web, url, progressive_jpeg())
    assert refused.status_code == 303
    assert "6000x6600 progressive JPEG would take" in flash_of(refused)["error"]
    assert images_in(bench) == []


def test_a_phone_photo_waits_for_the_photo_gate(web: TestClient[Any], bench: Bench) -> None:
    services = bench.services
    services.decode_gate = gate = DecodeGate(slots=1, requests=4, wait_seconds=0.3)
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        inside.set()
        release.wait(10)

    holder = threading.Thread(target=gate.run_blocking, args=(hold,))
    holder.start()
    try:
        assert inside.wait(5)
        busy = post_photo(web, f"/p/{bench.ne555['id']}", small_jpeg())
    finally:
        release.set()
        holder.join(5)
    assert "Busy decoding other images" in flash_of(busy)["error"], busy.text
    assert images_in(bench) == []
    saved = post_photo(web, f"/p/{bench.ne555['id']}", small_jpeg())
    assert saved.status_code == 303 and len(images_in(bench)) == 1


def small_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_thumbnail_is_made_by_the_bounded_decoder(bench: Bench) -> None:
    """A file that reached the image folder some other way is judged again before its thumbnail is made."""
    folder = bench.services.images.folder
    folder.mkdir(parents=True, exist_ok=True)
    planted = f"{uuid.uuid4()}.jpg"
    (folder / planted).write_bytes(progressive_jpeg())
    original = bench.client.get(f"/api/utility/get_image/{planted}")
    assert original.status_code == 200  # served as it is: nothing decoded
    thumb = bench.client.get(f"/api/utility/get_image/{planted}?size=thumb")
    assert thumb.status_code == 415, thumb.text
    assert "6000x6600 progressive JPEG would take" in thumb.json()["message"]
    assert not (folder / "thumbs" / planted).exists()


def test_a_scanned_photo_in_another_format_is_refused_undecoded(bench: Bench) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "white").save(buffer, "TIFF")
    r = bench.client.post(
        "/api/scan/image", files={"file": ("bag.tif", buffer.getvalue(), "image/tiff")}, headers=bench.headers
    )
    assert r.status_code == 422
    assert r.json()["message"] == "file: not a PNG, JPEG, GIF or WebP image, or a damaged one"


def test_a_label_photo_to_move_a_part_is_judged_by_the_bounded_decoder(web: TestClient[Any], bench: Bench) -> None:
    url = f"/p/{bench.ne555['id']}"
    page = web.get(f"{url}/move").text
    refused = web.post(
        f"{url}/move/scan",
        data={"csrf_token": csrf_of(page)},
        files={"file": ("label.jpg", progressive_jpeg(), "image/jpeg")},
        headers={"Referer": f"http://testserver.local{url}/move"},
        follow_redirects=False,
    )
    assert refused.status_code == 303
    assert "6000x6600 progressive JPEG would take" in flash_of(refused)["error"]
    part = bench.client.get(f"/api/parts/get_part?part_id={bench.ne555['id']}", headers=bench.headers).json()["data"]
    assert part["location_id"] == bench.drawer  # not moved
