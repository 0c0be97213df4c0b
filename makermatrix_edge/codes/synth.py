"""Synthetic camera frames with real symbols in them (for tests, the benchmark and demos).

Symbols come from zxing-cpp's writer (or any PIL image, e.g. one made with `qrcode`); a frame puts
them on a textured background, rotated, scaled, off-centre, blurred, noisy and JPEG-compressed,
like a bag held under a bench camera.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter

from makermatrix_edge.runtime.imaging import open_bounded


def symbol(text: str, fmt: str = "DataMatrix", module_px: int = 4) -> Image.Image:
    """A code as a grey PIL image with its quiet zone, `module_px` pixels per module."""
    import zxingcpp

    code = zxingcpp.create_barcode(text, getattr(zxingcpp.BarcodeFormat, fmt))
    return Image.fromarray(np.asarray(code.to_image(scale=module_px))).convert("L")


@dataclass
class Placement:
    image: Image.Image
    centre: tuple[float, float] = (0.5, 0.5)  # as fractions of the frame
    rotation: float = 0.0  # degrees
    scale: float = 1.0


def frame(
    size: tuple[int, int],
    placements: list[Placement],
    *,
    blur: float = 0.8,
    noise: float = 6.0,
    jpeg_quality: int = 80,
    seed: int = 0,
) -> npt.NDArray[np.uint8]:
    """A grey frame (height × width) with the symbols pasted in, degraded like a camera picture."""
    rng = random.Random(seed)
    width, height = size
    gradient = np.linspace(150, 200, width, dtype=np.float32)[None, :].repeat(height, axis=0)
    texture = np.random.default_rng(abs(seed)).normal(0, 10, (height // 8 + 1, width // 8 + 1)).astype(np.float32)
    texture_img = Image.fromarray(texture).resize((width, height), Image.Resampling.BILINEAR)
    base = np.clip(gradient + np.asarray(texture_img), 0, 255).astype(np.uint8)
    canvas = Image.fromarray(base)
    for place in placements:
        sym = place.image.convert("L")
        if place.scale != 1.0:
            w, h = sym.size
            sym = sym.resize((max(1, round(w * place.scale)), max(1, round(h * place.scale))), Image.Resampling.BICUBIC)
        # A white label card around the symbol, then rotate both; the mask keeps the corners out.
        card = Image.new("L", (sym.width + 16, sym.height + 16), 235 + rng.randint(0, 15))
        card.paste(sym, (8, 8))
        mask = Image.new("L", card.size, 255).rotate(place.rotation, Image.Resampling.BICUBIC, expand=True)
        card = card.rotate(place.rotation, Image.Resampling.BICUBIC, expand=True, fillcolor=0)
        x = round(place.centre[0] * width - card.width / 2)
        y = round(place.centre[1] * height - card.height / 2)
        canvas.paste(card, (x, y), mask)
    if blur:
        canvas = canvas.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(canvas).astype(np.float32)
    if noise:
        pixels += np.random.default_rng(abs(seed) + 1).normal(0, noise, pixels.shape).astype(np.float32)
    canvas = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if jpeg_quality:
        buffer = io.BytesIO()
        canvas.save(buffer, "JPEG", quality=jpeg_quality)
        with open_bounded(buffer.getvalue()) as (compressed, _):
            canvas = compressed.convert("L")
    return np.asarray(canvas)


def to_bgr(gray: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    return np.ascontiguousarray(np.stack([gray, gray, gray], axis=2))


def jpeg_bytes(gray: npt.NDArray[np.uint8], quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(gray).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
