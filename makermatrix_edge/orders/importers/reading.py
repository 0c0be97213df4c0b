"""Bytes -> a table of text cells: CSV in any encoding Excel writes, .xls (xlrd), .xlsx (openpyxl).

The format is judged by the content (magic bytes), the name only breaks ties. Spreadsheet formulas
are never evaluated: .xlsx formula cells arrive as their formula text, .xls cells as the value the
file stored. A .xlsx is a zip: its members' unpacked sizes are checked before openpyxl opens it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import PurePath
from typing import Any

from makermatrix_edge.orders.importers.base import FileTooLarge, Table, UnreadableFile, UnsupportedFile

XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
KNOWN_SUFFIXES = {"", ".csv", ".txt", ".tsv", ".xls", ".xlsx"}
MAX_ROWS = 100_000
MAX_ZIP_MEMBERS = 2_000
MAX_ZIP_RATIO = 100  # real .xlsx sheets compress 5-20x; a bomb compresses 1000x


def suffix_of(filename: str) -> str:
    return PurePath(filename or "").suffix.lower()


def read_table(content: bytes, filename: str, *, max_unpacked: int) -> Table:
    suffix = suffix_of(filename)
    if suffix not in KNOWN_SUFFIXES:
        raise UnsupportedFile(
            f"Unknown format: '{suffix}' files are not order files. Send the CSV export (LCSC, DigiKey) "
            "or the XLS/XLSX order file (Mouser)"
        )
    if not content.strip():
        raise UnreadableFile("The file is empty", "file")
    if content.startswith(XLS_MAGIC):
        return _read_xls(content)
    if content.startswith(ZIP_MAGIC):
        return _read_xlsx(content, max_unpacked)
    if suffix in (".xls", ".xlsx"):
        raise UnreadableFile(f"This {suffix} file is not a spreadsheet Excel can open (its content is wrong)", "file")
    return _read_csv(decode_text(content))


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (Excel's 'Unicode Text'), else cp1252 as Excel writes it."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _decode(content, "utf-16")
    elif content.startswith(b"\xef\xbb\xbf"):
        text = _decode(content, "utf-8-sig")
    elif content[1:200:2].count(0) > 20 or content[0:200:2].count(0) > 20:
        # UTF-16 without a byte-order mark: every other byte of ASCII text is NUL.
        text = _decode(content, "utf-16-le" if content[1:200:2].count(0) > 20 else "utf-16-be")
    else:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            text = content.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text[:4000] if ord(ch) < 32 and ch not in "\r\n\t")
    if "\x00" in text or controls > 10:
        raise UnsupportedFile(
            "Unknown format: this is not a CSV text file, an XLS or an XLSX spreadsheet. "
            "Send the order file as the supplier's website exports it"
        )
    return text


def _decode(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableFile(f"The file says it is {encoding.upper()} text but is not", "file") from None


def _read_csv(text: str) -> Table:
    sample = text[:8192]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    first_line = sample.split("\n", 1)[0]
    if delimiter != "," and first_line.count(",") > first_line.count(delimiter):
        delimiter = ","  # a sniffer guess from descriptions full of semicolons
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    numbers: list[int] = []
    start = 1
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise UnreadableFile(f"The file has more than {MAX_ROWS} rows", "file")
            rows.append(row)
            numbers.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(f"Line {reader.line_num}: not valid CSV ({exc})", "file") from None
    return Table("csv", rows, numbers)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _pick_sheet(names: list[str]) -> int:
    """Mouser's sheet is 'Order Details'; otherwise the first one."""
    for i, name in enumerate(names):
        if name.strip().lower() == "order details":
            return i
    return 0


def _read_xls(content: bytes) -> Table:
    import xlrd  # type: ignore[import-untyped]  # imported on use: most benches never see an .xls

    try:
        book = xlrd.open_workbook(file_contents=content, on_demand=True)
        try:
            sheet = book.sheet_by_index(_pick_sheet(book.sheet_names()))
            if sheet.nrows > MAX_ROWS:
                raise UnreadableFile(f"The sheet has more than {MAX_ROWS} rows", "file")
            rows = []
            for r in range(sheet.nrows):
                cells = []
                for cell in sheet.row(r):
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        cells.append(_cell_text(xlrd.xldate_as_datetime(cell.value, book.datemode)))
                    elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        cells.append("")
                    else:
                        cells.append(_cell_text(cell.value))
                rows.append(cells)
        finally:
            book.release_resources()
    except UnreadableFile:
        raise
    except Exception as exc:  # xlrd raises many kinds on a damaged file; all mean "cannot read it"
        raise UnreadableFile(f"This .xls file cannot be read ({str(exc)[:120]})", "file") from None
    return Table("xls", rows, list(range(1, len(rows) + 1)))


def check_zip(content: bytes, max_unpacked: int) -> None:
    """Refuse a zip whose members would unpack to more than max_unpacked bytes (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise UnreadableFile("This .xlsx file is damaged (not a valid zip)", "file") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise FileTooLarge(f"This spreadsheet has {len(members)} parts inside; a real order file has a few dozen")
    total = sum(m.file_size for m in members)
    if total > max_unpacked:
        raise FileTooLarge(
            f"This spreadsheet would unpack to {total // 1_000_000} MB (limit {max_unpacked // 1_000_000} MB); "
            "it is not a plain order file"
        )
    for member in members:
        if member.file_size > 1_000_000 and member.file_size > MAX_ZIP_RATIO * max(member.compress_size, 1):
            raise FileTooLarge(f"This spreadsheet's '{member.filename[:60]}' is compressed suspiciously well")


def _read_xlsx(content: bytes, max_unpacked: int) -> Table:
    check_zip(content, max_unpacked)
    import openpyxl  # type: ignore[import-untyped]

    try:
        # read_only streams rows; data_only=False keeps a formula as its text, never a computed value.
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        try:
            sheet = book.worksheets[_pick_sheet(book.sheetnames)]
            rows: list[list[str]] = []
            for values in sheet.iter_rows(values_only=True):
                if len(rows) >= MAX_ROWS:
                    raise UnreadableFile(f"The sheet has more than {MAX_ROWS} rows", "file")
                rows.append([_cell_text(v) for v in values])
        finally:
            book.close()
    except (UnreadableFile, FileTooLarge):
        raise
    except Exception as exc:  # openpyxl raises KeyError, ValueError, XML errors on a damaged file
        raise UnreadableFile(f"This .xlsx file cannot be read ({str(exc)[:120]})", "file") from None
    return Table("xlsx", rows, list(range(1, len(rows) + 1)))
