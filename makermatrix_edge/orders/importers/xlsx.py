"""A bounded .xlsx reader: one sheet's cells as text, streamed through expat, every count capped.

openpyxl builds what a file declares before a row is read: every shared string (two million in a
5 MB file: 700 MB), every format, and in read-only mode each row padded to the sheet's declared
dimension (A1:XFD1048576 with a gap of 8 000 rows: 1 GB). Here each part is fed to expat in 64 KB
chunks and nothing is kept past the caps in limits.py: empty rows are not stored, cells right of
MAX_COLUMNS are not read, and a file over a cap is refused in words. A DOCTYPE (never in a real
.xlsx; the way to entity bombs) is refused. A formula cell reads as the result the spreadsheet saved
with it (what the person saw, as .xls does); one saved without a result reads as its text ("=...").
Nothing is ever evaluated here.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import zipfile
import zlib
from collections.abc import Callable
from typing import Any
from xml.parsers import expat

from makermatrix_edge.orders.importers.base import Table, UnreadableFile
from makermatrix_edge.orders.importers.sheets import (
    MAX_CELL_TEXT,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_RECORDS,
    MAX_ROWS,
    MAX_SHARED_STRINGS,
    MAX_TEXT,
    cell_text,
    pick_sheet,
    too_many,
)

CHUNK = 64 * 1024
_SEP = "}"  # expat's namespace separator: names arrive as "uri}local"


class _Refused(Exception):
    """Raised inside an expat handler to stop the parse; carries the error to raise outside."""

    def __init__(self, error: UnreadableFile) -> None:
        self.error = error


def _local(name: str) -> str:
    return name.rsplit(_SEP, 1)[-1]


def _no_dtd(*_: object) -> None:
    raise _Refused(UnreadableFile("This .xlsx file is damaged (its XML declares a DOCTYPE)", "file"))


def _parse(
    archive: zipfile.ZipFile,
    name: str,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    text: Callable[[str], None] | None = None,
) -> None:
    """Stream one zip member through expat; a missing member is an empty one."""
    parser = expat.ParserCreate(namespace_separator=_SEP)
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    parser.StartElementHandler = lambda tag, attrs: start(_local(tag), attrs)
    parser.EndElementHandler = lambda tag: end(_local(tag))
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        member = archive.open(name)
    except KeyError:
        return
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile):  # encrypted, an odd compression, broken
        raise UnreadableFile(f"This .xlsx file cannot be read ({name[:60]} is encrypted or damaged)", "file") from None
    try:
        with member:
            while chunk := member.read(CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Refused as refused:
        raise refused.error from None
    except (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        where = f"{name[:60]} line {parser.ErrorLineNumber}"
        raise UnreadableFile(f"This .xlsx file is damaged ({where}: {str(exc)[:80]})", "file") from None


class _Counter:
    """Counts elements of one part against MAX_RECORDS (formats, relationships, sheets)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.seen = 0

    def tick(self) -> None:
        self.seen += 1
        if self.seen > MAX_RECORDS:
            raise _Refused(too_many(self.what, MAX_RECORDS))


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """rId -> (type's last word, member path) for one part's .rels."""
    folder, base = posixpath.split(part)
    found: dict[str, tuple[str, str]] = {}
    counter = _Counter("relationships")

    def start(tag: str, attrs: dict[str, str]) -> None:
        counter.tick()
        if tag == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            found[attrs.get("Id", "")] = (attrs.get("Type", "").rsplit("/", 1)[-1], path)

    _parse(archive, posixpath.join(folder, "_rels", base + ".rels"), start, lambda _: None)
    return found


