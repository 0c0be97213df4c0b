"""Bytes -> a table of text cells: CSV in any encoding Excel writes, .xls (xls.py), .xlsx (xlsx.py).

The format is judged by the content (magic bytes), the name only breaks ties. Spreadsheet formulas
are never evaluated: a formula cell arrives as the result the spreadsheet saved with it (.xls and
.xlsx alike), or as its formula text when a program saved none. A .xlsx is a zip: its members'
unpacked sizes are checked before any is read, and both spreadsheet readers keep within the caps of
sheets.py.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import PurePath

from makermatrix_edge.orders.importers.base import FileTooLarge, Table, UnreadableFile, UnsupportedFile
from makermatrix_edge.orders.importers.sheets import MAX_ROWS
from makermatrix_edge.orders.importers.xls import read_xls
from makermatrix_edge.orders.importers.xlsx import read_xlsx

XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
KNOWN_SUFFIXES = {"", ".csv", ".txt", ".tsv", ".xls", ".xlsx"}
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
        return read_xls(content)
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
    return read_xlsx(content)
