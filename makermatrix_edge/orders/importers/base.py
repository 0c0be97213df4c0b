"""What every order-file importer shares: the parsed shapes, header matching and cell parsing."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import msgspec

from makermatrix_edge.errors import BadRequest, DomainError, InvalidInput
from makermatrix_edge.suppliers import catalogue

MAX_TEXT = 200
MAX_DESCRIPTION = 4000


class UnsupportedFile(DomainError):
    """Not an order file we can read at all (415)."""


class FileTooLarge(DomainError):
    """Over the upload limit, or a compressed file that would unpack to too much (413)."""


class UnreadableFile(InvalidInput):
    """A file of a supported kind whose content is not an order (no header, empty, broken)."""


class SupplierMismatch(BadRequest):
    """The form named one supplier, the file's header says another."""


class OrderLine(msgspec.Struct, kw_only=True):
    row: int  # row number as a spreadsheet shows it (the header row included)
    supplier_part_number: str | None
    manufacturer_part_number: str | None
    manufacturer: str | None = None
    description: str | None = None
    package: str | None = None
    customer_reference: str | None = None
    quantity: int
    unit_price: float | None = None
    extended_price: float | None = None
    properties: dict[str, str] = msgspec.field(default_factory=dict)


class RowNote(msgspec.Struct):
    row: int
    reason: str


class ParsedOrder(msgspec.Struct, kw_only=True):
    supplier: str  # lcsc | digikey | mouser
    file_format: str  # csv | xls | xlsx
    filename: str
    order_number: str | None
    order_date: str | None  # YYYY-MM-DD
    currency: str
    lines: list[OrderLine]
    problems: list[RowNote]  # rows that could not be read: the file is refused
    skipped: list[RowNote]  # rows left out on purpose (a Subtotal line, no part number)
    subtotal: float | None = None


@dataclass(frozen=True)
class Table:
    """A file's cells as text, whatever its format; `rows[i]` is row number `numbers[i]`."""

    file_format: str
    rows: list[list[str]]
    numbers: list[int]


@dataclass(frozen=True)
class Format:
    """One supplier's file layout: header names per field (normalised) and what marks the supplier."""

    supplier: str  # the catalogue key of the supplier that owns this layout
    file_types: tuple[str, ...]
    columns: Mapping[str, tuple[str, ...]]
    markers: tuple[frozenset[str], ...]  # any one complete set of headers identifies the supplier
    example_header: str
    order_columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ()
    # Supplier-specific touches on a parsed line (e.g. Mouser's extended price); None keeps it as read.
    finish: Callable[[OrderLine], OrderLine] | None = None

    @property
    def display_name(self) -> str:
        return catalogue.get(self.supplier).display_name

    def score(self, headers: Sequence[str]) -> int:
        names = set(headers)
        if not any(marker <= names for marker in self.markers):
            return 0
        return sum(1 for aliases in self.columns.values() if names.intersection(aliases))

    def index(self, headers: Sequence[str]) -> dict[str, int]:
        """Column index of each field this header has."""
        found: dict[str, int] = {}
        for name, aliases in [*self.columns.items(), *self.order_columns.items()]:
            for i, header in enumerate(headers):
                if header in aliases and name not in found:
                    found[name] = i
        return found


_CURRENCY_SUFFIX = re.compile(r"\s*\(([^)]*)\)\s*$")
_SYMBOLS = {"$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP", "¥": "CNY", "cny": "CNY"}


def header_name(cell: str) -> tuple[str, str | None]:
    """'Unit Price($)' -> ('unit price', 'USD'); 'Mouser #:' -> ('mouser #', None)."""
    text = " ".join(cell.replace("\ufeff", "").strip().lower().split())
    currency = None
    match = _CURRENCY_SUFFIX.search(text)
    if match:
        currency = _SYMBOLS.get(match.group(1).strip())
        if currency is not None:
            text = text[: match.start()]
    return text.rstrip(":. "), currency


def text(value: str | None, limit: int = MAX_TEXT) -> str | None:
    """A cell as stored text: trimmed, '-' and blanks as nothing, capped. Never evaluated."""
    if value is None:
        return None
    cleaned = value.strip()
    if not cleaned.strip("-\\/ "):  # LCSC writes "-" and "-\\-" for "nothing known"
        return None
    return cleaned[:limit]


def quantity(value: str) -> int:
    cleaned = value.strip().replace(",", "").replace(" ", "")
    try:
        number = float(cleaned)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):  # "inf", "nan", "1e400": float() takes them, int() would not
        raise ValueError(f"quantity '{value.strip()[:40]}' is not a number")
    if number != int(number):
        raise ValueError(f"quantity '{value.strip()[:40]}' is not a whole number")
    if number < 1:
        raise ValueError(f"quantity {int(number)} is not 1 or more")
    if number > 1_000_000_000:
        raise ValueError(f"quantity {int(number)} is too large")
    return int(number)


def price(value: str | None, what: str) -> tuple[float | None, str | None]:
    """'$1.06000' -> (1.06, 'USD'); blank -> (None, None); refuses text that is not a price."""
    if value is None or not value.strip() or value.strip() == "-":
        return None, None
    raw = value.strip().replace('"', "")
    currency = next((code for sym, code in _SYMBOLS.items() if len(sym) == 1 and sym in raw), None)
    cleaned = raw.replace(",", "")
    for sym in ("$", "€", "£", "¥", "US", "USD", "EUR"):
        cleaned = cleaned.replace(sym, "")
    try:
        number = float(cleaned.strip())
    except ValueError:
        raise ValueError(f"{what} '{value.strip()[:40]}' is not a price") from None
    if not 0 <= number <= 1e9:
        raise ValueError(f"{what} {number} is out of range")
    return number, currency
