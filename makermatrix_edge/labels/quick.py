"""The label kinds MakerMatrix's /api/preview names (a part's QR, its name, both, free text), as our templates.

Each kind is a Template rendered by the one render(), so a preview of a kind is the label the print path makes
from the same template: the QR kind is the template print_qr uses, "combined" is the part's default label.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from makermatrix_edge.devices.printer.media import LabelSize
from makermatrix_edge.labels.templates import Template, placeholders

QuickKind = Literal["qr_code", "name", "text"]


def _template(id: str, size: LabelSize, **fields: Any) -> Template:
    long_tape = size.kind == "endless" or size.length_dots > size.width_dots
    base: dict[str, Any] = {
        "id": id,
        "builtin": True,
        "name": id,
        "kind": "part",
        "label_size": size.name,
        "orientation": "landscape" if long_tape and size.width_mm < 50 else "portrait",
        "margin_px": 2 if size.width_dots < 200 else 8,
    }
    return msgspec.convert({**base, **fields}, Template)


def qr_only(size: LabelSize) -> Template:
    """The label print_qr prints: the code alone, square-ish on endless tape."""
    orientation = "portrait" if size.width_mm >= 29 else "landscape"
    return _template(
        "qr", size, name="QR code", text="{qr}", qr_position="left", orientation=orientation,
        length_mm=max(20.0, size.width_mm + 4.0), margin_px=4,
    )  # fmt: skip


def name_only(size: LabelSize) -> Template:
    return _template("name", size, name="Part name", text="{part_name}", qr_position="none", length_mm=50.0)


def text_label(size: LabelSize, text: str, length_mm: float | None = None, max_font_px: int | None = None) -> Template:
    """Free text printed as typed: braces stay braces (see literal_values)."""
    fields: dict[str, Any] = {"name": "Text", "text": text, "qr_position": "none"}
    if length_mm is not None:
        fields["length_mm"] = length_mm
    if max_font_px is not None:
        fields["max_font_px"] = max_font_px
        fields["min_font_px"] = min(18, max_font_px)
    return _template("text", size, **fields)


def as_values(data: Mapping[str, object] | None) -> dict[str, str]:
    """Sent placeholder values as label text (a null prints nothing)."""
    return {k: "" if v is None else str(v) for k, v in (data or {}).items()}


def literal_values(text: str) -> Mapping[str, str]:
    """Placeholder values that leave every `{...}` of typed text as it was typed."""
    return {name: "{" + name + "}" for name in placeholders(text) if name != "qr"}


# MakerMatrix's "{qr=field}": the QR code carries that data value instead of the part's address.
QR_FIELD = re.compile(r"\{qr=([^{}]+)\}")
# What a template preview fills in when no part is named.
SAMPLE = {
    "id": "sample",
    "part_name": "LM317T",
    "part_number": "LM317T-ND",
    "manufacturer_part_number": "LM317T",
    "manufacturer": "Texas Instruments",
    "description": "Adjustable regulator 1.5 A",
    "quantity": "25",
    "location": "Drawer A2",
    "location_path": "Bench > Cabinet > Drawer A2",
    "category": "Regulators",
    "supplier": "DigiKey",
    "location_type": "drawer",
}
