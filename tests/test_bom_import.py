"""BOM import on the demo bench: KiCad, JLCPCB and MPN-list files, preview, replace, pin, and bad input."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar.testing import TestClient
from openpyxl import Workbook

from bom_support import bench, bench_services, bh, by_designator, fixture_bytes, new_project, upload
from inventory_helpers import add_part
from test_orders_import import SAMPLES

__all__ = ["bench", "bench_services", "bh"]  # module-scoped fixtures used by name


def _lines(client: TestClient[Any], h: dict[str, str], project_id: str) -> dict[str, Any]:
    response = client.get(f"/api/projects/{project_id}/bom", headers=h)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def test_kicad_default_export_imports_and_matches_with_reasons(bench: TestClient[Any], bh: dict[str, str]) -> None:
    project = new_project(bench, bh, "Clock board")
    response = upload(bench, bh, project, fixture_bytes("kicad_default.csv"), "clock.csv")
    body = response.json()
    assert response.status_code == 200, body
    result = body["data"]
    assert result["file_format"] == "kicad" and result["preview"] is False
    assert (result["line_count"], result["matched"], result["unmatched"], result["dnp"]) == (14, 9, 4, 1)
    assert body["message"] == "KiCad BOM: 14 lines, 9 matched, 4 unmatched, 1 do not place"

    lines = by_designator(_lines(bench, bh, project)["lines"])
    caps = lines["C1"]
    assert caps["designators"] == ["C1", "C2", "C3", "C4"] and caps["quantity_per_board"] == 4
    assert caps["part_name"] == "100nF 0603 50V X7R capacitor"
    assert caps["match_reason"].startswith("same value and package (100 nF 0603 capacitor)")
    assert caps["rule"] == {"kind": "capacitor", "value": 1e-07, "unit": "F", "package": "0603"}
    assert lines["R3"]["part_name"] == "4.7kΩ 0603 1% resistor"  # "4k7"
    assert lines["R7"]["part_name"] == "R-10K-5%"  # 10k in 0805: not the 0603 one
    assert lines["Q1"]["match_reason"].startswith("the value AO3400A is this part's manufacturer part number")
    assert lines["R5"]["dnp"] is True and lines["R5"]["part_id"] is None
    assert lines["R5"]["match_reason"].startswith("Do not place")
    assert lines["R6"]["part_id"] is None
    assert lines["R6"]["match_reason"] == "Unmatched: no 47 kΩ 0603 resistor on the shelf"
    assert lines["Y1"]["part_id"] is None and "16MHz" in lines["Y1"]["match_reason"]
    assert "'16MHz' is not a value to match by (only resistors, capacitors" in lines["Y1"]["match_reason"]


def test_jlcpcb_bom_matches_by_lcsc_number_first(bench: TestClient[Any], bh: dict[str, str]) -> None:
    project = new_project(bench, bh, "JLC board")
    result = upload(bench, bh, project, fixture_bytes("jlcpcb_bom.csv"), "BOM_jlc.csv").json()["data"]
    assert result["file_format"] == "jlcpcb" and result["matched"] == 7 and result["unmatched"] == 1
    lines = by_designator(_lines(bench, bh, project)["lines"])
    assert lines["R1"]["supplier_numbers"] == {"lcsc": "C25804"}
    assert lines["R1"]["match_reason"] == "LCSC C25804 is this part's supplier number: 10kΩ 0603 1% resistor"
    assert lines["R5"]["match_reason"].startswith("same value and package (4.7 kΩ 0603 resistor)")  # no C-number
    assert lines["TP1"]["part_id"] is None
    assert lines["TP1"]["match_reason"].startswith("Unmatched: '?' is not a value to match by")


def test_kicad_with_mpn_and_lcsc_columns_and_ratings(bench: TestClient[Any], bh: dict[str, str]) -> None:
    project = new_project(bench, bh, "USB serial")
    result = upload(bench, bh, project, fixture_bytes("kicad_mpn_lcsc.csv")).json()["data"]
    lines = {line["designators"][0]: line for line in result["lines"]}
    assert lines["U1"]["match"]["how"] == "supplier_number"
    assert lines["D1"]["match"]["how"] == "mpn" and lines["D1"]["manufacturer"] == "Changjiang"
    assert lines["C1"]["match"]["how"] == "parametric"  # 100nF 50V: the 50 V part does
    # 1uF 100V: the shelf's 1 µF is rated 50 V, below the BOM's 100 V: unmatched, said why
    assert lines["C3"]["match"]["part_id"] is None
    assert "voltage rating 50 V, the BOM asks 100 V" in lines["C3"]["match"]["reason"]
    assert lines["U3"]["match"]["part_id"] is None and "LM1117IMPX-3.3/NOPB" in lines["U3"]["match"]["reason"]


def test_mpn_list_and_cp1252_file(bench: TestClient[Any], bh: dict[str, str]) -> None:
    project = new_project(bench, bh, "Timer")
    result = upload(bench, bh, project, fixture_bytes("mpn_list.csv")).json()["data"]
    assert result["file_format"] == "mpn_list" and result["matched"] == 3
    assert result["lines"][3]["match"]["reason"] == "Unmatched: no part on the shelf has MPN XYZ-NOT-STOCKED"
    latin = upload(bench, bh, project, fixture_bytes("kicad_cp1252.csv")).json()["data"]
    values = [line["value"] for line in latin["lines"]]
    assert values[:2] == ["1µF", "100µF 25V"] and latin["lines"][0]["match"]["how"] == "parametric"
    assert latin["lines"][3]["match"]["part_id"] is not None  # "10k ±1%": the 1% part


def test_preview_writes_nothing_and_reimport_replaces_in_one_step(bench: TestClient[Any], bh: dict[str, str]) -> None:
    project = new_project(bench, bh, "Replace me")
    preview = upload(bench, bh, project, fixture_bytes("mpn_list.csv"), preview=True).json()
    assert preview["data"]["preview"] is True and "nothing was written" in preview["message"]
    assert _lines(bench, bh, project)["line_count"] == 0
    upload(bench, bh, project, fixture_bytes("mpn_list.csv"))
    assert _lines(bench, bh, project)["line_count"] == 4
    again = upload(bench, bh, project, fixture_bytes("jlcpcb_bom.csv")).json()
    assert again["data"]["replaced"] == 4 and "replaced the project's 4 earlier lines" in again["message"]
    assert _lines(bench, bh, project)["line_count"] == 8


def test_pin_a_line_and_unpin_it(bench: TestClient[Any], bh: dict[str, str]) -> None:
    project = new_project(bench, bh, "Pinned")
    upload(bench, bh, project, fixture_bytes("kicad_default.csv"))
    lines = by_designator(_lines(bench, bh, project)["lines"])
    other = add_part(bench, bh, "47k 0603 resistor from the junk box", quantity=12)
    line_id = lines["R6"]["id"]
    pinned = bench.put(f"/api/projects/{project}/bom/lines/{line_id}", json={"part_id": other["id"]}, headers=bh)
    assert pinned.status_code == 200, pinned.text
    assert pinned.json()["data"]["pinned_part_id"] == other["id"] and pinned.json()["data"]["part_id"] == other["id"]
    assert by_designator(_lines(bench, bh, project)["lines"])["R6"]["match_reason"].startswith("Pinned by hand")
    # Importing the same BOM again keeps the pin of a line that comes again unchanged.
    again = upload(bench, bh, project, fixture_bytes("kicad_default.csv")).json()["data"]
    assert by_designator(again["lines"])["R6"]["match"]["how"] == "pinned"
    kept = by_designator(_lines(bench, bh, project)["lines"])["R6"]
    assert kept["pinned_part_id"] == other["id"] and kept["part_id"] == other["id"]
    line_id = kept["id"]
    unpinned = bench.put(f"/api/projects/{project}/bom/lines/{line_id}", json={"part_id": None}, headers=bh).json()
    assert unpinned["data"]["part_id"] is None and unpinned["data"]["match_reason"].startswith("Unmatched")
    missing = bench.put(f"/api/projects/{project}/bom/lines/{line_id}", json={"part_id": "nope"}, headers=bh)
    assert missing.status_code == 404
    assert bench.put(f"/api/projects/{project}/bom/lines/999999", json={"part_id": None}, headers=bh).status_code == 404


def test_deleting_a_matched_part_keeps_the_line_unmatched_in_words(bench: TestClient[Any], bh: dict[str, str]) -> None:
    project = new_project(bench, bh, "Loses a part")
    part = add_part(bench, bh, "Odd 3.3uH 1210 inductor", quantity=5, category_names=["Inductor"],
                    additional_properties={"inductance": "3.3uH", "package": "1210"})  # fmt: skip
    content = b'"Reference","Value","Footprint","Qty"\n"L1","3.3uH","Inductor_SMD:L_1210_3225Metric","1"\n'
    result = upload(bench, bh, project, content).json()["data"]
    assert result["lines"][0]["match"]["part_id"] == part["id"]
    assert bench.delete(f"/api/parts/delete_part?part_id={part['id']}", headers=bh).status_code == 200
    line = _lines(bench, bh, project)["lines"][0]
    assert line["part_id"] is None and line["designators"] == ["L1"]
    assert line["match_reason"] == "Unmatched: the part it was matched to (Odd 3.3uH 1210 inductor) was deleted"


def _refused(bench: TestClient[Any], bh: dict[str, str], project: str, content: bytes, filename: str = "b.csv") -> Any:
    before = _lines(bench, bh, project)["line_count"]
    response = upload(bench, bh, project, content, filename)
    assert _lines(bench, bh, project)["line_count"] == before  # nothing changed
    return response


def test_bad_rows_refuse_the_whole_file_naming_each(bench: TestClient[Any], bh: dict[str, str]) -> None:
    project = new_project(bench, bh, "Bad rows")
    upload(bench, bh, project, fixture_bytes("mpn_list.csv"))
    bad = (
        b"Reference,Value,Footprint,Qty\n"
        b'"R1,R2",10k,R_0603,2\n'
        b"R3,10k,R_0603,-1\n"
        b"R4,10k,R_0603,1.5\n"
        b'"R5,R1",1k,R_0603,2\n'
        b'"R6,R7",1k,R_0603,3\n'
    )
    response = _refused(bench, bh, project, bad)
    assert response.status_code == 422
    assert response.json()["data"]["failed_items"] == [
        {"row": 3, "reason": "quantity -1 is negative"},
        {"row": 4, "reason": "quantity 1.5 is not a whole number (a board takes whole parts)"},
        {"row": 5, "reason": "designator R1 is also on row 2"},
        {"row": 6, "reason": "quantity 3 but 2 designators (R6, R7)"},
    ]
    assert "nothing was imported" in response.json()["message"]


def test_a_supplier_order_file_sent_as_a_bom_is_named_as_one(bench: TestClient[Any], bh: dict[str, str]) -> None:
    """DigiKey's order export reads as an MPN and quantity list up to its Subtotal row: say what the file is."""
    project = new_project(bench, bh, "Relay board")
    order = SAMPLES / "DK_PRODUCTS_86409460.csv"
    response = _refused(bench, bh, project, order.read_bytes(), order.name)
    assert response.status_code == 422
    assert response.json()["message"] == (
        "1 row of this MPN and quantity list cannot be read; nothing was imported. This looks like a DigiKey "
        "order file: order files are imported on the Import page"
    )
    assert response.json()["data"]["failed_items"] == [{"row": 3, "reason": "no quantity and no designators"}]


