"""Order files -> ParsedOrder: one module per supplier format; the supplier is judged by the header.

`parse_file` finds the header row (the first rows may hold a title), picks the supplier whose
columns it has, reads every line and notes each row it could not read with its row number.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePath

import msgspec

from makermatrix_edge.orders.importers.base import (
    Format,
    OrderLine,
    ParsedOrder,
    RowNote,
    SupplierMismatch,
    Table,
    UnreadableFile,
    header_name,
    price,
    quantity,
    text,
)
from makermatrix_edge.orders.importers.reading import read_table
from makermatrix_edge.suppliers import catalogue

# Each supplier's layouts, as its catalogue entry names them (a supplier is added there, not here).
FORMATS: dict[str, Format] = {
    f.supplier: f for s in catalogue.SUPPLIERS for f in (catalogue.load(ref, Format) for ref in s.order_formats)
}
HEADER_SEARCH_ROWS = 20
_LCSC_NAME = re.compile(r"(?:LCSC_Exported__)?(\d{8})_(\d{6})", re.IGNORECASE)
_DK_NAME = re.compile(r"DK_PRODUCTS_(\d+)", re.IGNORECASE)
_NUMBER_NAME = re.compile(r"^(\d{6,})$")


class FilenameInfo(msgspec.Struct):
    filename: str
    supplier: str | None
    order_number: str | None
    order_date: str | None
    file_type: str


def supplier_key(name: str | None) -> str | None:
    """'DigiKey', 'digi-key', 'LCSC' -> the format key; None for blank; unknown names stay as given."""
    if name is None or not name.strip():
        return None
    found = catalogue.by_alias(name, parts=False)  # a JLCPCB export is not an LCSC order file
    return found.key if found else catalogue.normalised(name)


def filename_info(filename: str) -> FilenameInfo:
    """What a file's name says: LCSC_Exported__YYYYMMDD_HHMMSS, DK_PRODUCTS_<n>, <n>.xls."""
    path = PurePath(filename or "")
    stem, kind = path.stem, path.suffix.lower().lstrip(".")
    lcsc_match = _LCSC_NAME.search(stem)
    if lcsc_match and kind in ("csv", "xls", "xlsx"):  # the export, or the export saved from a spreadsheet
        day = lcsc_match.group(1)
        date = f"{day[:4]}-{day[4:6]}-{day[6:]}"
        return FilenameInfo(filename, "lcsc", f"{day}_{lcsc_match.group(2)}", _valid_date(date), kind)
    dk_match = _DK_NAME.search(stem)
    if dk_match:
        return FilenameInfo(filename, "digikey", dk_match.group(1), None, kind)
    number = _NUMBER_NAME.match(stem)
    if number:
        guess = "mouser" if kind in ("xls", "xlsx") else "digikey" if kind == "csv" else None
        return FilenameInfo(filename, guess, number.group(1), None, kind)
    lowered = stem.lower()
    guess = next((k for k in ("lcsc", "mouser", "digikey") if k in lowered.replace("-", "")), None)
    return FilenameInfo(filename, guess, None, None, kind)


def _valid_date(value: str) -> str | None:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def parse_date(value: str | None, formats: tuple[str, ...]) -> str | None:
    if not value or not value.strip():
        return None
    cleaned = value.strip()
    iso = _valid_date(cleaned[:10])
    if iso:
        return iso
    for fmt in formats:
        try:
            return dt.datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def supplier_of_table(table: Table) -> str | None:
    """The supplier whose order file this table is ("DigiKey"), by its header row; None if none's."""
    found = _find_header(table)
    return found[1].display_name if found is not None else None


def _find_header(table: Table) -> tuple[int, Format, list[str], str | None] | None:
    best: tuple[int, int, Format, list[str], str | None] | None = None
    for i, row in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        names = [header_name(cell) for cell in row]
        headers = [n for n, _ in names]
        currency = next((c for _, c in names if c), None)
        for fmt in FORMATS.values():
            score = fmt.score(headers)
            if score and (best is None or score > best[0]):
                best = (score, i, fmt, headers, currency)
    if best is None:
        return None
    return best[1], best[2], best[3], best[4]


