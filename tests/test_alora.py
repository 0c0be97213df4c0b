"""The ALORA face in-process: shapes, status codes and {"detail"} errors of alora-api.md."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD, add_user, bearer, login

S9012 = {
    "part_number": "S9012",
    "marking": "S9012",
    "technology": "PNP",
    "polarity": "PNP",
    "package": "SOT-23",
    "v_max": "25V",
    "i_max": "0.5A",
    "power_max": "0.625W",
    "unit_price": 0.15,
}
BC857B = {
    "part_number": "BC857B",
    "marking": "BC857B",
    "technology": "PNP",
    "polarity": "PNP",
    "package": "SOT-23",
    "v_max": "45V",
    "i_max": "0.1A",
    "power_max": "0.25W",
    "unit_price": 0.12,
}


@pytest.fixture
def h(client: TestClient[Any]) -> dict[str, str]:
    response = client.post("/alora/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 200 and response.json()["token_type"] == "bearer"
    return bearer(response.json()["access_token"])


def _create(client: TestClient[Any], h: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/alora/components", json=body, headers=h)
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
def transistors(client: TestClient[Any], h: dict[str, str]) -> dict[str, Any]:
    category = client.post(
        "/alora/categories", json={"name": "Transistor", "description": "Semiconductor transistors"}, headers=h
    )
    assert category.status_code == 201
    cat = category.json()
    s9012 = _create(client, h, {**S9012, "category_id": cat["id"]})
    bc857b = _create(client, h, {**BC857B, "category_id": cat["id"]})
    client.post(
        "/alora/inventory",
        json={"component_id": s9012["id"], "quantity": 0, "min_qty": 10, "location": "A1-B2"},
        headers=h,
    )
    client.post(
        "/alora/inventory",
        json={"component_id": bc857b["id"], "quantity": 150, "min_qty": 20, "location": "A2-B3"},
        headers=h,
    )
    return {"category": cat, "s9012": s9012, "bc857b": bc857b}


def test_health_me_and_tokens_shared_with_api(client: TestClient[Any], h: dict[str, str]) -> None:
    assert client.get("/alora/").json() == {"message": "ALORA Backend API", "status": "running"}
    me = client.get("/alora/me", headers=h).json()
    assert isinstance(me["id"], int) and me["username"] == "admin" and set(me) == {"id", "username", "email"}
    assert client.get("/api/auth/me", headers=h).status_code == 200  # an ALORA token works on /api
    api_token = login(client, "admin", ADMIN_PASSWORD)
    assert client.get("/alora/me", headers=bearer(api_token)).json()["username"] == "admin"


def test_errors_are_detail_objects(client: TestClient[Any], h: dict[str, str]) -> None:
    assert client.get("/alora/me").status_code == 401 and "detail" in client.get("/alora/me").json()
    wrong = client.post("/alora/login", data={"username": "admin", "password": "wrong-password"})
    assert wrong.status_code == 401 and wrong.json() == {"detail": "Incorrect username or password"}
    missing = client.get("/alora/components/999", headers=h)
    assert missing.status_code == 404 and set(missing.json()) == {"detail"}
    assert client.get("/alora/nothing", headers=h).json() == {"detail": "Not Found"}
    bad = client.post("/alora/components", json={"part_number": 5}, headers=h)
    assert bad.status_code == 422 and "part_number" in bad.json()["detail"]


def test_register_is_closed_unless_configured(client: TestClient[Any]) -> None:
    response = client.post("/alora/register", json={"username": "x1", "email": "x@y.z", "password": "password-1"})
    assert response.status_code == 403 and "closed" in response.json()["detail"]


def test_component_shape_with_inventory_folded_in(
    client: TestClient[Any], h: dict[str, str], transistors: dict[str, Any]
) -> None:
    bc = client.get(f"/alora/components/{transistors['bc857b']['id']}", headers=h).json()
    assert bc["quantity"] == 150 and bc["min_qty"] == 20 and bc["location"] == "A2-B3"
    assert bc["total_value"] == 18.00  # 150 x 0.12, exactly
    assert bc["category_name"] == "Transistor" and bc["status"] == "ACTIVE"
    assert bc["rds_on"] is None and bc["vf"] is None and bc["v_out"] is None
    fresh = _create(client, h, {"part_number": "BC547", "technology": "NPN", "package": "TO-92", "unit_price": 0.10})
    assert (fresh["quantity"], fresh["min_qty"], fresh["location"], fresh["inventory_last_updated"]) == (
        0,
        None,
        None,
        None,
    )
    assert fresh["total_value"] == 0.0 and fresh["additional_characteristics"] is None
    # The same row on the MakerMatrix face, with the location made from the free text.
    part = client.get(f"/api/parts/get_part?part_id={bc['part_id']}", headers=h).json()["data"]
    assert part["part_name"] == "BC857B" and part["quantity"] == 150 and part["location"]["name"] == "A2-B3"


def test_duplicate_part_number_is_400(client: TestClient[Any], h: dict[str, str], transistors: dict[str, Any]) -> None:
    response = client.post("/alora/components", json=S9012, headers=h)
    assert response.status_code == 400 and "S9012" in response.json()["detail"]


def test_update_soft_delete_and_restore(
    client: TestClient[Any], h: dict[str, str], transistors: dict[str, Any]
) -> None:
    cid = transistors["s9012"]["id"]
    updated = client.put(f"/alora/components/{cid}", json={"unit_price": 0.2, "v_max": "30V", "notes": "hi"}, headers=h)
    assert updated.status_code == 200 and updated.json()["v_max"] == "30V" and updated.json()["notes"] == "hi"
    assert client.put(f"/alora/components/{cid}", json={}, headers=h).status_code == 400
    assert client.delete(f"/alora/components/{cid}", headers=h).status_code == 204
    active = [c["part_number"] for c in client.get("/alora/components?status_filter=ACTIVE", headers=h).json()]
    assert "S9012" not in active and "BC857B" in active
    inactive = client.get("/alora/components?status_filter=INACTIVE", headers=h).json()
    assert [c["part_number"] for c in inactive] == ["S9012"]
    client.put(f"/alora/components/{cid}", json={"status": "ACTIVE"}, headers=h)
    assert client.get(f"/alora/components/{cid}", headers=h).json()["status"] == "ACTIVE"


def test_inventory_endpoints(client: TestClient[Any], h: dict[str, str], transistors: dict[str, Any]) -> None:
    bc = transistors["bc857b"]["id"]
    item = client.get(f"/alora/inventory/{bc}", headers=h).json()
    assert item == {
        "component_id": bc, "part_number": "BC857B", "component_name": "BC857B", "category_name": "Transistor",
        "quantity": 150, "min_qty": 20, "location": "A2-B3", "last_updated": item["last_updated"],
        "unit_price": 0.12, "total_value": 18.0,
    }  # fmt: skip
    assert client.post(f"/alora/inventory/{bc}/adjust?adjustment=10", headers=h).json()["quantity"] == 160
    assert client.post(f"/alora/inventory/{bc}/adjust?adjustment=10", headers=h).json()["total_value"] == 20.4
    refused = client.post(f"/alora/inventory/{bc}/adjust?adjustment=-500", headers=h)
    assert refused.status_code == 400
    assert "current quantity: 170" in refused.json()["detail"] and "-500" in refused.json()["detail"]
    updated = client.put(
        f"/alora/inventory/{bc}", json={"quantity": 200, "min_qty": 25, "location": "B1-C2"}, headers=h
    )
    assert updated.json()["location"] == "B1-C2" and updated.json()["total_value"] == 24.0
    assert client.put(f"/alora/inventory/{bc}", json={}, headers=h).status_code == 400
    assert [i["component_id"] for i in client.get(f"/alora/inventory?component_id={bc}", headers=h).json()] == [bc]
    fresh = _create(client, h, {"part_number": "2N3904"})
    assert client.get(f"/alora/inventory/{fresh['id']}", headers=h).status_code == 404
    assert client.post(f"/alora/inventory/{fresh['id']}/adjust?adjustment=1", headers=h).status_code == 404
    assert client.post("/alora/inventory", json={"component_id": 999, "quantity": 1}, headers=h).status_code == 404
    # Every change was a stock movement: the history adds up on the MakerMatrix face.
    part_id = transistors["bc857b"]["part_id"]
    history = client.get(f"/api/parts/{part_id}/history?page_size=100", headers=h).json()["data"]
    assert sum(m["delta"] for m in history) == 200 and {m["source"] for m in history} == {"alora"}


def test_cost_summary(client: TestClient[Any], h: dict[str, str], transistors: dict[str, Any]) -> None:
    cost = client.get("/alora/inventory/cost", headers=h).json()
    assert cost["total_components"] == 2 and cost["total_quantity"] == 150 and cost["total_value"] == 18.0
    assert cost["breakdown_by_category"] == {
        "Transistor": {"component_count": 2, "total_quantity": 150, "total_value": 18.0}
    }
    assert cost["low_stock_items"] == [
        {"component_id": transistors["s9012"]["id"], "part_number": "S9012", "category_name": "Transistor",
         "quantity": 0, "min_qty": 10, "unit_price": 0.15, "total_value": 0.0, "shortage": 10}
    ]  # fmt: skip
    assert client.get("/alora/inventory/cost?include_low_stock=false", headers=h).json()["low_stock_items"] is None
    assert client.get("/alora/inventory/cost?category_id=999", headers=h).json()["total_components"] == 0
    assert client.get("/alora/inventory/cost?status_filter=GONE", headers=h).status_code == 400


def test_categories(client: TestClient[Any], h: dict[str, str]) -> None:
    created = client.post("/alora/categories", json={"name": "Diode", "description": "PN"}, headers=h)
    assert created.status_code == 201 and created.json()["status"] == "ACTIVE" and isinstance(created.json()["id"], int)
    cid = created.json()["id"]
    assert client.post("/alora/categories", json={"name": "diode"}, headers=h).status_code == 400
    assert client.put(f"/alora/categories/{cid}", json={"status": "MAYBE"}, headers=h).status_code == 400
    assert client.put(f"/alora/categories/{cid}", json={}, headers=h).status_code == 400
    assert client.delete(f"/alora/categories/{cid}", headers=h).status_code == 204
    assert client.get(f"/alora/categories/{cid}", headers=h).json()["status"] == "INACTIVE"
    assert client.get("/alora/categories?status_filter=ACTIVE", headers=h).json() == []
    assert client.put(f"/alora/categories/{cid}", json={"status": "ACTIVE"}, headers=h).json()["status"] == "ACTIVE"
    assert client.get("/alora/categories/999", headers=h).status_code == 404


def test_parametric_filters_compare_units(
    client: TestClient[Any], h: dict[str, str], transistors: dict[str, Any]
) -> None:
    def names(query: str) -> list[str]:
        response = client.get(f"/alora/components?{query}", headers=h)
        assert response.status_code == 200, response.text
        return [c["part_number"] for c in response.json()]

    assert names("technology=PNP&package=SOT-23&v_max_min=40V") == ["BC857B"]
    assert names("i_max_min=100mA") == ["S9012", "BC857B"]  # 0.1A equals 100mA
    assert names("i_max_min=0.1A&i_max_max=0.1A") == ["BC857B"]
    assert names("technology=pnp&power_max_min=500mW") == ["S9012"]
    assert names("in_stock=true") == ["BC857B"]
    assert client.get("/alora/components?v_max_min=40mA", headers=h).status_code == 400
    assert client.get("/alora/components?colour=red", headers=h).status_code == 400
    on_api = client.post(
        "/api/parts/parametric", json={"filters": {"technology": "PNP", "v_max_min": "40V"}}, headers=h
    )
    assert on_api.status_code == 200 and [c["part_number"] for c in on_api.json()["data"]] == ["BC857B"]
    assert on_api.json()["total_parts"] == 1


def test_equivalents_and_suggestions(client: TestClient[Any], h: dict[str, str], transistors: dict[str, Any]) -> None:
    s, b = transistors["s9012"]["id"], transistors["bc857b"]["id"]
    _create(
        client, h, {"part_number": "BC547", "technology": "NPN", "polarity": "NPN", "package": "SOT-23", "v_max": "45V"}
    )
    pair = client.post(
        f"/alora/components/{s}/equivalents", json={"equivalent_id": b, "reason": "PNP SOT-23"}, headers=h
    )
    assert pair.status_code == 201, pair.text
    body = pair.json()
    fields = ("component_id", "equivalent_id", "part_number", "quantity", "total_value")
    assert tuple(body[f] for f in fields) == (s, b, "BC857B", 150, 18.0)
    assert client.post(f"/alora/components/{s}/equivalents", json={"equivalent_id": b}, headers=h).status_code == 400
    assert client.post(f"/alora/components/{s}/equivalents", json={"equivalent_id": s}, headers=h).status_code == 400
    assert [e["equivalent_id"] for e in client.get(f"/alora/components/{s}/equivalents", headers=h).json()] == [b]
    suggestions = client.get(f"/api/parts/{transistors['s9012']['part_id']}/equivalents/suggest", headers=h).json()[
        "data"
    ]
    assert [x["component"]["part_number"] for x in suggestions] == ["BC857B"]  # never the NPN BC547
    assert "0.1A < 0.5A" in suggestions[0]["reason"] and suggestions[0]["in_stock"] is True
    assert client.delete(f"/alora/components/{s}/equivalents/{b}", headers=h).status_code == 204
    assert client.delete(f"/alora/components/{s}/equivalents/{b}", headers=h).status_code == 404


def test_alora_permissions(client: TestClient[Any], admin_token: str, transistors: dict[str, Any]) -> None:
    add_user(client, admin_token, "looker", "viewer")
    viewer = bearer(
        client.post("/alora/login", data={"username": "looker", "password": "password-123"}).json()["access_token"]
    )
    assert client.get("/alora/components", headers=viewer).status_code == 200
    assert client.post("/alora/components", json={"part_number": "X"}, headers=viewer).status_code == 403
    assert (
        client.post(f"/alora/inventory/{transistors['bc857b']['id']}/adjust?adjustment=-1", headers=viewer).status_code
        == 403
    )
