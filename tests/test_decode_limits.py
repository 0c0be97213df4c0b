"""Photos and uploads are decoded bounded: in bytes (from the header), in size, and a few at a time."""

from __future__ import annotations

import asyncio
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from PIL import Image

from big_images import BIG, progressive_jpeg
from conftest import bearer
from makermatrix_edge.codes.decode import PHOTO_MAX_SIDE, Decoder, load_image
from makermatrix_edge.codes.synth import Placement, frame, jpeg_bytes, symbol
from makermatrix_edge.errors import Overloaded
from makermatrix_edge.inventory.images import ImageStore, UnsupportedImage
from makermatrix_edge.runtime.imaging import DecodeGate
from makermatrix_edge.services import Services
from tests.test_scan_api import DIGIKEY


def encoded(mode: str, size: tuple[int, int], fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.mark.slow
def test_a_small_file_that_decodes_huge_is_refused_from_its_header() -> None:
    """The issue's 115 KB all-black 6000x6600 PNG would take 151 MB decoded: refused before decoding."""
    png = encoded("RGB", BIG, "PNG")
    assert len(png) < 200_000
    with pytest.raises(ValueError, match=r"6000x6600 RGB would take 152 MB to decode \(at most 48 MB\)"):
        load_image(png)
    with pytest.raises(ValueError, match="to decode"):
        load_image(encoded("RGB", (2400, 2400), "WEBP"))  # libwebp's own buffer and a copy: about 3 frames
    assert load_image(encoded("RGB", (2000, 2000), "WEBP")).shape == (2000, 2000)  # 4 Mpx WebP: fits
    assert load_image(encoded("RGB", (3400, 3400), "PNG")).shape == (1700, 1700)  # 12 Mpx RGB PNG: fits


@pytest.mark.slow
def test_large_photos_are_decoded_reduced() -> None:
    jpeg = load_image(encoded("RGB", BIG, "JPEG"))  # decoded at 1/4 scale by the JPEG decoder itself (draft)
    assert max(jpeg.shape) <= PHOTO_MAX_SIDE and jpeg.shape == (1650, 1500)
    grey = load_image(encoded("L", BIG, "PNG"))  # 40 MB grey: fits, then reduced before the thorough pass
    assert max(grey.shape) <= PHOTO_MAX_SIDE and grey.shape == (2200, 2000)


def test_orientation_survives_the_reduction() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # turned 90° clockwise when shown
    buffer = io.BytesIO()
    Image.new("RGB", (6000, 3000)).save(buffer, "JPEG", exif=exif)
    assert load_image(buffer.getvalue()).shape == (1500, 750)  # upright: taller than wide


@pytest.mark.slow
def test_a_code_in_a_12_megapixel_photo_is_still_read() -> None:
    photo = frame((4000, 3000), [Placement(symbol(DIGIKEY, "DataMatrix", 10), centre=(0.4, 0.5), rotation=-8)])
    codes = Decoder().decode_still(load_image(jpeg_bytes(photo)))
    assert [c.text for c in codes] == [DIGIKEY]


@pytest.mark.slow
def test_uploads_are_checked_against_the_same_bound(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    with pytest.raises(UnsupportedImage, match="would take 152 MB to decode"):
        store.save(encoded("RGB", BIG, "PNG"))
    assert store.save(encoded("RGB", BIG, "JPEG", quality=50)).width == 6000  # JPEG is checked at 1/8 scale
    assert store.save(encoded("L", BIG, "PNG")).height == 6600
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".jpg", ".png"]


def test_the_daemon_decodes_two_at_a_time_and_admits_four_photo_requests(services: Services) -> None:
    gate = services.decode_gate
    assert gate is services.scans.gate  # photos and uploads share one gate
    assert (gate._decodes.size, gate._requests.size, gate._decodes.wait_seconds) == (2, 4, 10.0)


def test_the_gate_frees_a_slot_when_the_work_ends_not_when_the_caller_gives_up() -> None:
    gate = DecodeGate(slots=1, wait_seconds=0.3)
    release = threading.Event()
    started = threading.Event()

    def hold() -> str:
        started.set()
        release.wait(10)
        return "held"

    async def scenario() -> None:
        first = asyncio.create_task(gate.run(hold))
        await asyncio.to_thread(started.wait, 5)
        first.cancel()  # the client went away; the decode goes on in its thread
        with pytest.raises(asyncio.CancelledError):
            await first
        with pytest.raises(Overloaded) as refused:
            await gate.run(lambda: "second")
        assert refused.value.retry_after >= 1
        release.set()
        assert await gate.run(lambda: "third") == "third"  # waits for the held slot, then runs

    asyncio.run(scenario())


def test_busy_answers_503_with_retry_after(
    client: TestClient[Any], services: Services, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.decode_gate = DecodeGate(slots=1, requests=4, wait_seconds=0.3)
    services.scans.gate = services.decode_gate
    inside = threading.Event()
    release = threading.Event()

    class Stuck:
        def decode_still(self, image: Any) -> list[Any]:
            inside.set()
            release.wait(10)
            return []

    monkeypatch.setattr(services.scans, "decoder", lambda: Stuck())
    photo = encoded("L", (64, 64), "PNG")
    h = bearer(admin_token)

    def post(url: str) -> Any:
        return client.post(url, files={"file": ("a.png", photo, "image/png")}, headers=h)

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(post, "/api/scan/image")
        assert inside.wait(10)
        busy = [post("/api/scan/image"), post("/api/utility/upload_image")]
        release.set()
        assert first.result().status_code == 200
    for answer in busy:
        assert answer.status_code == 503, answer.text
        assert answer.json()["message"].startswith("Busy decoding other images; try again in")
        assert int(answer.headers["retry-after"]) >= 1

    # Admission in front of the body: with one request at a time, the second waits there.
    services.decode_gate = DecodeGate(slots=1, requests=1, wait_seconds=0.3)
    services.scans.gate = services.decode_gate
    inside.clear()
    release.clear()
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(post, "/api/scan/image")
        assert inside.wait(10)
        busy = [post("/api/utility/upload_image")]
        release.set()
        assert first.result().status_code == 200
    assert busy[0].status_code == 503 and "Busy receiving other images" in busy[0].json()["message"]
    assert "retry-after" in busy[0].headers


# -- issue 22 item 3: progressive JPEGs ------------------------------------------------------------

PROGRESSIVE_REFUSAL = (
    r"6000x6600 progressive JPEG would take 2\d\d MB to decode \(at most 48 MB\): send a baseline JPEG"
)


def test_a_progressive_jpeg_is_budgeted_by_its_full_size(tmp_path: Path) -> None:
    """465 KB, 6000x6600 4:4:4 progressive: libjpeg keeps all its coefficients (227 MB) at any output scale."""
    jpeg = progressive_jpeg()
    assert len(jpeg) < 500_000
    with pytest.raises(ValueError, match=PROGRESSIVE_REFUSAL):
        load_image(jpeg)
    store = ImageStore(tmp_path)
    with pytest.raises(UnsupportedImage, match=PROGRESSIVE_REFUSAL):
        store.save(jpeg)
    assert list(tmp_path.iterdir()) == []


def test_a_phone_sized_progressive_jpeg_still_fits(tmp_path: Path) -> None:
    """12 Mpx at 4:2:0 needs 36 MB of coefficients: scanned and stored; at 4:4:4 (72 MB) it is refused."""
    phone = progressive_jpeg((4000, 3000), subsampling=2)
    assert load_image(phone).shape == (1500, 2000)
    assert ImageStore(tmp_path).save(phone).width == 4000
    with pytest.raises(ValueError, match=r"4000x3000 progressive JPEG would take 7\d MB"):
        load_image(progressive_jpeg((4000, 3000), subsampling=0))


def sequential_in_separate_scans(jpeg: bytes) -> bytes:
    """A baseline JPEG's header rewritten so that its first scan carries one component of three."""
    sos = jpeg.index(b"\xff\xda")
    components = jpeg[sos + 4]
    assert components == 3
    head = b"\xff\xda" + (8).to_bytes(2, "big") + b"\x01" + jpeg[sos + 5 : sos + 7] + b"\x00\x3f\x00"
    return jpeg[:sos] + head + jpeg[sos + 2 + 6 + 2 * components :]


def test_a_baseline_jpeg_whose_components_come_in_separate_scans_is_budgeted_like_a_progressive_one() -> None:
    """libjpeg buffers every coefficient as soon as the first scan leaves out a component."""
    baseline = encoded("RGB", BIG, "JPEG", quality=50, subsampling=0)
    assert load_image(baseline).shape == (1650, 1500)  # one interleaved scan: decoded at 1/4 scale
    why = r"6000x6600 JPEG in separate scans would take 2\d\d MB to decode \(at most 48 MB\): send a baseline JPEG"
    with pytest.raises(ValueError, match=why):
        load_image(sequential_in_separate_scans(baseline))


def test_worker_threads_and_requests_take_the_same_decode_slots() -> None:
    """A supplier picture decoded in a task thread holds a slot a photo request then waits for, and back."""
    gate = DecodeGate(slots=1, wait_seconds=0.3)
    inside, release = threading.Event(), threading.Event()

    def hold() -> str:
        inside.set()
        release.wait(10)
        return "held"

    async def scenario() -> None:
        with ThreadPoolExecutor(1) as pool:
            task = pool.submit(gate.run_blocking, hold)  # as the enrichment task does
            await asyncio.to_thread(inside.wait, 5)
            with pytest.raises(Overloaded, match="Busy decoding other images"):
                await gate.run(lambda: "photo")
            release.set()
            assert task.result(5) == "held"
        assert await gate.run(lambda: "photo") == "photo"
        inside.clear()
        release.clear()
        request = asyncio.create_task(gate.run(hold))
        await asyncio.to_thread(inside.wait, 5)
        with pytest.raises(Overloaded):
            await asyncio.to_thread(gate.run_blocking, lambda: "picture")
        release.set()
        assert await request == "held"
        assert await asyncio.to_thread(gate.run_blocking, lambda: "picture") == "picture"

    asyncio.run(scenario())
