"""Decoding: an image array in, the codes in it out. Pure (no camera, no database).

zxing-cpp is the main engine (DataMatrix, QR, Code128/39, EAN/UPC, PDF417) and runs in Plain text
mode so the GS/RS/EOT separators of ISO 15434 payloads survive. pyzbar is the alternative for QR
and 1D codes only (it has no DataMatrix). A video frame gets one fast, format-restricted pass; a
still photo gets a thorough pass and, when nothing is found, an upscaled retry for small symbols.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import msgspec
import numpy as np
import numpy.typing as npt
from PIL import Image

from makermatrix_edge.runtime.imaging import (
    MAX_DECODE_BYTES,
    MAX_PIXELS,
    ImageTooLarge,
    UnreadableImage,
    open_bounded,
    reduction_for,
)

Engine = Literal["zxing", "pyzbar"]
Frame = npt.NDArray[np.uint8]
DEFAULT_FORMATS = ("DataMatrix", "QRCode", "Code128", "Code39", "EAN13", "EAN8", "UPCA", "UPCE", "PDF417")
_PYZBAR_NAMES = {
    "QRCode": "QRCODE",
    "Code128": "CODE128",
    "Code39": "CODE39",
    "EAN13": "EAN13",
    "EAN8": "EAN8",
    "UPCA": "UPCA",
    "UPCE": "UPCE",
}
SMALL_SIDE = 1000  # stills up to 3x this long side may be retried upscaled when nothing is found
# A photo is decoded at most this long: a bag's DataMatrix filling a tenth of a 12 Mpx phone photo
# still has ~4 px per module, and zxing's thorough pass costs time and memory per pixel.
PHOTO_MAX_SIDE = 2560
_ORIENTATION = 0x0112  # EXIF
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_REDUCIBLE = {"L", "LA", "RGB", "RGBA", "I", "F", "CMYK"}


class DecodedCode(msgspec.Struct, frozen=True):
    text: str
    format: str  # DataMatrix, QRCode, Code128, ...
    position: tuple[int, int, int, int] = (0, 0, 0, 0)  # bounding box x, y, width, height


class UnknownEngine(ValueError):
    pass


def to_gray(image: npt.NDArray[Any]) -> Frame:
    """A grey uint8 view of a grey, BGR or BGRA array (no copy for grey input)."""
    if image.ndim == 2:
        return image.astype(np.uint8, copy=False)
    if image.ndim == 3 and image.shape[2] >= 3:
        b, g, r = image[..., 0], image[..., 1], image[..., 2]
        gray = (0.114 * b + 0.587 * g + 0.299 * r).astype(np.uint8)
        return gray
    raise ValueError(f"not an image array: shape {image.shape}")


def upscale(image: Frame, factor: int = 2) -> Frame:
    pil = Image.fromarray(image)
    return np.asarray(pil.resize((pil.width * factor, pil.height * factor), Image.Resampling.BICUBIC))


class Decoder:
    """Reads codes from image arrays with the configured engine and formats."""

    def __init__(self, engine: Engine = "zxing", formats: Sequence[str] = DEFAULT_FORMATS) -> None:
        self.engine = engine
        self.formats = tuple(formats)
        if engine == "zxing":
            import zxingcpp

            self._zx = zxingcpp
            self._zx_formats = [getattr(zxingcpp.BarcodeFormat, name) for name in self.formats]
        elif engine == "pyzbar":
            from pyzbar import pyzbar  # type: ignore[import-untyped]

            self._zbar = pyzbar
            self._zbar_symbols = [
                getattr(pyzbar.ZBarSymbol, _PYZBAR_NAMES[n]) for n in self.formats if n in _PYZBAR_NAMES
            ]
        else:
            raise UnknownEngine(f"unknown decoder {engine!r} (zxing or pyzbar)")

    def decode_frame(self, image: npt.NDArray[Any]) -> list[DecodedCode]:
        """Fast pass for video frames: restricted formats, no 90° rotation or inversion tries."""
        return self._read(to_gray(image), thorough=False)

    def decode_still(self, image: npt.NDArray[Any]) -> list[DecodedCode]:
        """Thorough pass for a photo: rotations and inversion too; small images are retried upscaled."""
        gray = to_gray(image)
        codes = self._read(gray, thorough=True)
        for factor in (2, 3):  # ≈1.5–2 px per module reads after 2–3× bicubic upscaling
            if codes or max(gray.shape) * factor > SMALL_SIDE * 3:
                break
            codes = [_scaled(c, factor) for c in self._read(upscale(gray, factor), thorough=True)]
        return codes

    def _read(self, gray: Frame, *, thorough: bool) -> list[DecodedCode]:
        if self.engine == "zxing":
            return self._read_zxing(gray, thorough)
        return self._read_zbar(gray)

    def _read_zxing(self, gray: Frame, thorough: bool) -> list[DecodedCode]:
        zx = self._zx
        found = zx.read_barcodes(
            gray,
            formats=self._zx_formats,
            try_rotate=thorough,
            try_downscale=True,
            try_invert=thorough,
            text_mode=zx.TextMode.Plain,
        )
        out: list[DecodedCode] = []
        for code in found:
            pos = code.position
            xs = [pos.top_left.x, pos.top_right.x, pos.bottom_left.x, pos.bottom_right.x]
            ys = [pos.top_left.y, pos.top_right.y, pos.bottom_left.y, pos.bottom_right.y]
            box = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
            out.append(DecodedCode(text=code.text, format=code.format.name, position=box))
        return _unique(out)

    def _read_zbar(self, gray: Frame) -> list[DecodedCode]:
        found = self._zbar.decode(gray, symbols=self._zbar_symbols or None)
        out = []
        for code in found:
            name = next((k for k, v in _PYZBAR_NAMES.items() if v == code.type), code.type)
            rect = code.rect
            out.append(
                DecodedCode(
                    text=code.data.decode("utf-8", errors="replace"),
                    format=name,
                    position=(rect.left, rect.top, rect.width, rect.height),
                )
            )
        return _unique(out)


def _scaled(code: DecodedCode, factor: int) -> DecodedCode:
    x, y, w, h = code.position
    return DecodedCode(code.text, code.format, (x // factor, y // factor, w // factor, h // factor))


def _unique(codes: list[DecodedCode]) -> list[DecodedCode]:
    seen: set[str] = set()
    out = []
    for code in codes:
        if code.text not in seen:
            seen.add(code.text)
            out.append(code)
    return out


def load_image(
    content: bytes, max_pixels: int = MAX_PIXELS, max_side: int = PHOTO_MAX_SIDE, max_bytes: int = MAX_DECODE_BYTES
) -> Frame:
    """A photo's bytes (PNG, JPEG, GIF or WebP) as a grey array at most `max_side` long; ValueError
    when it is not one or would take more than `max_bytes` to decode.

    The cost is checked from the header before anything is decoded; a baseline JPEG is decoded
    straight to grey at a reduced scale (draft), anything else in full and then reduced before the
    grey copy.
    """
    try:
        with open_bounded(content, max_pixels=max_pixels, max_bytes=max_bytes, reduce_to=max_side, mode="L") as (
            img,
            _,
        ):
            return np.asarray(_small_gray(img, max_side))
    except ImageTooLarge as exc:
        raise ValueError(f"the photo is too large: {exc}") from None
    except UnreadableImage:
        raise ValueError("not a PNG, JPEG, GIF or WebP image, or a damaged one") from None


def _small_gray(img: Image.Image, max_side: int) -> Image.Image:
    """Decoded, reduced to `max_side` (box filter, before any copy in another mode), grey, turned upright."""
    img.load()
    orientation = img.getexif().get(_ORIENTATION)  # only now: a PNG's getexif() decodes the whole image
    out: Image.Image = img
    if out.mode not in _REDUCIBLE:
        out = out.convert("L")  # palette and bilevel images average wrongly; grey is 1 byte/px anyway
    factor = reduction_for(out.size, max_side)
    if factor > 1:
        out = out.reduce(factor)
    if out.mode != "L":
        out = out.convert("L")
    method = _TURNS.get(orientation or 1)
    return out.transpose(method) if method is not None else out