def test_unknown_files_are_refused_naming_what_to_export(bench: TestClient[Any], bh: dict[str, str]) -> None:
    project = new_project(bench, bh, "Unknown files")
    response = _refused(bench, bh, project, b"Name,Price\nfoo,1\n")
    assert response.status_code == 415 and "KiCad" in response.json()["message"]
    assert "Comment, Designator, Footprint, LCSC Part #" in response.json()["message"]
    picture = _refused(bench, bh, project, b"\x89PNG\r\n\x1a\n", "board.png")
    assert picture.status_code == 415 and "not BOMs" in picture.json()["message"]
    assert upload(bench, bh, "no-such-project", fixture_bytes("mpn_list.csv")).status_code == 404
    no_file = bench.post(f"/api/projects/{project}/bom", files={"other": ("a.csv", b"x")}, headers=bh)
    assert no_file.status_code == 422
    assert no_file.json()["message"] == "file: Send the BOM file as the multipart field 'file'"


def test_ten_thousand_lines_are_over_the_cap(bench: TestClient[Any], bh: dict[str, str]) -> None:
    project = new_project(bench, bh, "Huge")
    rows = b"".join(b"R%d,10k,R_0603,1\n" % i for i in range(1, 10_001))
    response = _refused(bench, bh, project, b"Reference,Value,Footprint,Qty\n" + rows)
    assert response.status_code == 422
    assert response.json()["message"] == (
        "file: The BOM has 10000 lines; at most 2000 are taken (one board's BOM is far fewer)"
    )


