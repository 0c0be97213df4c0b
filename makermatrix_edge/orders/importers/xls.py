"""A bounded .xls (BIFF) reader: the workbook's records are counted before xlrd builds anything.

xlrd turns every record into Python objects as it opens a file: each shared string, each cell
format (an XF is a dozen objects), each name, and each sheet row padded up to its last cell.
A 10 MB .xls of tiny records is millions of them. So the record stream is walked first, header
by header (four bytes each, nothing decoded), and the file is refused past the caps in sheets.py:
the shared-string count the SST record declares, the cells of the rows (from each cell record's
row and column), and any other kind of record. Then xlrd reads it with ragged rows (no padding to
the widest row) and only the first MAX_COLUMNS cells of each row become text.
"""

from __future__ import annotations

import struct
from collections import Counter
from typing import Any

from makermatrix_edge.orders.importers.base import Table, UnreadableFile
from makermatrix_edge.orders.importers.sheets import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_RECORDS,
    MAX_SHARED_STRINGS,
    cell_text,
    pick_sheet,
    too_many,
)

_BOF = {0x0009, 0x0209, 0x0409, 0x0809}
_SST = 0x00FC
_CONTINUE = 0x003C
# Records of one cell each: row (u16), column (u16), ...
_CELL = {0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x007E, 0x00D6, 0x00FD, 0x0202, 0x0203, 0x0204, 0x0205}
_CELL |= {0x0206, 0x0406, 0x027E}
_MULRK = 0x00BD  # row, first column, (xf, rk) * n, last column
_BLANKS = {0x0001, 0x0201, 0x00BE}  # not kept by xlrd without formatting_info
_FILEPASS = 0x002F  # the workbook is encrypted (a password to open, or Excel's default one)
DAMAGED = (
    "This .xls file is damaged or incomplete, so it cannot be read. Download or export it again, "
    "or open it in a spreadsheet program and save it again"
)
PROTECTED = (
    "This .xls file is protected with a password, so it cannot be read. Open it in a spreadsheet program, "
    "remove the password and save it again"
)


def _stream(content: bytes) -> tuple[bytes, int, int]:
    """The BIFF record stream inside the OLE2 file: (memory, start, length)."""
    from xlrd import compdoc  # type: ignore[import-untyped]

    if content[:8] != compdoc.SIGNATURE:
        return content, 0, len(content)
    doc = compdoc.CompDoc(content, logfile=_Quiet())
    for name in ("Workbook", "Book"):
        mem, base, length = doc.locate_named_stream(name)
        if mem:
            return bytes(mem), int(base), int(length)
    mem, _, _ = doc.locate_named_stream("EncryptedPackage")
    if mem:  # Excel saves a .xlsx with a password to open as an OLE2 file holding it encrypted
        raise UnreadableFile(PROTECTED.replace(".xls ", ".xlsx ", 1), "file")
    raise UnreadableFile("This .xls file has no workbook inside", "file")


def check_records(mem: bytes, base: int, length: int) -> None:
    """Refuse a workbook whose records would make xlrd build more than the caps allow."""
    pos, end = base, min(base + length, len(mem))
    substream = 0
    others: Counter[int] = Counter()  # records that are neither cells nor continuations, per substream
    widths: dict[tuple[int, int], int] = {}  # (substream, row) -> cells up to the row's last one
    cells = 0
    while pos + 4 <= end:
        code, size = struct.unpack_from("<HH", mem, pos)
        data = mem[pos + 4 : pos + 4 + min(size, 16)]  # the first bytes are all any check needs
        pos += 4 + size
        if code in _BOF:
            substream += 1
        elif code == _FILEPASS:  # xlrd would say only "Workbook is encrypted"; what is wrong is the password
            raise UnreadableFile(PROTECTED, "file")
        if code in _CELL or code == _MULRK:
            if len(data) < 6:
                continue
            row, first = struct.unpack_from("<HH", data)
            last = first
            if code == _MULRK:
                last_at = pos - 2  # the last column is the record's last two bytes
                last = struct.unpack_from("<H", mem, last_at)[0] if size >= 6 and last_at + 2 <= end else first
            key = (substream, row)
            width = max(widths.get(key, 0), last + 1)
            cells += width - widths.get(key, 0)
            widths[key] = width
            if cells > MAX_CELLS:
                raise too_many("cells", MAX_CELLS)
        elif code not in _BLANKS and code != _CONTINUE:
            others[substream] += 1
            if others[substream] > MAX_RECORDS:
                raise too_many("formats, names or other records", MAX_RECORDS)
            if code == _SST and len(data) >= 8 and struct.unpack_from("<i", data, 4)[0] > MAX_SHARED_STRINGS:
                raise too_many("shared strings", MAX_SHARED_STRINGS)


class _Quiet:
    """xlrd's log goes here: its warnings about odd files are not ours to print."""

    def write(self, _: str) -> int:
        return 0

    def flush(self) -> None:
        pass


def read_xls(content: bytes) -> Table:
    import xlrd  # imported on use: most benches never see an .xls

    try:
        check_records(*_stream(content))
        book = xlrd.open_workbook(file_contents=content, on_demand=True, ragged_rows=True, logfile=_Quiet())
        try:
            sheet = book.sheet_by_index(pick_sheet(book.sheet_names()))
            rows: list[list[str]] = []
            numbers: list[int] = []
            for r in range(sheet.nrows):
                cells = [_text(cell, book.datemode, xlrd) for cell in sheet.row_slice(r, 0, MAX_COLUMNS)]
                while cells and not cells[-1]:
                    cells.pop()
                if cells:
                    rows.append(cells)
                    numbers.append(r + 1)
        finally:
            book.release_resources()
    except UnreadableFile:
        raise
    except Exception:  # xlrd raises many kinds on a damaged file ("(17)", "array index out of range"): one meaning
        raise UnreadableFile(DAMAGED, "file") from None
    return Table("xls", rows, numbers)


def _text(cell: Any, datemode: int, xlrd: Any) -> str:
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return cell_text(xlrd.xldate_as_datetime(cell.value, datemode))
        except (ValueError, OverflowError):
            return cell_text(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:  # stored as 1 or 0; a spreadsheet (and the .xlsx reader) says TRUE
        return cell_text(bool(cell.value))
    if cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    return cell_text(cell.value)
