"""Order-file import over /api/import: every real sample file, repeats, known parts, orders, part history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app_pool import client_for
from conftest import ADMIN_PASSWORD, FakeClock, bearer, login
from makermatrix_edge import daemon
from makermatrix_edge.daemon import build_services
from makermatrix_edge.settings import Settings

# Real supplier order files, copied from shared/samples/makermatrix so the suite needs nothing beside the repo.
SAMPLES = Path(__file__).resolve().parent / "fixtures" / "orders"
ALL_SAMPLES = sorted(p for p in SAMPLES.rglob("*") if p.suffix in (".csv", ".xls"))

# (file, supplier, order number, order date, lines, first line: spn, mpn, qty, unit price, extended)
EXPECTED: dict[str, tuple[str, str | None, str | None, int, tuple[str, str, int, float, float]]] = {
    "271360826.xls": ("mouser", "271360826", "2024-08-13", 9, ("454-W25Q32JWSSIQ", "W25Q32JWSSIQ", 3, 0.80, 2.40)),
    "DK_PRODUCTS_86409460.csv": (
        "digikey",
        "86409460",
        None,
        1,
        ("2223-SR5-3V-200-1C-ND", "SR5-3V-200-1C", 5, 1.06, 5.30),
    ),
    "DK_PRODUCTS_88435663.csv": ("digikey", "88435663", None, 4, ("S9337-ND", "QPC02SXGN-RC", 250, 0.03184, 7.96)),
    "LCSC_Exported__20241222_232708.csv": (
        "lcsc",
        "20241222_232708",
        "2024-12-22",
        5,
        ("C7442639", "VEJ101M1VTT-0607L", 50, 0.0874, 4.37),
    ),
    "digikey_test_order.csv": ("digikey", None, None, 4, ("311-1.00KCRCT-ND", "RC0805FR-071KL", 100, 0.10, 10.00)),
    "93441269.csv": ("digikey", "93441269", None, 11, ("W25Q512JVFIQ-ND", "W25Q512JVFIQ", 2, 6.06, 12.12)),
    "DK_PRODUCTS_90501760.csv": ("digikey", "90501760", None, 1, ("2820-102991834-ND", "102991834", 1, 72.54, 72.54)),
    "268488165.xls": (
        "mouser",
        "268488165",
        "2024-01-13",
        1,
        ("771-74HC165D-Q100", "74HC165D-Q100,118", 100, 0.244, 24.4),
    ),
}


def upload(client: TestClient[Any], token: str, path: Path, url: str = "/api/import/file", **form: str) -> Any:
    with path.open("rb") as fh:
        return client.post(url, files={"file": (path.name, fh.read())}, data=form, headers=bearer(token))


def upload_bytes(client: TestClient[Any], token: str, name: str, content: bytes, **form: str) -> Any:
    return client.post("/api/import/file", files={"file": (name, content)}, data=form, headers=bearer(token))


def test_samples_are_present() -> None:
    assert len(ALL_SAMPLES) >= 20


@pytest.mark.parametrize("path", ALL_SAMPLES, ids=lambda p: p.name)
def test_every_sample_imports_with_real_quantities_and_prices(
    client: TestClient[Any], admin_token: str, path: Path
) -> None:
    response = upload(client, admin_token, path)
    assert response.status_code == 200, response.text
    result = response.json()["data"]
    assert result["failed_count"] == 0 and result["order_id"]
    order = client.get(f"/api/orders/{result['order_id']}", headers=bearer(admin_token)).json()["data"]
    items = order["order_items"]
    assert len(items) == result["imported_count"] > 0
    for item in items:
        assert item["quantity_ordered"] >= 1 and item["unit_price"] and item["unit_price"] > 0
        part = client.get(f"/api/parts/get_part?part_id={item['part_id']}", headers=bearer(admin_token)).json()
        assert part["data"]["quantity"] >= item["quantity_ordered"]
        assert part["data"]["location"]["name"] == "Unsorted"
    if path.name in EXPECTED:
        supplier, number, date, lines, (spn, mpn, qty, unit, ext) = EXPECTED[path.name]
        assert (order["supplier"], order["order_number"], order["order_date"]) == (supplier, number, date)
        assert len(items) == lines
        first = items[0]
        assert (first["supplier_part_number"], first["manufacturer_part_number"]) == (spn, mpn)
        assert first["quantity_ordered"] == qty
        assert first["unit_price"] == pytest.approx(unit) and first["extended_price"] == pytest.approx(ext)
        part = client.get(f"/api/parts/get_part?part_id={first['part_id']}", headers=bearer(admin_token)).json()
        assert part["data"]["part_number"] == spn and part["data"]["manufacturer_part_number"] == mpn
        assert part["data"]["quantity"] == qty


def test_second_import_of_the_same_order_is_refused_unless_forced(client: TestClient[Any], admin_token: str) -> None:
    path = SAMPLES / "LCSC_Exported__20241222_232708.csv"
    first = upload(client, admin_token, path)
    assert first.status_code == 200
    again = upload(client, admin_token, path)
    assert again.status_code == 409
    message = again.json()["message"]
    assert "already imported" in message and first.json()["data"]["order_id"] in message and "admin" in message
    part = client.get("/api/parts/get_part?part_number=C7442639", headers=bearer(admin_token)).json()["data"]
    assert part["quantity"] == 50  # the refused import wrote nothing
    forced = upload(client, admin_token, path, force="true")
    assert forced.status_code == 200 and forced.json()["data"]["created_count"] == 0
    part = client.get("/api/parts/get_part?part_number=C7442639", headers=bearer(admin_token)).json()["data"]
    assert part["quantity"] == 100


def test_same_digikey_order_under_another_file_name_is_the_same_order(
    client: TestClient[Any], admin_token: str
) -> None:
    history = SAMPLES / "history_067e2dc_ai-model_orders"
    assert upload(client, admin_token, history / "DK_PRODUCTS_93441269.csv").status_code == 200
    again = upload(client, admin_token, history / "93441269.csv")
    assert again.status_code == 409 and "93441269" in again.json()["message"]


def test_new_order_of_known_parts_adds_quantities_as_import_movements(
    client: TestClient[Any], admin_token: str
) -> None:
    history = SAMPLES / "history_067e2dc_ai-model_orders"
    first = upload(client, admin_token, history / "LCSC_Exported__20241222_232709.csv").json()["data"]
    second = upload(client, admin_token, SAMPLES / "LCSC_Exported__20241222_232711.csv")
    assert second.status_code == 200, second.text
    result = second.json()["data"]
    assert (result["created_count"], result["added_count"]) == (0, 1)
    assert result["updated_part_ids"] == first["created_part_ids"]
    part_id = first["created_part_ids"][0]
    part = client.get(f"/api/parts/get_part?part_id={part_id}", headers=bearer(admin_token)).json()["data"]
    # Named from the file's description (issue 24 point 7); the MPN is kept as the MPN.
    assert part["quantity"] == 6000 and part["part_name"] == "100 nF 100 V X7R 0805 ceramic capacitor"
    assert part["manufacturer_part_number"] == "CGA0805X7R104K101MT"
    history_rows = client.get(f"/api/parts/{part_id}/history", headers=bearer(admin_token)).json()["data"]
    assert history_rows[0]["delta"] == 3000 and history_rows[0]["source"] == "import"
    assert "LCSC order 20241222_232711" in history_rows[0]["reason"]
    summary = part["order_summary"]
    assert summary["total_orders"] == 2 and summary["total_quantity_ordered"] == 6000
    assert summary["last_ordered_price"] == pytest.approx(0.0035)
    assert summary["lowest_price"] == summary["highest_price"] == pytest.approx(0.0035)
    assert {i["order_number"] for i in part["order_items"]} == {"20241222_232709", "20241222_232711"}


def test_matching_by_manufacturer_part_number_across_suppliers(client: TestClient[Any], admin_token: str) -> None:
    history = SAMPLES / "history_067e2dc_ai-model_orders"
    made = client.post(
        "/api/parts/add_part",
        json={"part_name": "My TL072", "manufacturer_part_number": "TL072CDR", "quantity": 3},
        headers=bearer(admin_token),
    )
    assert made.status_code == 200
    result = upload(client, admin_token, history / "DK_PRODUCTS_93441269.csv").json()["data"]
    assert made.json()["data"]["id"] in result["updated_part_ids"]
    part = client.get("/api/parts/get_part?part_name=My TL072", headers=bearer(admin_token)).json()["data"]
    assert part["quantity"] == 8


def test_same_part_twice_in_one_file_is_one_part(client: TestClient[Any], admin_token: str) -> None:
    body = (
        "LCSC Part Number,Manufacture Part Number,Manufacturer,Customer NO.,Package,Description,RoHS,Order Qty.,"
        "Min\\Mult Order Qty.,Unit Price($),Order Price($)\n"
        "C8545,2N7002,CJ,,SOT-23,MOSFET,YES,100,50\\50,0.0121,1.21\n"
        "C8545,2N7002,CJ,,SOT-23,MOSFET,YES,50,50\\50,0.0121,0.61\n"
    )
    result = upload_bytes(client, admin_token, "order.csv", body.encode()).json()["data"]
    assert (result["created_count"], result["added_count"], len(result["part_ids"])) == (1, 1, 1)
    part = client.get("/api/parts/get_part?part_number=C8545", headers=bearer(admin_token)).json()["data"]
    assert part["quantity"] == 150


def test_orders_list_and_links(client: TestClient[Any], admin_token: str) -> None:
    upload(client, admin_token, SAMPLES / "271360826.xls")
    upload(client, admin_token, SAMPLES / "DK_PRODUCTS_88081102.csv")
    listed = client.get("/api/orders", headers=bearer(admin_token)).json()
    assert listed["total_parts"] == 2
    assert [o["supplier"] for o in listed["data"]] == ["digikey", "mouser"]
    assert listed["data"][0]["item_count"] == 5 and listed["data"][0]["subtotal"] == pytest.approx(24.30)
    only = client.get("/api/orders?supplier=mouser", headers=bearer(admin_token)).json()["data"]
    assert [o["order_number"] for o in only] == ["271360826"]
    order = client.get(f"/api/orders/{only[0]['id']}", headers=bearer(admin_token)).json()["data"]
    link = order["order_items"][0]["part_url"]
    assert client.get(link, headers=bearer(admin_token)).json()["data"]["part_number"] == "454-W25Q32JWSSIQ"
    assert client.get("/api/orders/nope", headers=bearer(admin_token)).status_code == 404


def test_supplier_name_is_optional_and_a_wrong_one_is_named(client: TestClient[Any], admin_token: str) -> None:
    path = SAMPLES / "DK_PRODUCTS_88269818.csv"
    wrong = upload(client, admin_token, path, supplier_name="lcsc")
    assert wrong.status_code == 400
    assert "looks like a DigiKey order" in wrong.json()["message"]
    unknown = upload(client, admin_token, path, supplier_name="farnell")
    assert unknown.status_code == 400 and "Unknown supplier" in unknown.json()["message"]
    right = upload(client, admin_token, path, supplier_name="DigiKey")
    assert right.status_code == 200


def test_order_number_and_date_from_the_form_when_the_file_has_none(client: TestClient[Any], admin_token: str) -> None:
    body = (SAMPLES / "digikey_test_order.csv").read_bytes()
    result = upload_bytes(
        client, admin_token, "cart.csv", body, order_number="PO-17", order_date="2024-05-01", notes="bench"
    ).json()["data"]
    order = client.get(f"/api/orders/{result['order_id']}", headers=bearer(admin_token)).json()["data"]
    assert (order["order_number"], order["order_date"], order["notes"]) == ("PO-17", "2024-05-01", "bench")


def test_enrichment_requested_without_the_enricher_still_imports(
    settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(daemon, "ImportEnricher", lambda service: None)  # a daemon built without supplier enrichment
    services = build_services(settings, clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        with client_for(services) as client:
            admin_token = login(client, "admin", ADMIN_PASSWORD)
            response = upload(client, admin_token, SAMPLES / "DK_PRODUCTS_88269818.csv", enable_enrichment="true")
    finally:
        services.close()
    assert response.status_code == 200
    result = response.json()["data"]
    assert result["created_count"] == 1 and result["enrichment_task_id"] is None
    assert any("enrichment is not available yet" in w for w in result["warnings"])


def test_importing_needs_the_import_permission(client: TestClient[Any], admin_token: str) -> None:
    from conftest import add_user, login

    add_user(client, admin_token, "bench", "user")
    token = login(client, "bench", "password-123")
    response = upload(client, token, SAMPLES / "DK_PRODUCTS_88269818.csv")
    assert response.status_code == 403
    assert client.get("/api/orders", headers=bearer(token)).status_code == 200


def test_the_very_same_file_without_an_order_number_is_refused_twice(client: TestClient[Any], admin_token: str) -> None:
    path = SAMPLES / "digikey_test_order.csv"
    first = upload(client, admin_token, path)
    assert first.status_code == 200 and first.json()["data"]["order_number"] is None
    again = upload(client, admin_token, path)
    assert again.status_code == 409 and "file digikey_test_order.csv was already imported" in again.json()["message"]