def test_utf8_with_and_without_bom_read_the_same(bench: TestClient[Any], bh: dict[str, str]) -> None:
    project = new_project(bench, bh, "Encodings")
    text = '"Reference","Value","Footprint","Qty"\n"C1","1µF","C_0603_1608Metric","1"\n'
    plain = upload(bench, bh, project, text.encode("utf-8"), preview=True).json()["data"]
    marked = upload(bench, bh, project, b"\xef\xbb\xbf" + text.encode("utf-8"), preview=True).json()["data"]
    assert plain["lines"] == marked["lines"] and plain["lines"][0]["value"] == "1µF"
    assert plain["lines"][0]["match"]["how"] == "parametric"


def test_a_viewer_reads_a_bom_but_cannot_import(bench: TestClient[Any], bh: dict[str, str]) -> None:
    from conftest import add_user, bearer, login

    project = new_project(bench, bh, "Viewer sees")
    upload(bench, bh, project, fixture_bytes("mpn_list.csv"))
    token = bh["Authorization"].removeprefix("Bearer ")
    add_user(bench, token, "bomviewer", "viewer")
    viewer = bearer(login(bench, "bomviewer", "password-123"))
    assert bench.get(f"/api/projects/{project}/bom", headers=viewer).status_code == 200
    assert upload(bench, viewer, project, fixture_bytes("mpn_list.csv")).status_code == 403
    line_id = _lines(bench, bh, project)["lines"][0]["id"]
    pin = bench.put(f"/api/projects/{project}/bom/lines/{line_id}", json={"part_id": None}, headers=viewer)
    assert pin.status_code == 403