def parse_file(content: bytes, filename: str, *, supplier_hint: str | None, max_unpacked: int) -> ParsedOrder:
    table = read_table(content, filename, max_unpacked=max_unpacked)
    found = _find_header(table)
    hint = supplier_key(supplier_hint)
    if found is None:
        raise UnreadableFile(
            f"No recognisable header in the first {HEADER_SEARCH_ROWS} rows: this does not look like an LCSC, "
            "DigiKey or Mouser order file. Export the order from the supplier's website unchanged: "
            "LCSC or DigiKey as CSV, Mouser as XLS or XLSX",
            "file",
        )
    start, fmt, headers, header_currency = found
    if hint is not None and hint != fmt.supplier:
        named = FORMATS[hint].display_name if hint in FORMATS else f"'{supplier_hint}'"
        raise SupplierMismatch(
            f"This file looks like a {fmt.display_name} order (supplier_name={fmt.supplier}), not {named}"
        )
    return _read_lines(table, start, fmt, headers, header_currency, filename)


def _cell(row: list[str], index: dict[str, int], name: str) -> str:
    i = index.get(name)
    return row[i] if i is not None and i < len(row) else ""


def _read_lines(
    table: Table, start: int, fmt: Format, headers: list[str], header_currency: str | None, filename: str
) -> ParsedOrder:
    index = fmt.index(headers)
    lines: list[OrderLine] = []
    problems: list[RowNote] = []
    skipped: list[RowNote] = []
    currencies: set[str] = {header_currency} if header_currency else set()
    subtotal: float | None = None
    order_number = order_date = None
    for row, number in zip(table.rows[start + 1 :], table.numbers[start + 1 :], strict=True):
        if not any(cell.strip() for cell in row):
            continue
        spn = text(_cell(row, index, "supplier_part_number"))
        mpn = text(_cell(row, index, "manufacturer_part_number"))
        if spn is None and mpn is None:
            if any(cell.strip().lower().startswith(("subtotal", "total")) for cell in row):
                last = next((c for c in reversed(row) if c.strip()), "")
                try:
                    subtotal = price(last, "subtotal")[0]
                except ValueError:
                    subtotal = None
                skipped.append(RowNote(number, "subtotal line, not a part"))
            else:
                skipped.append(RowNote(number, "no part number"))
            continue
        try:
            qty = quantity(_cell(row, index, "quantity"))
            unit, unit_currency = price(_cell(row, index, "unit_price"), "unit price")
            extended, ext_currency = price(_cell(row, index, "extended_price"), "extended price")
        except ValueError as exc:
            problems.append(RowNote(number, f"{spn or mpn}: {exc}"))
            continue
        currencies.update(c for c in (unit_currency, ext_currency) if c)
        props = {
            key: value
            for key in ("rohs", "min_mult", "backorder", "line_status")
            if (value := text(_cell(row, index, key))) and value != "0"
        }
        line = OrderLine(
            row=number,
            supplier_part_number=spn,
            manufacturer_part_number=mpn,
            manufacturer=text(_cell(row, index, "manufacturer")),
            description=text(_cell(row, index, "description"), 4000),
            package=text(_cell(row, index, "package")),
            customer_reference=text(_cell(row, index, "customer_reference")),
            quantity=qty,
            unit_price=unit,
            extended_price=extended if extended is not None else (round(unit * qty, 4) if unit is not None else None),
            properties=props,
        )
        lines.append(fmt.finish(line) if fmt.finish else line)
        if order_number is None:
            order_number = text(_cell(row, index, "order_number"))
            order_date = parse_date(_cell(row, index, "order_date"), fmt.date_formats)
    if not lines and not problems:
        raise UnreadableFile("No parts found in the file: it has a header but no lines with a part number", "file")
    return ParsedOrder(
        supplier=fmt.supplier,
        file_format=table.file_format,
        filename=filename,
        order_number=order_number,
        order_date=order_date,
        currency=sorted(currencies)[0] if len(currencies) == 1 else "USD",
        lines=lines,
        problems=problems,
        skipped=skipped,
        subtotal=subtotal,
    )
