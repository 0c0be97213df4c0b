"""Hostile spreadsheets are read within fixed caps: a 422 in words, or the real lines, never a GB of RAM.

Issue 22: a 5 KB .xlsx declaring A1:XFD1048576 with a jump to row 8 000 took the daemon to 1.1 GB
(openpyxl pads each row to the declared width), and 2 000 000 shared strings to 700 MB. The files
here are written by hand (tests/xlsx_craft.py) and the memory is measured with tracemalloc.
"""

from __future__ import annotations

import io
import random
import string
import struct
import tracemalloc
import zipfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import xlrd  # type: ignore[import-untyped]
from litestar.testing import TestClient

from conftest import bearer
from daemon_process import Daemon
from makermatrix_edge.orders.importers import parse_file
from makermatrix_edge.orders.importers.base import UnreadableFile
from makermatrix_edge.orders.importers.xls import check_records, read_xls
from test_memory_daemon import PeakRss
from xlsx_craft import MOUSER_HEADER, crafted_xlsx, dimension_bomb, mouser_line, shared_strings_bomb, sheet_xml

MB = 1024**2
PASSWORD = "sheets-admin-pw-1"


def peak_of(work: Callable[[], Any]) -> tuple[Any, int]:
    """What `work` returns or raises, and the most memory Python held for it at once."""
    tracemalloc.start()
    try:
        try:
            result: Any = work()
        except Exception as exc:
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def parse(content: bytes) -> Any:
    return parse_file(content, "order.xlsx", supplier_hint=None, max_unpacked=50_000_000)


def preview(client: TestClient[Any], token: str, content: bytes) -> Any:
    files = {"file": ("order.xlsx", content)}
    return client.post("/api/import/preview", files=files, headers=bearer(token))


def test_the_issues_dimension_bomb_reads_its_two_lines_in_little_memory(
    client: TestClient[Any], admin_token: str
) -> None:
    content = dimension_bomb(8_000)
    assert len(content) < 5_000
    parsed, peak = peak_of(lambda: parse(content))
    assert [line.row for line in parsed.lines] == [2, 8_000]
    assert peak < 5 * MB, f"{peak / MB:.0f} MB"
    answer = preview(client, admin_token, content)
    assert answer.status_code == 200, answer.text
    assert [r["row"] for r in answer.json()["data"]["rows"]] == [2, 8_000]


def test_a_jump_past_the_row_cap_is_a_422_in_words(client: TestClient[Any], admin_token: str) -> None:
    content = dimension_bomb(1_048_576)
    error, peak = peak_of(lambda: parse(content))
    assert isinstance(error, UnreadableFile) and peak < 5 * MB
    answer = preview(client, admin_token, content)
    assert answer.status_code == 422
    assert "more than 100,000 rows" in answer.json()["message"]


@pytest.mark.slow
def test_two_million_shared_strings_are_refused_before_they_are_kept(client: TestClient[Any], admin_token: str) -> None:
    content = shared_strings_bomb(2_000_000)
    error, peak = peak_of(lambda: parse(content))
    assert isinstance(error, UnreadableFile), error
    assert peak < 16 * MB, f"{peak / MB:.0f} MB"
    answer = preview(client, admin_token, content)
    assert answer.status_code == 422
    assert "more than 100,000 shared strings" in answer.json()["message"]


@pytest.mark.slow
def test_cells_far_right_are_not_read_and_too_many_cells_are_refused() -> None:
    wide = "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(3, 50_000))
    base = sheet_xml({1: list(MOUSER_HEADER), 2: mouser_line(1)}, None)
    sheet = base.replace("</sheetData>", wide + "</sheetData>")
    parsed, peak = peak_of(lambda: parse(crafted_xlsx({}, sheet=sheet)))
    assert [line.row for line in parsed.lines] == [2] and peak < 5 * MB
    full = {r: [f"x{r}-{c}" for c in range(64)] for r in range(1, 3_200)}  # 204 736 cells
    error, peak = peak_of(lambda: parse(crafted_xlsx(full)))
    assert isinstance(error, UnreadableFile) and "more than 200,000 cells" in error.message
    assert peak < 30 * MB, f"{peak / MB:.0f} MB"


def test_a_long_cell_is_kept_to_its_first_4000_characters() -> None:
    rows: dict[int, list[str | int | float]] = {1: list(MOUSER_HEADER), 2: mouser_line(1)}
    long = "".join(random.Random(22).choices(string.ascii_letters, k=3_000_000))  # does not zip 100:1
    rows[2][4] = long
    parsed, peak = peak_of(lambda: parse(crafted_xlsx(rows)))
    assert parsed.lines[0].description == long[:4000]
    assert peak < 12 * MB, f"{peak / MB:.0f} MB"  # the 3 MB of XML text is never one string
    # 1 100 strings of 4 000 characters: more text in all than the 4 000 000 characters kept.
    pieces = (long[i * 2_000 : i * 2_000 + 4_000] for i in range(1_100))
    error, peak = peak_of(lambda: parse(crafted_xlsx(rows, shared_strings=pieces)))
    assert isinstance(error, UnreadableFile) and "more than 4,000,000 characters of text" in error.message


