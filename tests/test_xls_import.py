"""Old Excel (.xls, BIFF8) files end to end: a BOM and supplier orders read as their CSV, typed cells, damage.

The files are real .xls workbooks written by xlwt, as Excel 97-2003 saves them: a CSV opened in a
spreadsheet keeps numbers as numbers (10 is the float 10.0 in BIFF), "$0.80" as a currency number and
"13-Aug-24" as a date cell, so these are what a person's re-saved order or BOM holds. The real Mouser
.xls exports (all text cells) are imported by test_orders_import.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Sequence
from typing import Any

import pytest
import xlrd  # type: ignore[import-untyped]
import xlwt  # type: ignore[import-untyped]
from litestar.testing import TestClient
from msoffcrypto.format.ooxml import OOXMLFile  # type: ignore[import-untyped]

from bom_support import bench, bench_services, bh, fixture_bytes, new_project, upload
from conftest import bearer
from test_orders_bad_input import nothing_written, xlsx_bytes
from test_orders_import import SAMPLES, upload_bytes

__all__ = ["bench", "bench_services", "bh"]  # module-scoped fixtures used by name

Sheet = tuple[str, Sequence[Sequence[Any]]]
_DATE = xlwt.easyxf(num_format_str="DD-MMM-YY")
_MONTHS = ("%d-%b-%y", "%d-%b-%Y")
DAMAGED = (
    "file: This .xls file is damaged or incomplete, so it cannot be read. Download or export it again, "
    "or open it in a spreadsheet program and save it again"
)


def xls_bytes(*sheets: Sheet, mac_dates: bool = False) -> bytes:
    """A BIFF8 workbook; None leaves a cell out, a date is a date cell as Excel keeps one (days from 1900,
    or from 1904 as Excel for Mac counted them)."""
    book = xlwt.Workbook(encoding="utf-8")
    book.dates_1904 = mac_dates
    for name, rows in sheets:
        ws = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    ws.write(r, c, value, _DATE)
                else:
                    ws.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    assert data.startswith(b"\xd0\xcf\x11\xe0") and xlrd.open_workbook(file_contents=data).biff_version == 80
    return data


def as_a_spreadsheet_keeps_it(cell: str) -> Any:
    """One CSV cell as Excel holds it after opening the CSV: a number, a currency number, a date or text."""
    if cell == "":
        return None
    text = cell.strip()
    if text[:1] == "0" and text[1:2].isdigit():
        return cell  # a package such as 0603: Excel would make it 603; a person types it as text
    for candidate in (text, text.removeprefix("$")):
        try:
            number = float(candidate.replace(",", "")) if candidate[:1].isdigit() else None
        except ValueError:
            number = None
        if number is not None:
            return number
    for fmt in _MONTHS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return cell


def resaved(rows: list[list[str]]) -> list[list[Any]]:
    return [[as_a_spreadsheet_keeps_it(c) for c in row] for row in rows]


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xls_sample_rows(name: str) -> list[list[str]]:
    sheet = xlrd.open_workbook(str(SAMPLES / name)).sheet_by_index(0)
    return [[str(c.value) for c in sheet.row(r)] for r in range(sheet.nrows)]


def order_of(client: TestClient[Any], token: str, response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    order_id = response.json()["data"]["order_id"]
    answer = client.get(f"/api/orders/{order_id}", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["data"])


def lines_of(order: dict[str, Any]) -> list[tuple[Any, ...]]:
    keys = ("supplier_part_number", "manufacturer_part_number", "description", "quantity_ordered")
    return [
        (*(item[k] for k in keys), round(item["unit_price"] or 0, 6), round(item["extended_price"] or 0, 6))
        for item in order["order_items"]
    ]


def quantity_of(client: TestClient[Any], token: str, part_number: str) -> int:
    answer = client.get(f"/api/parts/get_part?part_number={part_number}", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return int(answer.json()["data"]["quantity"])


# -- (1) a project BOM ---------------------------------------------------------------------------------


def test_a_kicad_bom_saved_as_xls_imports_as_its_csv(bench: TestClient[Any], bh: dict[str, str]) -> None:
    """The KiCad BOM opened in a spreadsheet and saved as Excel 97-2003: the same lines and matches as the CSV."""
    text = fixture_bytes("kicad_default.csv")
    project = new_project(bench, bh, "Old Excel board")
    from_csv = upload(bench, bh, project, text, "clock.csv", preview=True).json()["data"]
    content = xls_bytes(("clock", resaved(csv_rows(text))))
    from_xls = upload(bench, bh, project, content, "clock.xls")
    assert from_xls.status_code == 200, from_xls.text
    got = from_xls.json()["data"]
    assert got["file_format"] == "kicad" and got["preview"] is False
    assert got["line_count"] == from_csv["line_count"] == 14
    assert (got["matched"], got["unmatched"], got["dnp"]) == (from_csv["matched"], from_csv["unmatched"], 1)
    assert got["lines"] == from_csv["lines"]
    stored = bench.get(f"/api/projects/{project}/bom", headers=bh).json()["data"]["lines"]
    caps = next(line for line in stored if line["designators"][0] == "C1")
    assert caps["quantity_per_board"] == 4 and caps["rule"]["package"] == "0603"  # Qty 4.0 in the cell


def test_a_damaged_xls_bom_is_refused_in_words_and_keeps_the_bom(bench: TestClient[Any], bh: dict[str, str]) -> None:
    project = new_project(bench, bh, "Kept board")
    assert upload(bench, bh, project, fixture_bytes("kicad_default.csv"), "clock.csv").status_code == 200
    before = bench.get(f"/api/projects/{project}/bom", headers=bh).json()["data"]["lines"]
    good = xls_bytes(("clock", resaved(csv_rows(fixture_bytes("kicad_default.csv")))))
    refused = upload(bench, bh, project, good[: len(good) // 2], "clock.xls")
    assert refused.status_code == 422, refused.text
    assert refused.json()["message"] == DAMAGED
    assert bench.get(f"/api/projects/{project}/bom", headers=bh).json()["data"]["lines"] == before


# -- (2) supplier order files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "xls_name", "spn", "number"),
    [
        ("LCSC_Exported__20241222_232708.csv", "LCSC_Exported__20241222_232708.xls", "C7442639", "20241222_232708"),
        ("DK_PRODUCTS_86409460.csv", "DK_PRODUCTS_86409460.xls", "2223-SR5-3V-200-1C-ND", "86409460"),
        ("271360826.xls", "271360826.xls", "454-W25Q32JWSSIQ", "271360826"),
    ],
)
def test_an_order_resaved_as_xls_imports_as_the_suppliers_export(
    client: TestClient[Any], admin_token: str, sample: str, xls_name: str, spn: str, number: str
) -> None:
    """The supplier's export opened in Excel and saved as .xls (numbers, prices and dates typed): the same
    order, parts, quantities and prices as the export itself and as the .xlsx Excel saves of it; the export
    is then the same order again."""
    original = (SAMPLES / sample).read_bytes()
    rows = xls_sample_rows(sample) if sample.endswith(".xls") else csv_rows(original)
    sheet = "Order Details" if "Mouser #:" in rows[0] else "Sheet1"
    content = xls_bytes((sheet, resaved(rows)))
    from_xls = order_of(client, admin_token, upload_bytes(client, admin_token, xls_name, content))
    assert from_xls["order_number"] == number
    again = upload_bytes(client, admin_token, sample, original)
    assert again.status_code == 409 and number in again.json()["message"]  # the same order, whichever form
    from_export = order_of(client, admin_token, upload_bytes(client, admin_token, sample, original, force="true"))
    xlsx = upload_bytes(client, admin_token, xls_name + "x", xlsx_bytes(resaved(rows), sheet), force="true")
    from_xlsx = order_of(client, admin_token, xlsx)
    same = (from_xls["supplier"], number, from_xls["order_date"])
    for other in (from_export, from_xlsx):
        assert (other["supplier"], other["order_number"], other["order_date"]) == same
        assert lines_of(other) == lines_of(from_xls)
    assert lines_of(from_xls)
    assert quantity_of(client, admin_token, spn) == 3 * from_export["order_items"][0]["quantity_ordered"]


# -- (3) cells xlrd types differently -----------------------------------------------------------------

LCSC_COLUMNS = [
    "LCSC Part Number",
    "Manufacture Part Number",
    "Manufacturer",
    "Customer NO.",
    "Package",
    "Description",
    "RoHS",
    "Order Qty.",
    "Min\\Mult Order Qty.",
    "Unit Price($)",
    "Order Price($)",
]


def test_typed_cells_come_out_as_a_person_reads_them(client: TestClient[Any], admin_token: str) -> None:
    rows: list[list[Any]] = [
        ["LCSC order, exported 2024-12-22"],  # a title above the header
        LCSC_COLUMNS,
        ["C81598", "1N4148", "Diodes", None, "SOD-123", "switching diode", True, 10.0, "10\\10", 0.0123, 0.123],
        [],  # an empty row in the middle
        ["C2222", 2222, "CJ", 17, "SOT-23", "NPN transistor 2222", False, 3, "1\\1", 0.1, 0.3],
        [None, None, None, None, None, None, None, None, None, None, None],
        ["C9001", "100nF", "Yageo", None, "0603", dt.date(2024, 12, 22), "YES", 2500.0, "100\\100", 0.0004, 1],
    ]
    notes = [["Shipping", "DHL"], ["C1", 999]]  # a second sheet: not part of the order
    response = upload_bytes(client, admin_token, "typed.xls", xls_bytes(("Sheet1", rows), ("Notes", notes)))
    order = order_of(client, admin_token, response)
    items = {item["supplier_part_number"]: item for item in order["order_items"]}
    assert list(items) == ["C81598", "C2222", "C9001"]  # nothing from the empty rows or the second sheet
    assert items["C81598"]["quantity_ordered"] == 10 and items["C81598"]["manufacturer_part_number"] == "1N4148"
    assert items["C2222"]["manufacturer_part_number"] == "2222"  # the number 2222, not "2222.0"
    assert items["C2222"]["customer_reference"] == "17"
    assert items["C9001"]["quantity_ordered"] == 2500 and items["C9001"]["description"] == "2024-12-22"
    assert items["C9001"]["extended_price"] == pytest.approx(1.0) and items["C81598"]["unit_price"] == 0.0123
    # Excel's TRUE/FALSE read as the words a spreadsheet shows, as in an .xlsx, not as 1 and 0.
    assert items["C81598"]["properties"]["rohs"] == "TRUE" and items["C2222"]["properties"]["rohs"] == "FALSE"
    assert quantity_of(client, admin_token, "C2222") == 3
    missing = client.get("/api/parts/get_part?part_number=C1", headers=bearer(admin_token))
    assert missing.status_code == 404


def test_a_bad_row_after_empty_ones_is_named_by_its_row(client: TestClient[Any], admin_token: str) -> None:
    rows: list[list[Any]] = [
        LCSC_COLUMNS,
        ["C1", "R1", "X", None, "0603", "res", "YES", 10, "1\\1", 0.1, 1],
        [],
        [],
        ["C2", "R2", "X", None, "0603", "res", "YES", 2.5, "1\\1", 0.1, 0.25],
    ]
    response = upload_bytes(client, admin_token, "bad.xls", xls_bytes(("Sheet1", rows)))
    assert response.status_code == 422, response.text
    assert response.json()["data"]["failed_items"] == [{"row": 5, "reason": "C2: quantity '2.5' is not a whole number"}]
    nothing_written(client, admin_token)


@pytest.mark.parametrize("mac_dates", [False, True], ids=["dates from 1900", "dates from 1904"])
def test_mouser_order_details_is_read_whichever_sheet_it_is(
    client: TestClient[Any], admin_token: str, mac_dates: bool
) -> None:
    """Order Details after a cover sheet; its Order Date a date cell, counted as Windows or Mac Excel counts."""
    rows = resaved(xls_sample_rows("271360826.xls"))
    cover = [["Mouser Electronics"], ["Order 271360826"]]
    content = xls_bytes(("Summary", cover), ("Order Details", rows), mac_dates=mac_dates)
    assert xlrd.open_workbook(file_contents=content).datemode == int(mac_dates)
    order = order_of(client, admin_token, upload_bytes(client, admin_token, "271360826.xls", content))
    assert (order["order_number"], order["order_date"], len(order["order_items"])) == ("271360826", "2024-08-13", 9)
    first = order["order_items"][0]
    assert (first["quantity_ordered"], first["unit_price"], first["extended_price"]) == (3, 0.8, 2.4)


# -- (4) damaged files -----------------------------------------------------------------------------------


def _good_order() -> bytes:
    return xls_bytes(("Sheet1", resaved(csv_rows((SAMPLES / "LCSC_Exported__20241222_232708.csv").read_bytes()))))


def _password_protected(good: bytes) -> bytes:
    """The workbook with a FILEPASS record where xlwt writes its INTERFACEHDR (same size): what an
    encrypted workbook says before its encrypted records."""
    at = good.index(bytes.fromhex("e1000200b004"))
    return good[:at] + b"\x2f\x00" + good[at + 2 :]


def _damaged() -> list[tuple[str, bytes, str]]:
    good = _good_order()
    noise = random.Random(26)
    xlsx = xlsx_bytes([["LCSC Part Number", "Order Qty."], ["C1", 5]], sheet="Sheet1")
    return [
        ("cut in half", good[: len(good) // 2], DAMAGED),
        ("the real Mouser export cut short", (SAMPLES / "271360826.xls").read_bytes()[:12_000], DAMAGED),
        ("cut after its header", good[:600], DAMAGED),
        ("random bytes after the OLE2 signature", good[:8] + noise.randbytes(6000), DAMAGED),
        ("its workbook stream overwritten", good[:1536] + noise.randbytes(len(good) - 1536), DAMAGED),
        ("random bytes", noise.randbytes(6000), "file: This .xls file is not a spreadsheet Excel can open"),
        ("protected with a password", _password_protected(good), "file: This .xls file is protected with a password"),
        (".xlsx cut short, renamed .xls", xlsx[:700], "file: This .xlsx file is damaged (not a valid zip)"),
    ]


DAMAGED_FILES = _damaged()


@pytest.mark.shared_app  # refused: writes nothing (nothing_written checks)
@pytest.mark.parametrize(("what", "content", "said"), DAMAGED_FILES, ids=[w for w, _, _ in DAMAGED_FILES])
def test_a_damaged_or_locked_xls_is_refused_in_words_and_writes_nothing(
    client: TestClient[Any], admin_token: str, what: str, content: bytes, said: str
) -> None:
    response = upload_bytes(client, admin_token, "LCSC_Exported__20241222_232708.xls", content)
    assert response.status_code == 422, (what, response.text)
    assert response.json()["message"].startswith(said)  # words, never the reader's internals ("(17)")
    nothing_written(client, admin_token)


def test_a_password_protected_xlsx_is_refused_saying_so(client: TestClient[Any], admin_token: str) -> None:
    """Excel keeps a .xlsx with a password to open inside an OLE2 file, as .xls are: it is not "damaged"."""
    plain = io.BytesIO(xlsx_bytes([["LCSC Part Number", "Order Qty."], ["C1", 5]], sheet="Sheet1"))
    locked = io.BytesIO()
    OOXMLFile(plain).encrypt("bench", locked)
    response = upload_bytes(client, admin_token, "order.xlsx", locked.getvalue())
    assert response.status_code == 422, response.text
    assert response.json()["message"].startswith(
        "file: This .xlsx file is protected with a password, so it cannot be read. Open it in a spreadsheet "
        "program, remove the password and save it again"
    )
    nothing_written(client, admin_token)


def test_an_xlsx_renamed_xls_is_read_by_its_content(client: TestClient[Any], admin_token: str) -> None:
    """The format is judged by the content: an intact .xlsx named .xls imports as the .xlsx it is."""
    rows = resaved(csv_rows((SAMPLES / "LCSC_Exported__20241222_232708.csv").read_bytes()))
    saved = xlsx_bytes(rows, sheet="Sheet1")
    order = order_of(client, admin_token, upload_bytes(client, admin_token, "order.xls", saved))
    assert len(order["order_items"]) == 5 and quantity_of(client, admin_token, "C7442639") == 50
