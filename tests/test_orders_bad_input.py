"""Bad order files get a clear 4xx and write nothing; Excel's encodings and .xlsx files import."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
import xlrd  # type: ignore[import-untyped]
from litestar.testing import TestClient

from conftest import bearer
from test_orders_import import SAMPLES, upload_bytes

LCSC_HEADER = (
    "LCSC Part Number,Manufacture Part Number,Manufacturer,Customer NO.,Package,Description,RoHS,Order Qty.,"
    "Min\\Mult Order Qty.,Unit Price($),Order Price($)"
)


def nothing_written(client: TestClient[Any], token: str) -> None:
    counts = client.get("/api/utility/get_counts", headers=bearer(token)).json()["data"]
    assert counts["parts"] == 0
    assert client.get("/api/orders", headers=bearer(token)).json()["total_parts"] == 0


def xlsx_bytes(rows: list[list[Any]], sheet: str = "Order Details") -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_results(xlsx: bytes, results: dict[str, tuple[str, str]]) -> bytes:
    """The workbook as a spreadsheet program saves it: each formula cell named here with its result."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, (kind, value) in results.items():
                    cell = re.search(rf'<c r="{ref}"[^>]*>(<f>.*?</f>)<v ?/>', text)
                    assert cell is not None, ref
                    text = text.replace(cell.group(0), f'<c r="{ref}" t="{kind}">{cell.group(1)}<v>{value}</v>')
                data = text.encode()
            dst.writestr(info, data)
    return out.getvalue()


def mouser_rows() -> list[list[Any]]:
    book = xlrd.open_workbook(str(SAMPLES / "271360826.xls"))
    sheet = book.sheet_by_index(0)
    return [[c.value for c in sheet.row(r)] for r in range(sheet.nrows)]


@pytest.mark.parametrize(
    ("name", "content", "status", "words"),
    [
        ("order.pdf", b"%PDF-1.4 not an order", 415, "Unknown format"),
        ("order.csv", bytes(range(256)) * 40, 415, "not a CSV text file"),
        ("order.csv", b"", 422, "empty"),
        ("order.csv", b"   \n\n", 422, "empty"),
        ("order.csv", b"foo,bar,baz\n1,2,3\n", 422, "No recognisable header"),
        ("order.xls", b"LCSC Part Number,Order Qty.\nC1,5\n", 422, "not a spreadsheet"),
        ("order.xlsx", b"PK\x03\x04 broken zip", 422, "damaged"),
        ("order.csv", (LCSC_HEADER + "\n").encode(), 422, "No parts found"),
    ],
)
@pytest.mark.shared_app  # refused: writes nothing (nothing_written checks)
def test_unreadable_files_are_refused_clearly(
    client: TestClient[Any], admin_token: str, name: str, content: bytes, status: int, words: str
) -> None:
    response = upload_bytes(client, admin_token, name, content)
    assert response.status_code == status, response.text
    assert words in response.json()["message"]
    nothing_written(client, admin_token)


@pytest.mark.shared_app  # refused: writes nothing (nothing_written checks)
def test_spreadsheet_without_a_header_is_refused(client: TestClient[Any], admin_token: str) -> None:
    response = upload_bytes(client, admin_token, "x.xlsx", xlsx_bytes([["a", "b"], [1, 2]], sheet="Sheet1"))
    assert response.status_code == 422 and "No recognisable header" in response.json()["message"]
    nothing_written(client, admin_token)


@pytest.mark.shared_app  # refused: writes nothing (nothing_written checks)
def test_file_over_the_limit_is_413(client: TestClient[Any], admin_token: str) -> None:
    big = (LCSC_HEADER + "\n").encode() + b"C1,X,Y,,0603,d,YES,1,1\\1,0.1,0.1\n" * 320_000
    assert len(big) > 10_000_000
    response = upload_bytes(client, admin_token, "big.csv", big)
    assert response.status_code == 413 and "10 MB" in response.json()["message"]
    nothing_written(client, admin_token)


@pytest.mark.shared_app  # refused: writes nothing (nothing_written checks)
def test_a_row_with_a_non_numeric_quantity_refuses_the_file_naming_the_row(
    client: TestClient[Any], admin_token: str
) -> None:
    body = (
        f"{LCSC_HEADER}\nC1,R1,Y,,0603,res,YES,100,1\\1,0.1,10\nC2,R2,Y,,0603,res,YES,ten,1\\1,0.1,1\n"
        "C3,R3,Y,,0603,res,YES,5,1\\1,abc,1\n"
    )
    response = upload_bytes(client, admin_token, "bad.csv", body.encode())
    assert response.status_code == 422
    answer = response.json()
    assert "row 3" in answer["message"] and "quantity 'ten' is not a number" in answer["message"]
    assert answer["data"]["failed_items"] == [
        {"row": 3, "reason": "C2: quantity 'ten' is not a number"},
        {"row": 4, "reason": "C3: unit price 'abc' is not a price"},
    ]
    nothing_written(client, admin_token)