def test_the_demo_bench_has_a_project_with_its_bom_matched(bench: TestClient[Any], bh: dict[str, str]) -> None:
    projects = bench.get("/api/projects/", headers=bh).json()["data"]["projects"]
    demo = next(p for p in projects if p["name"] == "USB clock board")
    bom = _lines(bench, bh, demo["id"])
    assert (bom["line_count"], bom["matched"], bom["unmatched"]) == (16, 14, 1)
    lines = by_designator(bom["lines"])
    assert lines["R5"]["match_reason"].startswith("LCSC C23186 is this part's supplier number")
    assert lines["R3"]["part_name"] == "4.7kΩ 0603 1% resistor"
    assert lines["U1"]["part_name"] == "ATmega328P-AU microcontroller TQFP-32"
    assert lines["R7"]["part_id"] is None and lines["JP1"]["dnp"] is True


def test_digikey_and_mouser_numbers_match_too(bench: TestClient[Any], bh: dict[str, str]) -> None:
    project = new_project(bench, bh, "Distributor numbers")
    dk = add_part(bench, bh, "Timer from DigiKey", part_number="296-1411-5-ND", quantity=4)
    mouser = add_part(bench, bh, "Op-amp from Mouser", part_number="595-LM358DR", quantity=2)
    content = (
        b"Reference,Value,Footprint,Qty,Digi-Key Part Number,Mouser Part Number\n"
        b"U1,NE555,DIP-8,1,296-1411-5-ND,\n"
        b"U2,LM358,SOIC-8,1,,595-LM358DR\n"
    )
    lines = upload(bench, bh, project, content).json()["data"]["lines"]
    assert lines[0]["supplier_numbers"] == {"digikey": "296-1411-5-ND"}
    assert lines[0]["match"]["part_id"] == dk["id"]
    assert lines[0]["match"]["reason"] == "DigiKey 296-1411-5-ND is this part's supplier number: Timer from DigiKey"
    assert lines[1]["match"]["part_id"] == mouser["id"]


def test_a_line_with_hundreds_of_designators(bench: TestClient[Any], bh: dict[str, str]) -> None:
    project = new_project(bench, bh, "Decoupling")
    refs = ",".join(f"C{i}" for i in range(1, 301))
    content = f'Reference,Value,Footprint,Qty\n"{refs}",100nF,C_0603_1608Metric,300\n'.encode()
    line = upload(bench, bh, project, content, preview=True).json()["data"]["lines"][0]
    assert line["quantity_per_board"] == 300 and line["designators"][-1] == "C300"
    ranged = b"Reference,Value,Footprint\nR1-R4,10k,R_0603_1608Metric\n"
    line = upload(bench, bh, project, ranged, preview=True).json()["data"]["lines"][0]
    assert line["designators"] == ["R1", "R2", "R3", "R4"] and line["quantity_per_board"] == 4


def test_an_oversized_file_is_refused(bench: TestClient[Any], bh: dict[str, str]) -> None:
    project = new_project(bench, bh, "Oversized")
    content = b"Reference,Value,Footprint,Qty\n" + b"#" * 2_100_000
    response = _refused(bench, bh, project, content)
    assert response.status_code == 413
    assert response.json()["message"] == "The file is over 2 MB; a board's BOM is far smaller"


def test_a_bom_saved_as_xlsx_reads_as_its_csv(bench: TestClient[Any], bh: dict[str, str]) -> None:
    """The same KiCad BOM opened in a spreadsheet and saved as .xlsx: the same lines and matches."""
    text = fixture_bytes("kicad_default.csv").decode("utf-8-sig")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in csv.reader(io.StringIO(text)):
        sheet.append([int(c) if c.isdigit() else c for c in row])  # a spreadsheet keeps counts as numbers
    saved = io.BytesIO()
    book.save(saved)
    project = new_project(bench, bh, "Spreadsheet board")
    from_csv = upload(bench, bh, project, text.encode("utf-8"), "clock.csv", preview=True).json()["data"]
    from_xlsx = upload(bench, bh, project, saved.getvalue(), "clock.xlsx", preview=True)
    assert from_xlsx.status_code == 200, from_xlsx.text
    got = from_xlsx.json()["data"]
    assert got["file_format"] == "kicad" and got["line_count"] == from_csv["line_count"] == 14
    assert got["lines"] == from_csv["lines"]
