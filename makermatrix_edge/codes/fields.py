"""What a scanned payload says, as parsed fields (the same shape for every format)."""

from __future__ import annotations

from typing import Literal

import msgspec

Kind = Literal["supplier_label", "own_part", "own_location", "own_tool", "makermatrix", "text", "unrecognised"]
Confidence = Literal["high", "low"]


class ParsedCode(msgspec.Struct, kw_only=True):
    """One payload's meaning. `kind` says what it is; the rest is filled where the format carries it."""

    kind: Kind
    format: str = ""  # iso15434, lcsc, tme_qr, tme_dm, reel, own_url, mm, text
    supplier: str | None = None  # DigiKey, Mouser, Farnell, LCSC, TME (None: a manufacturer label)
    supplier_part_number: str | None = None
    manufacturer_part_number: str | None = None
    manufacturer: str | None = None
    quantity: int | None = None
    order_number: str | None = None
    lot_code: str | None = None
    date_code: str | None = None
    country: str | None = None
    entity_id: str | None = None  # our own label's part or location id
    confidence: Confidence = "high"
    fields: dict[str, str] = msgspec.field(default_factory=dict)  # every field as the label carried it
    raw: str = ""


def unrecognised(raw: str) -> ParsedCode:
    return ParsedCode(kind="unrecognised", raw=raw)


def leading_int(value: str | None) -> int | None:
    """`Q000000001` -> 1, `5000NAR000` -> 5000, '' -> None."""
    if not value:
        return None
    digits = ""
    for ch in value.strip():
        if not ch.isdigit():
            break
        digits += ch
    if not digits:
        return None
    number = int(digits)
    return number if number <= 1_000_000_000 else None
