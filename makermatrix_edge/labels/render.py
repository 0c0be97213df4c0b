"""Pure rendering: a template and its values -> a 1-bit image at the printer's exact dots.

The preview and the print path both call `render()`; what the preview shows is what prints.
Text auto-fits: it shrinks down to the template's minimum size, then wraps at words, then
ellipsizes the lines that still do not fit. It never draws outside the label.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import qrcode  # type: ignore[import-untyped]
import qrcode.constants  # type: ignore[import-untyped]
from PIL import Image, ImageDraw, ImageFont

from makermatrix_edge.devices.printer.media import LabelSize, label_size, mm_to_dots
from makermatrix_edge.labels.templates import Template, placeholders

ELLIPSIS = "…"
MIN_ROWS = 150  # 12.7 mm: the shortest endless label the QL-570/7xx/8xx feed
SECOND_LINES = 0.7  # lines after the first are this much of its size
_FONT_DIR = Path(str(resources.files("makermatrix_edge.labels") / "fonts"))
Font = ImageFont.FreeTypeFont


@lru_cache(maxsize=512)
def font(size: int, bold: bool = False) -> Font:
    """DejaVu Sans shipped in the package: the same glyphs on every Pi."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(_FONT_DIR / name), size)


def fill(text: str, values: Mapping[str, str]) -> list[str]:
    """Substitute placeholders line by line; `{qr}` is removed and lines left empty are dropped."""
    lines = []
    for line in text.splitlines():
        names = placeholders(line)
        out = line
        for name in names:
            out = out.replace("{" + name + "}", "" if name == "qr" else values.get(name, ""))
        out = " ".join(out.split())
        if out:
            lines.append(out)
    return lines


def canvas_size(template: Template, size: LabelSize) -> tuple[int, int]:
    """(across the tape, along the feed) in dots."""
    along = size.length_dots or max(MIN_ROWS, mm_to_dots(template.length_mm))
    return size.width_dots, along


# -- QR ---------------------------------------------------------------------------------
def qr_image(data: str, side: int) -> Image.Image:
    """A QR code scaled by a whole number of dots per module (crisp edges), at most `side` dots."""
    for level in (qrcode.constants.ERROR_CORRECT_M, qrcode.constants.ERROR_CORRECT_L):
        code = qrcode.QRCode(error_correction=level, border=0, box_size=1)
        code.add_data(data)
        code.make(fit=True)
        matrix = code.get_matrix()
        scale = side // len(matrix)
        if scale >= 3 or level == qrcode.constants.ERROR_CORRECT_L:
            break
    n = len(matrix)
    raw = bytes(0 if dark else 255 for row in matrix for dark in row)
    small = Image.frombytes("L", (n, n), raw)
    return small.resize((n * max(1, scale), n * max(1, scale)), Image.Resampling.NEAREST).convert("1")


# -- text -------------------------------------------------------------------------------
@dataclass
class _Line:
    text: str
    font: Font


def _sizes(first: int, min_px: int) -> tuple[int, int]:
    return first, max(min_px, round(first * SECOND_LINES))


def _height(f: Font) -> int:
    ascent, descent = f.getmetrics()
    return int(ascent + descent)


def _wrap(text: str, f: Font, width: int) -> list[str]:
    """Break at spaces; a word longer than the width is broken between characters."""
    out: list[str] = []
    current = ""
    for word in text.split(" "):
        trial = f"{current} {word}" if current else word
        if f.getlength(trial) <= width:
            current = trial
            continue
        if current:
            out.append(current)
        current = word
        while f.getlength(current) > width and len(current) > 1:
            cut = len(current) - 1
            while cut > 1 and f.getlength(current[:cut]) > width:
                cut -= 1
            out.append(current[:cut])
            current = current[cut:]
    if current:
        out.append(current)
    return out


def _layout(lines: list[str], first_px: int, min_px: int, bold: bool, width: int, wrap: bool) -> list[_Line]:
    big, small = _sizes(first_px, min_px)
    out: list[_Line] = []
    for i, text in enumerate(lines):
        f = font(big if i == 0 else small, bold and i == 0)
        parts = _wrap(text, f, width) if wrap else [text]
        out.extend(_Line(p, f) for p in parts)
    return out


