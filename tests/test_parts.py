from __future__ import annotations

import sqlite3
import threading
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import add_user, bearer, login
from inventory_helpers import add_location, add_part, history_sum
from makermatrix_edge.services import Services


@pytest.fixture
def h(admin_token: str) -> dict[str, str]:
    return bearer(admin_token)


def test_add_part_embeds_categories_and_full_location_path(client: TestClient[Any], h: dict[str, str]) -> None:
    shelf = add_location(client, h, "Shelf 2")
    drawer = add_location(client, h, "Drawer B", shelf)
    bin7 = add_location(client, h, "Bin 7", drawer)
    part = add_part(
        client,
        h,
        "BC547 NPN",
        part_number="C8583",
        manufacturer="onsemi",
        manufacturer_part_number="BC547BTA",
        quantity=40,
        min_quantity=10,
        unit_price=0.05,
        currency="EUR",
        supplier="LCSC",
        location_id=bin7,
        category_names=["Transistors", "NPN"],
        additional_properties={"package": "TO-92", "vceo": "45V"},
    )
    assert part["location"] == {
        "id": bin7,
        "name": "Bin 7",
        "path": "Shelf 2 / Drawer B / Bin 7",
        "location_type": "standard",
    }
    assert sorted(c["name"] for c in part["categories"]) == ["NPN", "Transistors"]
    assert part["quantity"] == 40 and part["is_low_stock"] is False
    assert part["additional_properties"]["package"] == "TO-92"
    names = [
        c["name"] for c in client.get("/api/categories/get_all_categories", headers=h).json()["data"]["categories"]
    ]
    assert names == ["NPN", "Transistors"]  # unknown category names were created


def test_duplicate_name_is_409_case_insensitively(client: TestClient[Any], h: dict[str, str]) -> None:
    add_part(client, h, "NE555 timer")
    again = client.post("/api/parts/add_part", json={"part_name": "ne555 TIMER"}, headers=h)
    assert again.status_code == 409 and "NE555" in again.json()["message"].upper()


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"part_name": "x", "quantity": -1}, 422, "quantity: expected int >= 0"),
        ({"part_name": "x", "quantity": "ten"}, 422, "quantity: expected int, got str"),
        ({"part_name": "x", "location_id": "nope"}, 422, "location_id: no location with id nope"),
        ({"part_name": ""}, 422, "part_name"),
        ({"part_name": "   "}, 422, "part_name: must not be empty"),
        ({"quantity": 1}, 422, "part_name: is required"),
        ({"part_name": "x", "image_url": "javascript:alert(1)"}, 422, "image_url"),
        ({"part_name": "x", "currency": "euro"}, 422, "currency"),
        ({"part_name": "x", "additional_properties": {"k": "v" * 40000}}, 422, "additional_properties"),
        ({"part_name": "x", "category_names": "Resistors"}, 422, "category_names: expected array"),
        ({"part_name": "x", "qty": 3}, 422, "qty: is not a known field"),
        ({"part_name": "x" * 201}, 422, "part_name"),
    ],
)
def test_bad_part_input_is_refused_and_changes_nothing(
    client: TestClient[Any], h: dict[str, str], body: dict[str, Any], status: int, fragment: str
) -> None:
    response = client.post("/api/parts/add_part", json=body, headers=h)
    assert response.status_code == status, response.text
    assert fragment in response.json()["message"]
    assert client.get("/api/utility/get_counts", headers=h).json()["data"]["parts"] == 0


def test_sql_injection_in_names_is_just_text(client: TestClient[Any], h: dict[str, str]) -> None:
    evil = "x'); DROP TABLE parts; --"
    part = add_part(client, h, evil, category_names=["a' OR '1'='1"])
    assert client.get("/api/parts/get_part", params={"part_name": evil}, headers=h).json()["data"]["id"] == part["id"]
    found = client.get("/api/parts/search_text", params={"query": "drop TABLE"}, headers=h)
    assert found.status_code == 200 and found.json()["total_parts"] == 1
    for syntax in ['DROP" OR *', "NEAR(a b)", '"', "*", "a:b", "^x", "''"]:  # FTS5 syntax is never parsed
        response = client.get("/api/parts/search_text", params={"query": syntax}, headers=h)
        assert response.status_code == 200, (syntax, response.text)


