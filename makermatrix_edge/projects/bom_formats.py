"""BOM files as people have them: KiCad's CSV, JLCPCB/EasyEDA's BOM, a plain MPN + quantity list.

The header row is found by its names (anywhere in the first rows, as order import does), the format by
which names it has. Every row is read or refused with its row number and reason; a file with any
refused row is refused whole, so a half-read BOM never replaces a good one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import msgspec

from makermatrix_edge.errors import DomainError, InvalidInput
from makermatrix_edge.orders.importers import supplier_of_table
from makermatrix_edge.orders.importers.base import FileTooLarge, UnreadableFile, UnsupportedFile
from makermatrix_edge.orders.importers.reading import read_table, suffix_of
from makermatrix_edge.projects.models import BomLine, RowProblem
from makermatrix_edge.textcheck import clean_text

MAX_LINES = 2_000  # a board's BOM has tens to a few hundred lines; a bigger file is not one board
MAX_FILE_BYTES = 2_000_000
MAX_DESIGNATORS = 1_000  # on one line
HEADER_SEARCH_ROWS = 20
_TEXT = 200
_SUFFIXES = {"", ".csv", ".txt", ".tsv", ".xlsx", ".xls"}

EXPORT_HINT = (
    "Export the BOM as CSV from KiCad (Reference, Value, Footprint, Qty and DNP columns, optionally MPN and "
    "LCSC), from JLCPCB/EasyEDA (Comment, Designator, Footprint, LCSC Part #), or write a CSV with MPN and "
    "Quantity columns"
)


class RowsRefused(DomainError):
    """Rows that cannot be read; nothing was written (422 with each row and reason)."""

    def __init__(self, message: str, problems: list[RowProblem]) -> None:
        super().__init__(message)
        self.problems = problems


class ParsedBom(msgspec.Struct):
    file_format: str
    format_name: str
    lines: list[BomLine]


def _norm(cell: str) -> str:
    """'LCSC Part #' -> 'lcsc part'; 'Qty.' -> 'qty'; a UTF-8 BOM and quotes fall away."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", cell.replace("\ufeff", "").lower()).split())


