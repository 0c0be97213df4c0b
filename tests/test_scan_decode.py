"""Decoding generated symbols: both engines, separators kept, small symbols upscaled, OpenCV not loaded."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from makermatrix_edge.codes.decode import Decoder, UnknownEngine, load_image
from makermatrix_edge.codes.synth import Placement, frame, jpeg_bytes, symbol
from tests.test_scan_api import DIGIKEY, LCSC_KNOWN

SIZE = (640, 480)


def test_zxing_keeps_the_15434_separators() -> None:
    image = frame(SIZE, [Placement(symbol(DIGIKEY, "DataMatrix", 4), rotation=-15)], seed=3)
    codes = Decoder("zxing").decode_frame(image)
    assert [(c.text, c.format) for c in codes] == [(DIGIKEY, "DataMatrix")]
    x, y, w, h = codes[0].position
    assert 0 < x < 640 and 0 < y < 480 and w > 100 and h > 100


def test_pyzbar_reads_qr_and_code128_but_not_datamatrix() -> None:
    image = frame(
        (1000, 600),
        [
            Placement(symbol(LCSC_KNOWN, "QRCode", 5), centre=(0.25, 0.5), rotation=5),
            Placement(symbol("455-1720-ND", "Code128", 3), centre=(0.72, 0.3)),
            Placement(symbol(DIGIKEY, "DataMatrix", 4), centre=(0.72, 0.72)),
        ],
        seed=4,
    )
    zbar = {(c.text, c.format) for c in Decoder("pyzbar").decode_still(image)}
    assert zbar == {(LCSC_KNOWN, "QRCode"), ("455-1720-ND", "Code128")}
    zxing = {c.text for c in Decoder("zxing").decode_still(image)}
    assert zxing == {LCSC_KNOWN, "455-1720-ND", DIGIKEY}


def test_small_symbol_is_read_after_upscaling() -> None:
    small = frame((320, 240), [Placement(symbol(DIGIKEY, "DataMatrix", 2), scale=0.8)], blur=0.6, noise=2, seed=5)
    decoder = Decoder("zxing")
    assert decoder.decode_frame(small) == []  # too few pixels per module for the fast pass
    assert [c.text for c in decoder.decode_still(small)] == [DIGIKEY]


def test_restricted_formats_ignore_the_others() -> None:
    image = frame(SIZE, [Placement(symbol(LCSC_KNOWN, "QRCode", 4))], seed=6)
    assert Decoder("zxing", ["DataMatrix"]).decode_frame(image) == []
    with pytest.raises(UnknownEngine):
        Decoder("zbar")  # type: ignore[arg-type]


def test_load_image_handles_colour_and_refuses_junk() -> None:
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[..., 0] = 255
    import io

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG")
    gray = load_image(buffer.getvalue())
    assert gray.shape == (40, 60) and gray.dtype == np.uint8
    assert load_image(jpeg_bytes(np.full((8, 8), 7, np.uint8))).shape == (8, 8)
    with pytest.raises(ValueError):
        load_image(b"GIF89a broken")


@pytest.mark.slow
def test_opencv_is_not_imported_unless_the_camera_is_enabled(tmp_path: object) -> None:
    code = (
        "import sys, tempfile\n"
        "from makermatrix_edge.daemon import build_services\n"
        "from makermatrix_edge.app import create_app\n"
        "from tests.conftest import make_settings\n"
        "from pathlib import Path\n"
        "for kind in ('disabled', 'fake'):\n"
        "    s = make_settings(Path(tempfile.mkdtemp()), camera={'kind': kind})\n"
        "    services = build_services(s, admin_password='pw-123456789')\n"
        "    create_app(services)\n"
        "    services.close()\n"
        "assert 'cv2' not in sys.modules, 'cv2 imported'\n"
        "s = make_settings(Path(tempfile.mkdtemp()), camera={'kind': 'opencv', 'device': '/nonexistent.avi'})\n"
        "services = build_services(s, admin_password='pw-123456789')\n"
        "import time\n"
        "services.scans.camera.start()\n"
        "deadline = time.monotonic() + 10\n"
        "while 'retrying' not in (services.scans.camera.state().reason or '') and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)\n"
        "services.scans.camera.stop()\n"
        "services.close()\n"
        "assert 'cv2' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