def test_get_part_by_each_selector(client: TestClient[Any], h: dict[str, str]) -> None:
    part = add_part(client, h, "1N4148 diode", part_number="C81598")
    for params in ({"part_id": part["id"]}, {"part_number": "c81598"}, {"part_name": "1n4148 DIODE"}):
        response = client.get("/api/parts/get_part", params=params, headers=h)
        assert response.status_code == 200 and response.json()["data"]["id"] == part["id"], params
    assert client.get("/api/parts/get_part", headers=h).status_code == 422
    assert client.get("/api/parts/get_part?part_id=missing", headers=h).status_code == 404


def test_ambiguous_part_number_asks_for_more(client: TestClient[Any], h: dict[str, str]) -> None:
    add_part(client, h, "Reel A", part_number="C1")
    add_part(client, h, "Reel B", part_number="C1")
    response = client.get("/api/parts/get_part?part_number=C1", headers=h)
    assert response.status_code == 409 and "Reel A" in response.json()["message"]


def test_paging(client: TestClient[Any], h: dict[str, str]) -> None:
    for i in range(25):
        add_part(client, h, f"Part {i:02d}")
    page = client.get("/api/parts/get_all_parts?page=3&page_size=10", headers=h).json()
    assert (page["page"], page["page_size"], page["total_parts"]) == (3, 10, 25)
    assert [p["part_name"] for p in page["data"]] == [f"Part {i:02d}" for i in range(20, 25)]
    assert client.get("/api/parts/get_all_parts?page_size=101", headers=h).status_code == 422
    assert client.get("/api/parts/get_all_parts?page=0", headers=h).status_code == 422
    assert client.get("/api/parts/get_all_parts?page=abc", headers=h).status_code == 422


def test_update_is_partial_and_null_clears(client: TestClient[Any], h: dict[str, str]) -> None:
    part = add_part(client, h, "AO3400", description="N-MOSFET 30V", supplier="LCSC", category_names=["MOSFETs"])
    response = client.put(f"/api/parts/update_part/{part['id']}", json={"supplier": None, "min_quantity": 5}, headers=h)
    assert response.status_code == 200, response.text
    updated = response.json()["data"]
    assert updated["supplier"] is None and updated["description"] == "N-MOSFET 30V" and updated["min_quantity"] == 5
    assert [c["name"] for c in updated["categories"]] == ["MOSFETs"]
    # A client may send back what it read; read-only fields are ignored.
    echoed = client.put(f"/api/parts/update_part/{part['id']}", json={**updated, "description": "N-ch"}, headers=h)
    assert echoed.status_code == 200 and echoed.json()["data"]["description"] == "N-ch"
    assert client.put("/api/parts/update_part/nope", json={"quantity": 1}, headers=h).status_code == 404
    add_part(client, h, "Other")
    clash = client.put(f"/api/parts/update_part/{part['id']}", json={"part_name": "other"}, headers=h)
    assert clash.status_code == 409


def test_every_quantity_change_is_a_movement_that_adds_up(client: TestClient[Any], h: dict[str, str]) -> None:
    part = add_part(client, h, "10k 0603", quantity=100)
    pid = part["id"]
    client.put(f"/api/parts/update_part/{pid}", json={"quantity": 80, "reason": "counted"}, headers=h)
    client.post(f"/api/parts/{pid}/adjust", json={"delta": -5, "reason": "took for board"}, headers=h)
    client.post(f"/api/parts/{pid}/adjust", json={"delta": 20}, headers=h)
    client.put(f"/api/parts/update_part/{pid}", json={"description": "no quantity change"}, headers=h)
    history = client.get(f"/api/parts/{pid}/history", headers=h).json()
    assert history["total_parts"] == 4
    assert [(m["delta"], m["quantity_after"], m["reason"]) for m in history["data"]] == [
        (20, 95, "adjusted"),
        (-5, 75, "took for board"),
        (-20, 80, "counted"),
        (100, 100, "created"),
    ]
    assert all(m["username"] == "admin" and m["source"] == "api" for m in history["data"])
    current = client.get(f"/api/parts/get_part?part_id={pid}", headers=h).json()["data"]["quantity"]
    assert current == 95 == history_sum(client, h, pid)


def test_taking_more_than_in_stock_is_refused(client: TestClient[Any], h: dict[str, str]) -> None:
    part = add_part(client, h, "Last one", quantity=2)
    response = client.post(f"/api/parts/{part['id']}/adjust", json={"delta": -3}, headers=h)
    assert response.status_code == 422 and "only 2 in stock" in response.json()["message"]
    assert client.post(f"/api/parts/{part['id']}/adjust", json={"delta": 0}, headers=h).status_code == 422
    assert history_sum(client, h, part["id"]) == 2