def test_formula_cells_are_text_never_evaluated(client: TestClient[Any], admin_token: str) -> None:
    rows = mouser_rows()[:3]
    rows[1][8] = '=HYPERLINK("http://evil.example/x","click")'
    response = upload_bytes(client, admin_token, "mouser.xlsx", xlsx_bytes(rows))
    assert response.status_code == 200, response.text
    part_id = response.json()["data"]["created_part_ids"][0]
    part = client.get(f"/api/parts/get_part?part_id={part_id}", headers=bearer(admin_token)).json()["data"]
    assert part["description"] == '=HYPERLINK("http://evil.example/x","click")'
    # A formula where a number belongs is not a number.
    rows = mouser_rows()[:2]
    rows[1][10] = "=2+3"
    bad = upload_bytes(client, admin_token, "mouser2.xlsx", xlsx_bytes(rows))
    assert bad.status_code == 422 and "quantity '=2+3' is not a number" in bad.json()["message"]
    csv_formula = f"{LCSC_HEADER}\nC9,=cmd|' /C calc'!A0,Y,,0603,\"=1+1\",YES,5,1\\1,0.1,0.5\n"
    done = upload_bytes(client, admin_token, "f.csv", csv_formula.encode())
    assert done.status_code == 200
    part = client.get("/api/parts/get_part?part_number=C9", headers=bearer(admin_token)).json()["data"]
    assert part["description"] == "=1+1" and part["manufacturer_part_number"] == "=cmd|' /C calc'!A0"


def test_a_formula_saved_with_its_result_reads_as_that_result(client: TestClient[Any], admin_token: str) -> None:
    """What the person saw in the spreadsheet (a computed quantity, a link's text) is what imports."""
    rows = mouser_rows()[:2]
    rows[1][10] = "=2+3"
    rows[1][8] = '=HYPERLINK("http://evil.example/x","click")'
    rows[1][9] = '=IF(K2>10,"bulk","")'  # a text result that is empty: read as empty, not as the formula
    saved = _with_results(xlsx_bytes(rows), {"I2": ("str", "click"), "J2": ("str", ""), "K2": ("n", "5")})
    done = upload_bytes(client, admin_token, "mouser.xlsx", saved)
    assert done.status_code == 200, done.text
    part_id = done.json()["data"]["created_part_ids"][0]
    part = client.get(f"/api/parts/get_part?part_id={part_id}", headers=bearer(admin_token)).json()["data"]
    assert part["description"] == "click" and part["quantity"] == 5
    assert "=IF" not in str(part) and "bulk" not in str(part)


@pytest.mark.shared_app  # refused: writes nothing (nothing_written checks)
def test_zip_bomb_disguised_as_xlsx_is_refused_before_opening(client: TestClient[Any], admin_token: str) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 60_000_000)
    assert len(out.getvalue()) < 200_000
    response = upload_bytes(client, admin_token, "order.xlsx", out.getvalue())
    assert response.status_code == 413 and "unpack to 60 MB" in response.json()["message"]
    small = io.BytesIO()
    with zipfile.ZipFile(small, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<x/>" * 1_000_000)
    response = upload_bytes(client, admin_token, "order.xlsx", small.getvalue())
    assert response.status_code == 413 and "compressed suspiciously well" in response.json()["message"]
    nothing_written(client, admin_token)


def test_mouser_xlsx_imports_with_order_number_and_date(client: TestClient[Any], admin_token: str) -> None:
    response = upload_bytes(client, admin_token, "export.xlsx", xlsx_bytes(mouser_rows()))
    assert response.status_code == 200, response.text
    result = response.json()["data"]
    assert (result["supplier"], result["order_number"], result["created_count"]) == ("mouser", "271360826", 9)


def test_utf16_and_cp1252_csv_as_excel_writes_them(client: TestClient[Any], admin_token: str) -> None:
    text = (SAMPLES / "LCSC_Exported__20241222_232708.csv").read_text(encoding="utf-8")
    # Excel's "Unicode Text": UTF-16 with a BOM, tab-separated.
    import csv

    rows = list(csv.reader(io.StringIO(text)))
    tabbed = "\r\n".join("\t".join(r) for r in rows) + "\r\n"
    response = upload_bytes(client, admin_token, "LCSC_Exported__20241222_232708.txt", tabbed.encode("utf-16"))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["created_count"] == 5
    part = client.get("/api/parts/get_part?part_number=C7442639", headers=bearer(admin_token)).json()["data"]
    assert "±20%" in part["description"] and part["quantity"] == 50
    line = "C25804,0402WGF1002TCE,UNI-ROYAL,,0402,10kΩ ±1% résistance,YES,100,100\\100,0.0004,0.04"
    body = f"{LCSC_HEADER}\r\n{line}\r\n"
    response = upload_bytes(client, admin_token, "win.csv", body.encode("cp1252", errors="replace"))
    assert response.status_code == 200, response.text
    part = client.get("/api/parts/get_part?part_number=C25804", headers=bearer(admin_token)).json()["data"]
    assert "±1% résistance" in part["description"]


@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "nan", "Infinity"])
@pytest.mark.shared_app  # refused: writes nothing (nothing_written checks)
def test_a_quantity_that_is_no_finite_number_is_a_row_error(
    client: TestClient[Any], admin_token: str, value: str
) -> None:
    body = f"{LCSC_HEADER}\nC1,R1,Y,,0603,res,YES,100,1\\1,0.1,10\nC2,R2,Y,,0603,res,YES,{value},1\\1,0.1,1\n"
    response = upload_bytes(client, admin_token, "inf.csv", body.encode())
    assert response.status_code == 422, response.text
    assert response.json()["data"]["failed_items"] == [{"row": 3, "reason": f"C2: quantity '{value}' is not a number"}]
    nothing_written(client, admin_token)
