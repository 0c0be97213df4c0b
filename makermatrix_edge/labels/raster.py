"""Label image <-> Brother QL raster instructions (brother_ql conversion and reader); pure, no I/O."""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import warnings
from pathlib import Path

from brother_ql.conversion import convert  # type: ignore[import-untyped]
from brother_ql.raster import BrotherQLRaster  # type: ignore[import-untyped]
from brother_ql.reader import BrotherQLReader  # type: ignore[import-untyped]
from PIL import Image

from makermatrix_edge.devices.printer.media import DEVICE_WIDTH, LabelSize, lib_model, model_spec
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.runtime.imaging import open_bounded

for _name in ("brother_ql", "brother_ql.conversion", "brother_ql.raster", "brother_ql.reader"):
    logging.getLogger(_name).setLevel(logging.ERROR)  # it logs a warning per resize and per skipped command


def to_instructions(
    image: Image.Image, label: LabelSize, model: str, *, cut: bool = True, compress: bool = True
) -> bytes:
    """The bytes one copy of the label takes; the image must already be at the label's exact dots."""
    spec = model_spec(model)
    if image.size[1] < spec.min_rows:
        raise InvalidInput(f"the {model} prints labels of at least {spec.min_rows} dots; this one is {image.size[1]}")
    qlr = BrotherQLRaster(lib_model(model))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        data: bytes = convert(
            qlr,
            [image],
            label.name,
            cut=cut,
            dither=False,
            compress=compress and spec.compression,
            red=False,
            rotate="0",
            dpi_600=False,
            hq=True,
            threshold=70,
        )
    return data


def decode(instructions: bytes) -> list[Image.Image]:
    """Each page the instructions print, as the full head width (mode "1"), via brother_ql.reader."""
    with tempfile.TemporaryDirectory(prefix="ql-decode-") as tmp:
        reader = BrotherQLReader(io.BufferedReader(io.BytesIO(instructions)))
        reader.filename_fmt = str(Path(tmp) / "page{counter:04d}.png")
        with contextlib.redirect_stdout(io.StringIO()):
            reader.analyse()
        pages = []
        for path in sorted(Path(tmp).glob("page*.png")):
            with open_bounded(path, formats=("PNG",)) as (im, _):  # the reader's own PNGs, decoded bounded all the same
                pages.append(im.convert("1"))
        return pages


def printable_area(page: Image.Image, label: LabelSize, model: str) -> Image.Image:
    """Crop a decoded page to the label's printable dots: comparable pixel for pixel with the preview."""
    head = DEVICE_WIDTH if model_spec(model).bytes_per_row == 90 else model_spec(model).bytes_per_row * 8
    right = head - label.offset_r - model_spec(model).extra_offset_r
    return page.crop((right - label.width_dots, 0, right, page.size[1]))
