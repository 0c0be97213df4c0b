"""The media a Brother QL takes, at 300 dpi, from brother_ql's tables: label sizes (printable dots, kind,
which models take them) and each model's raster geometry. It belongs to the printer; labels read it."""

from __future__ import annotations

from functools import cache
from typing import Literal

import msgspec
from brother_ql.labels import FormFactor, LabelsManager  # type: ignore[import-untyped]
from brother_ql.models import ModelsManager  # type: ignore[import-untyped]

from makermatrix_edge.errors import InvalidInput

DPI = 300
DEVICE_WIDTH = 720  # dots across the print head of the 62 mm models (1296 on the 102 mm ones)

MODELS = (
    "QL-500",
    "QL-550",
    "QL-560",
    "QL-570",
    "QL-580N",
    "QL-650TD",
    "QL-700",
    "QL-710W",
    "QL-720NW",
    "QL-800",
    "QL-810W",
    "QL-820NWB",
    "QL-1050",
    "QL-1060N",
    "QL-1100",
    "QL-1110NWB",
)
# brother_ql names the QL-1110NWB "QL-1100NWB" (hardware.md §1.2).
_LIB_MODEL = {"QL-1110NWB": "QL-1100NWB"}


def lib_model(model: str) -> str:
    return _LIB_MODEL.get(model, model)


class LabelSize(msgspec.Struct, frozen=True):
    name: str  # brother_ql identifier: "29x90", "62", "12"
    kind: Literal["endless", "die-cut", "round"]
    width_mm: int
    length_mm: int  # 0 for endless
    width_dots: int  # printable dots across the tape
    length_dots: int  # printable dots along the feed; 0 for endless (the image decides)
    offset_r: int  # dots from the right edge of the head where the image starts
    red: bool = False

    def describe(self) -> str:
        if self.kind == "endless":
            return f"{self.width_mm} mm endless{' black/red' if self.red else ''}"
        if self.kind == "round":
            return f"{self.width_mm} mm round"
        return f"{self.width_mm}x{self.length_mm}"


_KIND = {FormFactor.ENDLESS: "endless", FormFactor.DIE_CUT: "die-cut", FormFactor.ROUND_DIE_CUT: "round"}


@cache
def all_labels() -> dict[str, tuple[LabelSize, tuple[str, ...]]]:
    """Every label brother_ql knows, with the models it is restricted to (empty: all)."""
    out: dict[str, tuple[LabelSize, tuple[str, ...]]] = {}
    for label in LabelsManager().iter_elements():
        width, length = label.tape_size
        size = LabelSize(
            name=label.identifier,
            kind=_KIND.get(label.form_factor, "die-cut"),  # type: ignore[arg-type]
            width_mm=width,
            length_mm=length,
            width_dots=label.dots_printable[0],
            length_dots=label.dots_printable[1],
            offset_r=label.offset_r,
            red=bool(label.color),
        )
        out[label.identifier] = (size, tuple(label.restricted_to_models))
    return out


def label_size(name: str) -> LabelSize:
    found = all_labels().get(name.strip().removesuffix("mm"))
    if found is None:
        raise InvalidInput(f"unknown label size '{name}'; sizes are {', '.join(all_labels())}", "label_size")
    return found[0]


def labels_for_model(model: str) -> list[LabelSize]:
    """The label sizes a model can print (the library's own check is broken, hardware.md §1.2)."""
    wide = model_spec(model).bytes_per_row > 90
    two_colour = model_spec(model).two_colour
    out = []
    for size, restricted in all_labels().values():
        if restricted and lib_model(model) not in restricted:
            continue
        if size.red and not two_colour:
            continue
        if not wide and size.width_dots > DEVICE_WIDTH:
            continue
        out.append(size)
    return out


class ModelSpec(msgspec.Struct, frozen=True):
    name: str
    min_rows: int
    bytes_per_row: int
    extra_offset_r: int
    two_colour: bool
    compression: bool
    invalidate_bytes: int


@cache
def model_spec(model: str) -> ModelSpec:
    if model not in MODELS:
        raise InvalidInput(f"unknown printer model '{model}'; models are {', '.join(MODELS)}", "model")
    m = ModelsManager()[lib_model(model)]
    return ModelSpec(
        name=model,
        min_rows=m.min_max_length_dots[0],
        bytes_per_row=m.number_bytes_per_row,
        extra_offset_r=m.additional_offset_r,
        two_colour=m.two_color,
        compression=m.compression,
        invalidate_bytes=m.num_invalidate_bytes,
    )


def mm_to_dots(mm: float) -> int:
    return round(mm * DPI / 25.4)


def find_loaded(width_mm: int, length_mm: int, media_type: int) -> LabelSize | None:
    """The label a status reply describes (width, length, 0x0A endless / 0x0B die-cut)."""
    for size, _ in all_labels().values():
        if size.red:
            continue
        same_type = (media_type in (0x0A, 0x4A)) == (size.kind == "endless")
        if size.width_mm == width_mm and size.length_mm == length_mm and same_type:
            return size
    return None
