"""Reorder files in each supplier's own upload format: the one module both low stock and a build's shortage use.

- LCSC: a CSV for the BOM tool (lcsc.com/bom). The tool asks which column is which; our headers
  are its own type names ("Quantity", "LCSC Part Number", "Manufacture Part Number" as LCSC spells
  it in its order exports), so it maps them by itself.
- DigiKey: a CSV for the cart's bulk add / file upload: quantity, part number, customer reference
  (DigiKey takes its own numbers and manufacturer numbers alike).
- Mouser: a CSV for the cart / BOM import: Mouser part number, manufacturer number, manufacturer,
  customer part number, "Quantity 1" (the name of the first quantity column of Mouser's template).

A cell a spreadsheet would run as a formula (=, +, @, - followed by a letter) is written with a
leading apostrophe: BOM files come from outside and a designator must not become a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from makermatrix_edge.suppliers import catalogue

REFERENCE_CHARS = 30  # the customer-reference fields of the carts take about this much


@dataclass(frozen=True)
class CartLine:
    """One line to order: the supplier's number (or the manufacturer's), how many, and a note for the bag."""

    number: str
    quantity: int
    mpn: str | None = None
    manufacturer: str | None = None
    reference: str = ""
    description: str | None = None


@dataclass(frozen=True)
class CartFile:
    filename: str
    media_type: str
    content: bytes
    how: str  # where the file goes on the supplier's site, in words


@dataclass(frozen=True)
class _Format:
    header: tuple[str, ...]
    row: Callable[[CartLine], tuple[object, ...]]
    how: str


def _ref(line: CartLine) -> str:
    return line.reference[:REFERENCE_CHARS]


FORMATS: dict[str, _Format] = {
    "lcsc": _Format(
        ("Quantity", "LCSC Part Number", "Manufacture Part Number", "Manufacturer", "Customer Part Number",
         "Description"),
        lambda ln: (ln.quantity, ln.number, ln.mpn or "", ln.manufacturer or "", _ref(ln), ln.description or ""),
        "upload it on lcsc.com → BOM Tool, then Add To Cart",
    ),
    "digikey": _Format(
        ("Quantity", "Part Number", "Customer Reference"),
        lambda ln: (ln.quantity, ln.number, _ref(ln)),
        "upload it on digikey.com → Cart → Bulk add / Upload a file",
    ),
    "mouser": _Format(
        ("Mouser Part Number", "Mfr Part Number", "Manufacturer", "Customer Part Number", "Quantity 1"),
        lambda ln: (ln.number, ln.mpn or "", ln.manufacturer or "", _ref(ln), ln.quantity),
        "upload it on mouser.com → Cart → Import a file (or the BOM Tool)",
    ),
}  # fmt: skip
assert set(FORMATS) == set(catalogue.KEYS), "every supplier of the catalogue has a cart format"

_FORMULA = re.compile(r"^[=+@\t\r]|^-[^\d.]")


def _cell(value: object) -> object:
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def _safe_name(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.casefold()).strip("-")[:60] or "parts"


def cart_file(supplier_key: str, lines: Sequence[CartLine], name: str) -> CartFile:
    """The file for `supplier_key` (a catalogue key; KeyError for another), lines with the same number merged."""
    fmt = FORMATS[supplier_key]
    merged: dict[str, CartLine] = {}
    for line in lines:
        key = line.number.casefold()
        if key in merged:
            was = merged[key]
            refs = ", ".join(r for r in (was.reference, line.reference) if r)
            merged[key] = CartLine(was.number, was.quantity + line.quantity, was.mpn, was.manufacturer, refs,
                                   was.description)  # fmt: skip
        else:
            merged[key] = line
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(fmt.header)
    for line in merged.values():
        writer.writerow([_cell(v) for v in fmt.row(line)])
    filename = f"{_safe_name(name)}-{supplier_key}-cart.csv"
    # UTF-8 with a byte-order mark: the suppliers' tools and Excel then read µ and Ω right.
    return CartFile(filename, "text/csv; charset=utf-8", out.getvalue().encode("utf-8-sig"), fmt.how)