@dataclass(frozen=True)
class BomFormat:
    key: str
    name: str
    required: tuple[tuple[str, ...], ...]  # each field: any one of these header names
    columns: Mapping[str, tuple[str, ...]]

    def fits(self, headers: Sequence[str]) -> bool:
        names = set(headers)
        return all(names.intersection(aliases) for aliases in self.required)

    def index(self, headers: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for field, aliases in self.columns.items():
            for i, header in enumerate(headers):
                if header in aliases and field not in found:
                    found[field] = i
        return found


_REFERENCE = ("reference", "references", "ref", "refs", "ref des", "refdes", "reference designator")
_DESIGNATOR = ("designator", "designators")
_MPN = ("mpn", "manufacturer part number", "mfr part number", "mfr part", "mfr pn", "manufacturer pn", "mfg part",
        "manufacturer part", "mf part number", "part number", "manufacturer part no", "mfr no")  # fmt: skip
_LCSC = ("lcsc", "lcsc part", "lcsc part number", "lcsc pn", "lcsc number", "jlcpcb part", "jlcpcb part number",
         "jlc part", "supplier part", "lcsc part no")  # fmt: skip
_COMMON: dict[str, tuple[str, ...]] = {
    "footprint": ("footprint", "package", "case", "case package"),
    "quantity": ("qty", "quantity", "qty per board", "quantity per pcb", "count"),
    "dnp": ("dnp", "do not populate", "do not place", "dnf", "exclude from bom"),
    "manufacturer": ("manufacturer", "mfr", "mfg", "manufacturer name"),
    "mpn": _MPN,
    "lcsc": _LCSC,
    "digikey": ("digikey", "digi key", "digikey part number", "digi key part number", "digikey pn", "dk part"),
    "mouser": ("mouser", "mouser part number", "mouser pn", "mouser part"),
    "description": ("description", "desc"),
}

FORMATS: tuple[BomFormat, ...] = (
    BomFormat(
        "kicad", "KiCad BOM", (_REFERENCE, ("value",)), {"designators": _REFERENCE, "value": ("value",), **_COMMON}
    ),
    BomFormat(
        "jlcpcb",
        "JLCPCB/EasyEDA BOM",
        (_DESIGNATOR, ("comment", "value")),
        {"designators": _DESIGNATOR, "value": ("comment", "value"), **_COMMON},
    ),
    BomFormat("mpn_list", "MPN and quantity list", (_MPN, _COMMON["quantity"]), {**_COMMON}),
)

_RANGE = re.compile(r"^([A-Za-z_]+)(\d+)\s*[-–]\s*(?:\1)?(\d+)$")
_SPLIT = re.compile(r"[,;\s]+")
_TRUE = {"dnp", "1", "x", "yes", "y", "true", "dnf", "do not place", "do not populate", "excluded"}


def designators(cell: str) -> list[str]:
    """'R1,R2, R3' / 'R1 R2' / 'R1-R4' -> ['R1', 'R2', 'R3'...]; ValueError naming what is wrong."""
    out: list[str] = []
    for token in _SPLIT.split(cell.strip()):
        if not token:
            continue
        ranged = _RANGE.match(token)
        if ranged:
            prefix, low, high = ranged.group(1), int(ranged.group(2)), int(ranged.group(3))
            if high < low or high - low >= MAX_DESIGNATORS:
                raise ValueError(f"designator range '{token[:40]}' is not a range this can expand")
            out.extend(f"{prefix}{n}" for n in range(low, high + 1))
        else:
            out.append(token[:40])
        if len(out) > MAX_DESIGNATORS:
            raise ValueError(f"more than {MAX_DESIGNATORS} designators on one line")
    return out


def _quantity(cell: str) -> int:
    text = cell.strip().replace(" ", "")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"quantity '{cell.strip()[:40]}' is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"quantity '{cell.strip()[:40]}' is not a number")
    if number < 0:
        raise ValueError(f"quantity {cell.strip()[:40]} is negative")
    if number != int(number):
        raise ValueError(f"quantity {cell.strip()[:40]} is not a whole number (a board takes whole parts)")
    if number > 100_000:
        raise ValueError(f"quantity {int(number)} per board is too large")
    return int(number)


def _cell(row: Sequence[str], index: dict[str, int], field: str) -> str | None:
    i = index.get(field)
    if i is None or i >= len(row):
        return None
    text = clean_text(row[i]).strip()
    return text[:_TEXT] if text and text.strip("-~ ") else None


def _line(row: Sequence[str], number: int, index: dict[str, int]) -> BomLine:
    # Not capped like other cells: a line of 0402 capacitors can list hundreds of designators.
    column = index.get("designators")
    refs = designators(clean_text(row[column])) if column is not None and column < len(row) else []
    qty_text = _cell(row, index, "quantity")
    if qty_text is not None:
        quantity = _quantity(qty_text)
        if refs and quantity != len(refs):
            raise ValueError(f"quantity {quantity} but {len(refs)} designators ({', '.join(refs[:6])})")
    elif refs:
        quantity = len(refs)
    else:
        raise ValueError("no quantity and no designators")
    suppliers = {k: v for k in ("lcsc", "digikey", "mouser") if (v := _cell(row, index, k)) is not None}
    dnp_text = _cell(row, index, "dnp")
    mpn = _cell(row, index, "mpn")
    value = _cell(row, index, "value")
    if value is None and mpn is None and not suppliers:
        raise ValueError("no value, MPN or supplier number: nothing says which part this is")
    return BomLine(
        row=number,
        designators=refs,
        quantity=quantity,
        value=value,
        footprint=_cell(row, index, "footprint"),
        manufacturer=_cell(row, index, "manufacturer"),
        mpn=mpn,
        supplier_numbers=suppliers,
        dnp=dnp_text is not None and dnp_text.lower() in _TRUE,
        description=_cell(row, index, "description"),
    )


def _find_header(rows: list[list[str]]) -> tuple[int, BomFormat, list[str]]:
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        headers = [_norm(c) for c in row]
        for bom_format in FORMATS:
            if bom_format.fits(headers):
                return i, bom_format, headers
    raise UnsupportedFile(f"This is not a BOM this can read (no header row names its columns). {EXPORT_HINT}")


def parse_bom(content: bytes, filename: str) -> ParsedBom:
    """Read a BOM file; RowsRefused if any row cannot be read, UnsupportedFile for another kind of file."""
    if suffix_of(filename) not in _SUFFIXES:
        raise UnsupportedFile(f"'{suffix_of(filename)}' files are not BOMs. {EXPORT_HINT}")
    if len(content) > MAX_FILE_BYTES:
        raise FileTooLarge(f"The file is over {MAX_FILE_BYTES // 1_000_000} MB; a board's BOM is far smaller")
    try:
        table = read_table(content, filename, max_unpacked=MAX_FILE_BYTES * 10)
    except UnsupportedFile:
        raise UnsupportedFile(f"This is not a text or spreadsheet file. {EXPORT_HINT}") from None
    start, bom_format, headers = _find_header(table.rows)
    index = bom_format.index(headers)
    lines: list[BomLine] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    body = list(zip(table.rows[start + 1 :], table.numbers[start + 1 :], strict=True))
    filled = [(row, number) for row, number in body if any(c.strip() for c in row)]
    if len(filled) > MAX_LINES:
        raise InvalidInput(
            f"The BOM has {len(filled)} lines; at most {MAX_LINES} are taken (one board's BOM is far fewer)", "file"
        )
    for row, number in body:
        if not any(c.strip() for c in row):
            continue
        try:
            line = _line(row, number, index)
        except ValueError as exc:
            problems.append(RowProblem(number, str(exc)))
            continue
        for ref in line.designators:
            key = ref.upper()
            if key in seen:
                problems.append(RowProblem(number, f"designator {ref} is also on row {seen[key]}"))
            else:
                seen[key] = number
        lines.append(line)
    if problems:
        rows = f"{len(problems)} row{'s' if len(problems) != 1 else ''}"
        said = f"{rows} of this {bom_format.name} cannot be read; nothing was imported"
        supplier = supplier_of_table(table) if bom_format.key == "mpn_list" else None
        if supplier is not None:  # a supplier's order file sent as a BOM: its totals row is not a line
            said += f". This looks like a {supplier} order file: order files are imported on the Import page"
        raise RowsRefused(said, problems)
    if not lines:
        raise UnreadableFile(f"This {bom_format.name} has a header but no lines", "file")
    return ParsedBom(bom_format.key, bom_format.name, lines)
