"""Label templates: text with {placeholders}, a QR position and a label size; the built-in ones."""

from __future__ import annotations

import re
from typing import Annotated, Literal

import msgspec

from makermatrix_edge.devices.printer.media import label_size
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.textcheck import CheckedText

Kind = Literal["part", "location"]
QrPosition = Literal["left", "right", "top", "none"]
Orientation = Literal["landscape", "portrait"]

PART_FIELDS = (
    "part_name",
    "part_number",
    "manufacturer_part_number",
    "manufacturer",
    "description",
    "quantity",
    "location",
    "location_path",
    "category",
    "supplier",
    "id",
)
LOCATION_FIELDS = ("location", "location_path", "description", "location_type", "id")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class TemplateBody(CheckedText, forbid_unknown_fields=True, kw_only=True):
    """What a user sends to create or replace a template."""

    multiline_fields = frozenset({"text"})

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    kind: Kind = "part"
    label_size: Annotated[str, msgspec.Meta(max_length=20)] = "62"
    # Lines of text; "{qr}" anywhere puts the QR code at qr_position (left when "none").
    text: Annotated[str, msgspec.Meta(max_length=2000)] = "{part_name}"
    qr_position: QrPosition = "none"
    # landscape: text reads along the tape (the image is drawn long and turned to the feed direction).
    orientation: Orientation = "landscape"
    length_mm: Annotated[float, msgspec.Meta(ge=12.7, le=1000)] = 50.0  # endless labels only
    bold_first_line: bool = True
    max_font_px: Annotated[int, msgspec.Meta(ge=8, le=400)] = 120
    min_font_px: Annotated[int, msgspec.Meta(ge=6, le=200)] = 18
    margin_px: Annotated[int, msgspec.Meta(ge=0, le=100)] = 8


class Template(TemplateBody, kw_only=True):
    id: str
    builtin: bool = False
    created_at: str | None = None
    updated_at: str | None = None

    @property
    def has_qr(self) -> bool:
        return self.qr_position != "none" or "{qr}" in self.text

    @property
    def qr_side(self) -> QrPosition:
        return "left" if self.qr_position == "none" else self.qr_position


def placeholders(text: str) -> list[str]:
    return _PLACEHOLDER.findall(text)


def check(body: TemplateBody) -> None:
    """Refuse unknown placeholders (naming them), unknown label sizes and impossible font limits."""
    label_size(body.label_size)
    known = PART_FIELDS if body.kind == "part" else LOCATION_FIELDS
    for name in placeholders(body.text):
        if name == "qr" or name in known:
            continue
        if body.kind == "part" and name.startswith("prop:") and len(name) > 5:
            continue
        raise InvalidInput(
            f"unknown placeholder '{{{name}}}'; a {body.kind} label knows "
            + ", ".join(f"{{{n}}}" for n in (*known, "qr"))
            + (", {prop:<name>}" if body.kind == "part" else ""),
            "text",
        )
    if body.min_font_px > body.max_font_px:
        raise InvalidInput("must not be larger than max_font_px", "min_font_px")


def _builtin(id: str, **fields: object) -> Template:
    return msgspec.convert({"id": id, "builtin": True, **fields}, Template)


_PART_TEXT = "{part_name}\n{part_number}\n{location}"
BUILTIN: tuple[Template, ...] = (
    _builtin("part-29x90", name="Part 29x90", label_size="29x90", text=_PART_TEXT, qr_position="left"),
    _builtin(
        "part-62",
        name="Part 62 mm endless",
        label_size="62",
        text=_PART_TEXT + "\n{description}",
        qr_position="top",  # the text gets the tape's whole 62 mm width below the code
        orientation="portrait",
        length_mm=60.0,
        max_font_px=110,
    ),
    _builtin(
        "part-12",
        name="Part 12 mm endless",
        label_size="12",
        text="{part_name}",
        qr_position="left",
        length_mm=40.0,
        margin_px=2,
        min_font_px=14,
        bold_first_line=True,
    ),
    _builtin(
        "part-17x54",
        name="Part 17x54",
        label_size="17x54",
        text="{part_name}\n{part_number}",
        qr_position="left",
        margin_px=4,
    ),
    _builtin(
        "part-62x29", name="Part 62x29", label_size="62x29", text=_PART_TEXT, qr_position="left", orientation="portrait"
    ),
    _builtin(
        "location-62",
        name="Location 62 mm endless",
        kind="location",
        label_size="62",
        text="{location}\n{location_path}",
        qr_position="left",
        orientation="portrait",
        length_mm=50.0,
    ),
    _builtin(
        "location-29x90",
        name="Location 29x90",
        kind="location",
        label_size="29x90",
        text="{location}\n{location_path}",
        qr_position="left",
    ),
)
BUILTIN_BY_ID = {t.id: t for t in BUILTIN}
# The template a part or location label uses when none is named, per label size.
DEFAULT_FOR = {
    ("part", "29x90"): "part-29x90",
    ("part", "62"): "part-62",
    ("part", "12"): "part-12",
    ("part", "17x54"): "part-17x54",
    ("part", "62x29"): "part-62x29",
    ("location", "62"): "location-62",
    ("location", "29x90"): "location-29x90",
}