def _workbook(archive: zipfile.ZipFile) -> tuple[str, list[tuple[str, str]], bool]:
    """The workbook part, its sheets as (name, member path), and whether it counts dates from 1904."""
    book = next((p for kind, p in _relationships(archive, "").values() if kind == "officeDocument"), "xl/workbook.xml")
    rels = _relationships(archive, book)
    sheets: list[tuple[str, str]] = []
    date1904 = [False]
    counter = _Counter("sheets")

    def start(tag: str, attrs: dict[str, str]) -> None:
        counter.tick()
        rid = next((v for k, v in attrs.items() if k.endswith(_SEP + "id")), None) if tag == "sheet" else None
        if rid is not None and rid in rels:
            sheets.append((attrs.get("name", ""), rels[rid][1]))
        elif tag == "workbookPr":
            date1904[0] = attrs.get("date1904", "0").lower() in ("1", "true")

    _parse(archive, book, start, lambda _: None)
    if not sheets:
        raise UnreadableFile("This .xlsx file has no worksheet", "file")
    return book, sheets, date1904[0]


def _date_styles(archive: zipfile.ZipFile, path: str | None) -> list[bool]:
    """For each cell format (the `s` of a cell), whether it shows a number as a date."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format  # type: ignore[import-untyped]

    custom: dict[int, str] = {}
    formats: list[int] = []
    where = {"cellXfs": False}
    counter = _Counter("cell formats")

    def start(tag: str, attrs: dict[str, str]) -> None:
        counter.tick()
        if tag == "numFmt":
            custom[_int(attrs.get("numFmtId"), -1)] = attrs.get("formatCode", "")[:200]
        elif tag == "cellXfs":
            where["cellXfs"] = True
        elif tag == "xf" and where["cellXfs"]:
            formats.append(_int(attrs.get("numFmtId"), 0))

    def end(tag: str) -> None:
        if tag == "cellXfs":
            where["cellXfs"] = False

    if path is not None:
        _parse(archive, path, start, end)
    return [bool(is_date_format(custom.get(i) or BUILTIN_FORMATS.get(i, "General"))) for i in formats]


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


class _Budget:
    """Characters of text kept for the whole file."""

    def __init__(self) -> None:
        self.left = MAX_TEXT

    def take(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise _Refused(too_many("characters of text", MAX_TEXT))


def _shared_strings(archive: zipfile.ZipFile, path: str | None, budget: _Budget) -> list[str]:
    strings: list[str] = []
    parts: list[str] = []
    state = {"in_t": False, "skip": 0, "kept": 0}

    def start(tag: str, _attrs: dict[str, str]) -> None:
        if tag == "si":
            if len(strings) >= MAX_SHARED_STRINGS:
                raise _Refused(too_many("shared strings", MAX_SHARED_STRINGS))
            parts.clear()
            state["kept"] = 0
        elif tag in ("rPh", "phoneticPr"):  # phonetic guides are not the cell's text
            state["skip"] += 1
        elif tag == "t" and not state["skip"]:
            state["in_t"] = True

    def end(tag: str) -> None:
        if tag == "si":
            value = "".join(parts)
            budget.take(len(value) + 1)
            strings.append(value)
        elif tag in ("rPh", "phoneticPr"):
            state["skip"] -= 1
        elif tag == "t":
            state["in_t"] = False

    def text(data: str) -> None:
        room = MAX_CELL_TEXT - state["kept"]
        if state["in_t"] and room > 0:
            parts.append(data[:room])
            state["kept"] += min(len(data), room)

    if path is not None:
        _parse(archive, path, start, end, text)
    return strings


def _column(ref: str) -> int:
    """'BL12' -> 64; 0 when the reference has no letters."""
    number = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            number = number * 26 + ord(ch) - 64
        elif "a" <= ch <= "z":
            number = number * 26 + ord(ch) - 96
        else:
            break
        if number > 100_000:
            break
    return number


class _SheetReader:
    """Handlers for one worksheet's XML: rows of text cells, empty rows left out."""

    def __init__(self, strings: list[str], dates: list[bool], epoch: dt.datetime, budget: _Budget) -> None:
        self.strings, self.dates, self.epoch, self.budget = strings, dates, epoch, budget
        self.rows: list[list[str]] = []
        self.numbers: list[int] = []
        self.cells = 0
        self.row_number = 0
        self.row: dict[int, str] = {}
        self.col = 0
        self.cell: dict[str, str] | None = None  # the open cell's attributes (None: not read)
        self.into: str | None = None  # which text of the cell is being gathered: v, f or is
        self.parts: dict[str, list[str]] = {}
        self.kept = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "row":
            self.row_number = _int(attrs.get("r"), self.row_number + 1)
            if self.row_number > MAX_ROWS or self.row_number < 1:
                raise _Refused(too_many("rows", MAX_ROWS))
            self.row = {}
            self.col = 0
        elif tag == "c":
            ref = attrs.get("r")
            self.col = _column(ref) if ref else self.col + 1
            self.cell = attrs if 1 <= self.col <= MAX_COLUMNS else None
            self.parts = {}
            self.kept = 0
        elif self.cell is not None and tag in ("v", "f", "is"):
            self.into = tag
            self.parts.setdefault(tag, [])
        elif self.cell is not None and tag == "rPh":
            self.into = None

    def end(self, tag: str) -> None:
        if tag == "c" and self.cell is not None:
            value = self._value(self.cell, {k: "".join(v) for k, v in self.parts.items()})
            if value:
                self.row[self.col] = value
            self.cell = None
        elif tag in ("v", "f", "is"):
            self.into = None
        elif tag == "row":
            self._keep_row()

    def text(self, data: str) -> None:
        room = MAX_CELL_TEXT - self.kept
        if self.into is not None and room > 0:
            self.parts[self.into].append(data[:room])
            self.kept += min(len(data), room)

    def _keep_row(self) -> None:
        if not self.row:
            return
        width = max(self.row)
        self.cells += width
        if self.cells > MAX_CELLS:
            raise _Refused(too_many("cells", MAX_CELLS))
        self.rows.append([self.row.get(i, "") for i in range(1, width + 1)])
        self.numbers.append(self.row_number)

    def _value(self, attrs: dict[str, str], parts: dict[str, str]) -> str:
        kind = attrs.get("t", "n")
        if parts.get("f") and kind != "str" and not parts.get("v", "").strip():
            # No result saved with it (a generated file): the formula as written. A text result may be
            # empty (=IF(B2>10,"bulk","")): that is the result, not a missing one.
            value = "=" + parts["f"]
        elif kind == "s":
            index = _int(parts.get("v"), -1)
            if not 0 <= index < len(self.strings):
                raise _Refused(UnreadableFile("This .xlsx file is damaged (a cell names a missing string)", "file"))
            return self.strings[index]  # already counted against the budget
        elif kind == "inlineStr":
            value = parts.get("is", "")
        elif kind == "b":
            value = "TRUE" if parts.get("v", "").strip() in ("1", "true") else "FALSE"
        elif kind == "e":
            value = ""
        elif kind in ("str", "d"):
            value = parts.get("v", "")
        else:
            value = self._number(parts.get("v", "").strip(), _int(attrs.get("s"), 0))
        self.budget.take(len(value))
        return value

    def _number(self, raw: str, style: int) -> str:
        if not raw:
            return ""
        try:
            number: Any = float(raw) if any(ch in raw for ch in ".eEnN") else int(raw)
        except ValueError:
            return raw
        if 0 <= style < len(self.dates) and self.dates[style]:
            from openpyxl.utils.datetime import from_excel  # type: ignore[import-untyped]

            try:
                return cell_text(from_excel(number, self.epoch))
            except (ValueError, OverflowError, TypeError):
                return raw
        return cell_text(number)


def read_xlsx(content: bytes) -> Table:
    """The order sheet of an .xlsx whose zip was checked (check_zip) as text rows, bounded."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise UnreadableFile("This .xlsx file is damaged (not a valid zip)", "file") from None
    with archive:
        book, sheets, date1904 = _workbook(archive)
        kinds = {kind: path for kind, path in _relationships(archive, book).values()}
        budget = _Budget()
        strings = _shared_strings(archive, kinds.get("sharedStrings"), budget)
        dates = _date_styles(archive, kinds.get("styles"))
        epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
        reader = _SheetReader(strings, dates, epoch, budget)
        _parse(archive, sheets[pick_sheet([n for n, _ in sheets])][1], reader.start, reader.end, reader.text)
    return Table("xlsx", reader.rows, reader.numbers)