def _fits(block: list[_Line], width: int, height: int) -> bool:
    return sum(_height(b.font) for b in block) <= height and all(b.font.getlength(b.text) <= width for b in block)


def _largest(lines: list[str], t: Template, width: int, height: int, wrap: bool) -> list[_Line] | None:
    lo, hi = t.min_font_px, t.max_font_px
    best: list[_Line] | None = None
    while lo <= hi:  # the block grows with the size, so a binary search finds the largest that fits
        mid = (lo + hi) // 2
        block = _layout(lines, mid, t.min_font_px, t.bold_first_line, width, wrap)
        if _fits(block, width, height):
            best, lo = block, mid + 1
        else:
            hi = mid - 1
    return best


def _ellipsize(text: str, f: Font, width: int) -> str:
    if f.getlength(text) <= width:
        return text
    while text and f.getlength(text + ELLIPSIS) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


WRAP_GAIN = 1.25  # how much larger wrapped text must be to be preferred over one line per field


def fit_text(lines: list[str], t: Template, width: int, height: int) -> list[_Line]:
    """Shrink, then wrap, then ellipsize: the result always fits the box."""
    if not lines or width <= 0 or height <= 0:
        return []
    flat = _largest(lines, t, width, height, wrap=False)
    wrapped = _largest(lines, t, width, height, wrap=True)
    # One line per field reads best, unless wrapping lets the text grow clearly larger (a long name on a
    # 62 mm label printed at 2 mm high because it had to fit one line is unreadable at arm's length).
    if flat is not None and (wrapped is None or wrapped[0].font.size < flat[0].font.size * WRAP_GAIN):
        return flat
    if wrapped is not None:
        return wrapped
    block = _layout(lines, t.min_font_px, t.min_font_px, t.bold_first_line, width, wrap=True)
    kept: list[_Line] = []
    used = 0
    for line in block:
        if used + _height(line.font) > height:
            break
        kept.append(line)
        used += _height(line.font)
    if len(kept) < len(block) and kept:
        last = kept[-1]
        kept[-1] = _Line(_ellipsize(last.text + ELLIPSIS, last.font, width), last.font)
    return [_Line(_ellipsize(k.text, k.font, width), k.font) for k in kept]


# -- the label --------------------------------------------------------------------------
def render(template: Template, values: Mapping[str, str], qr_data: str | None) -> Image.Image:
    """The label as the printer will print it: mode "1", (printable width x length) dots."""
    size = label_size(template.label_size)
    across, along = canvas_size(template, size)
    landscape = template.orientation == "landscape"
    w, h = (along, across) if landscape else (across, along)
    image = Image.new("1", (w, h), 1)
    m = template.margin_px
    box = (m, m, w - m, h - m)  # left, top, right, bottom
    if template.has_qr and qr_data:
        side = template.qr_side
        limit = min(h - 2 * m, w // 2) if side in ("left", "right") else min(w - 2 * m, h // 2)
        code = qr_image(qr_data, limit)
        q = code.size[0]
        if side == "left":
            image.paste(code, (m, (h - q) // 2))
            box = (m + q + m, m, w - m, h - m)
        elif side == "right":
            image.paste(code, (w - m - q, (h - q) // 2))
            box = (m, m, w - m - q - m, h - m)
        else:
            image.paste(code, ((w - q) // 2, m))
            box = (m, m + q + m, w - m, h - m)
    _draw_text(image, fill(template.text, values), template, box)
    if landscape:
        image = image.transpose(Image.Transpose.ROTATE_270)
    return image


def _draw_text(image: Image.Image, lines: list[str], t: Template, box: tuple[int, int, int, int]) -> None:
    left, top, right, bottom = box
    block = fit_text(lines, t, right - left, bottom - top)
    if not block:
        return
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"  # no grey edges: every pixel drawn is a pixel printed
    y = top + (bottom - top - sum(_height(b.font) for b in block)) // 2
    for line in block:
        draw.text((left, y), line.text, font=line.font, fill=0)
        y += _height(line.font)