def test_an_xml_doctype_is_refused_so_no_entity_expands() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c>'
        "</row></sheetData></worksheet>"
    )
    error = parse_or_error(crafted_xlsx({}, sheet=laughs))
    assert isinstance(error, UnreadableFile) and "DOCTYPE" in error.message


def test_a_damaged_or_encrypted_sheet_is_a_422_in_words(client: TestClient[Any], admin_token: str) -> None:
    content = bytearray(dimension_bomb(8_000))
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    content[start : start + 40] = bytes(40)  # the deflate stream's first bytes gone
    answer = preview(client, admin_token, bytes(content))
    assert answer.status_code == 422 and "damaged" in answer.json()["message"], answer.text
    encrypted = bytearray(dimension_bomb(8_000))
    for offset in (info.header_offset + 6, encrypted.rindex(b"xl/worksheets/sheet1.xml") - 46 + 8):
        encrypted[offset] |= 1  # the "encrypted" flag in the local and the central header
    answer = preview(client, admin_token, bytes(encrypted))
    assert answer.status_code == 422 and "encrypted or damaged" in answer.json()["message"], answer.text


def parse_or_error(content: bytes) -> Any:
    try:
        return parse(content)
    except UnreadableFile as exc:
        return exc


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# -- .xls: the BIFF record stream -------------------------------------------------------------
def record(code: int, data: bytes) -> bytes:
    return struct.pack("<HH", code, len(data)) + data


BOF_GLOBALS = record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 1997, 0, 0x0600))
BOF_SHEET = record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 1997, 0, 0x0600))
EOF = record(0x000A, b"")
XF = record(0x00E0, bytes(20))


@pytest.mark.slow
def test_xls_records_past_the_caps_are_refused_before_xlrd_builds_them() -> None:
    many_formats = BOF_GLOBALS + XF * 50_000 + EOF  # 1.2 MB of cell formats, a dozen objects each to xlrd
    _, xlrd_peak = peak_of(lambda: xlrd.open_workbook(file_contents=many_formats))
    assert xlrd_peak > 25 * MB, f"xlrd alone: {xlrd_peak / MB:.0f} MB"  # what the check prevents
    error, peak = peak_of(lambda: read_xls(many_formats))
    assert isinstance(error, UnreadableFile) and "more than 20,000 formats" in error.message
    assert peak < 5 * MB, f"{peak / MB:.0f} MB"

    sst = record(0x00FC, struct.pack("<ii", 2_000_000, 2_000_000))
    with pytest.raises(UnreadableFile, match="more than 100,000 shared strings"):
        check_records(BOF_GLOBALS + sst + EOF, 0, len(BOF_GLOBALS + sst + EOF))
    # One number far right on each of 1 000 rows: 256 000 cells once the rows are filled out.
    far = b"".join(record(0x0203, struct.pack("<HHHd", r, 255, 15, 1.0)) for r in range(1_000))
    stream = BOF_GLOBALS + EOF + BOF_SHEET + far + EOF
    with pytest.raises(UnreadableFile, match="more than 200,000 cells"):
        check_records(stream, 0, len(stream))
    # MULRK: one record, many cells (its last column is its last two bytes).
    mulrk = record(0x00BD, struct.pack("<HH", 0, 0) + bytes(6) * 3 + struct.pack("<H", 2))
    row_of_three = BOF_GLOBALS + EOF + BOF_SHEET + mulrk + EOF
    check_records(row_of_three, 0, len(row_of_three))


# -- the real daemon, four hostile uploads at once ----------------------------------------------
@pytest.mark.daemon
def test_four_hostile_spreadsheets_at_once_keep_the_daemon_under_300_mb(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path / "data", env={"MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD})
    try:
        daemon.wait_healthy(30)
        login = httpx.post(daemon.url + "/api/auth/login", json={"username": "admin", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        process = psutil.Process(daemon.proc.pid)
        idle = process.memory_info().rss
        bombs = [dimension_bomb(8_000), shared_strings_bomb(2_000_000)]

        def post(i: int) -> int:
            files = {"file": ("order.xlsx", bombs[i % 2])}
            return httpx.post(daemon.url + "/api/import/preview", files=files, headers=headers, timeout=300).status_code

        sampler = PeakRss(process)
        with ThreadPoolExecutor(4) as pool:
            answers = Counter(pool.map(post, range(8)))
        peak = sampler.stop()
        after = process.memory_info().rss
        assert answers == {200: 4, 422: 4}, answers
        assert peak < 300 * MB, f"peak RSS {peak / MB:.0f} MB (idle {idle / MB:.0f} MB)"
        assert after < idle + 60 * MB, f"RSS {after / MB:.0f} MB after, {idle / MB:.0f} MB idle"
    finally:
        daemon.stop()