def test_concurrent_takes_all_count(client: TestClient[Any], h: dict[str, str]) -> None:
    part = add_part(client, h, "Shared reel", quantity=200)
    errors: list[int] = []

    def take() -> None:
        for _ in range(10):
            status = client.post(f"/api/parts/{part['id']}/adjust", json={"delta": -1}, headers=h).status_code
            if status != 200:
                errors.append(status)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert client.get(f"/api/parts/get_part?part_id={part['id']}", headers=h).json()["data"]["quantity"] == 160
    assert history_sum(client, h, part["id"]) == 160


def test_database_refuses_quantity_without_movement_and_history_edits(
    client: TestClient[Any], h: dict[str, str], services: Services
) -> None:
    part = add_part(client, h, "Guarded", quantity=5)
    with pytest.raises(sqlite3.IntegrityError, match="without a stock movement"):
        services.db.write_sync(lambda d: d.execute("UPDATE parts SET quantity = 99 WHERE id = ?", [part["id"]]))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        services.db.write_sync(lambda d: d.execute("UPDATE stock_movements SET delta = 1"))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        services.db.write_sync(lambda d: d.execute("DELETE FROM stock_movements"))


def test_delete_part_keeps_its_history(client: TestClient[Any], h: dict[str, str], services: Services) -> None:
    part = add_part(client, h, "Doomed", quantity=7)
    response = client.delete("/api/parts/delete_part", params={"part_name": "doomed"}, headers=h)
    assert response.status_code == 200 and response.json()["data"]["id"] == part["id"]
    assert client.get(f"/api/parts/get_part?part_id={part['id']}", headers=h).status_code == 404
    rows = services.db.read_sync(
        lambda d: [
            tuple(r)
            for r in d.execute("SELECT delta, quantity_after FROM stock_movements WHERE part_id = ?", [part["id"]])
        ]
    )
    assert rows == [(7, 7), (-7, 0)]
    assert client.delete("/api/parts/delete_part", headers=h).status_code == 422


def test_permissions_on_parts(client: TestClient[Any], admin_token: str, h: dict[str, str]) -> None:
    part = add_part(client, h, "Protected", quantity=3)
    add_user(client, admin_token, "viewer1", "viewer")
    add_user(client, admin_token, "user1", "user")
    viewer = bearer(login(client, "viewer1", "password-123"))
    user = bearer(login(client, "user1", "password-123"))
    assert client.get("/api/parts/get_all_parts", headers=viewer).status_code == 200
    assert client.post("/api/parts/add_part", json={"part_name": "v"}, headers=viewer).status_code == 403
    assert client.post(f"/api/parts/{part['id']}/adjust", json={"delta": -1}, headers=viewer).status_code == 403
    assert client.post(f"/api/parts/{part['id']}/adjust", json={"delta": -1}, headers=user).status_code == 200
    assert client.delete(f"/api/parts/delete_part?part_id={part['id']}", headers=user).status_code == 403
    assert client.delete("/api/parts/clear_all", headers=user).status_code == 403
    assert client.get("/api/parts/get_all_parts").status_code == 401


def test_clear_all_is_admin_only_and_closes_history(
    client: TestClient[Any], h: dict[str, str], services: Services
) -> None:
    for i in range(3):
        add_part(client, h, f"P{i}", quantity=i)
    response = client.delete("/api/parts/clear_all", headers=h)
    assert response.status_code == 200 and response.json()["data"]["deleted_parts"] == 3
    assert "cleared successfully" in response.json()["message"]  # MakerMatrix's words, which its tests compare
    activity = client.get("/api/activity/recent", headers=h).json()["data"]["activities"]
    cleared = [a for a in activity if a["action"] == "cleared"]
    assert sorted(a["details"].get("delta", 0) for a in cleared) == [-2, -1, 0]  # P0: a history line, no movement
    assert {a["username"] for a in cleared} == {"admin"}
    said = " ".join(a["details"]["summary"] for a in cleared)
    assert "P1 (deleted)" in said and "P2 (deleted)" in said and "a deleted part" not in said  # names kept
    again = client.delete("/api/parts/clear_all", headers=h)  # a retry finds nothing: no movement, no error
    assert again.status_code == 200 and again.json()["data"]["deleted_parts"] == 0
    sums = services.db.read_sync(
        lambda d: [r[0] for r in d.execute("SELECT sum(delta) FROM stock_movements GROUP BY part_id")]
    )
    assert sums == [0, 0]  # P0 never had stock; the other two are closed to zero
    assert client.get("/api/utility/get_counts", headers=h).json()["data"] == {
        "parts": 0,
        "locations": 0,
        "categories": 0,
    }
