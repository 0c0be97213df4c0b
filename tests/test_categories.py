from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import add_user, bearer, login
from inventory_helpers import add_part


@pytest.fixture
def h(admin_token: str) -> dict[str, str]:
    return bearer(admin_token)


def _add(client: TestClient[Any], h: dict[str, str], name: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/api/categories/add_category", json={"name": name, **extra}, headers=h)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def test_crud_with_part_counts(client: TestClient[Any], h: dict[str, str]) -> None:
    semis = _add(client, h, "Semiconductors", description="Active parts")
    fets = _add(client, h, "MOSFETs", parent_id=semis["id"])
    add_part(client, h, "2N7002", category_names=["MOSFETs"])
    add_part(client, h, "AO3400", category_names=["mosfets"])  # matched case-insensitively
    listed = client.get("/api/categories/get_all_categories", headers=h).json()["data"]["categories"]
    assert {c["name"]: c["part_count"] for c in listed} == {"MOSFETs": 2, "Semiconductors": 0}
    by_name = client.get("/api/categories/get_category?name=mosfets", headers=h).json()["data"]
    assert by_name["id"] == fets["id"] and by_name["parent_id"] == semis["id"]
    renamed = client.put(f"/api/categories/update_category/{fets['id']}", json={"name": "FETs"}, headers=h)
    assert renamed.status_code == 200 and renamed.json()["data"]["name"] == "FETs"
    neither = client.get("/api/categories/get_category", headers=h)  # MakerMatrix: 400, "... must be provided"
    assert neither.status_code == 400 and "must be provided" in neither.json()["message"]
    assert client.delete("/api/categories/remove_category", headers=h).status_code == 400
    assert client.get("/api/categories/get_category?category_id=nope", headers=h).status_code == 404


def test_duplicates_and_cycles(client: TestClient[Any], h: dict[str, str]) -> None:
    a = _add(client, h, "A")
    b = _add(client, h, "B", parent_id=a["id"])
    assert client.post("/api/categories/add_category", json={"name": "a"}, headers=h).status_code == 409
    cycle = client.put(f"/api/categories/update_category/{a['id']}", json={"parent_id": b["id"]}, headers=h)
    assert cycle.status_code == 422 and "under itself" in cycle.json()["message"]
    self_parent = client.put(f"/api/categories/update_category/{a['id']}", json={"parent_id": a["id"]}, headers=h)
    assert self_parent.status_code == 422
    clash = client.put(f"/api/categories/update_category/{b['id']}", json={"name": "A"}, headers=h)
    assert clash.status_code == 409


def test_remove_keeps_parts_and_lifts_children(client: TestClient[Any], h: dict[str, str]) -> None:
    top = _add(client, h, "Passives")
    middle = _add(client, h, "Resistors", parent_id=top["id"])
    leaf = _add(client, h, "SMD resistors", parent_id=middle["id"])
    part = add_part(client, h, "10k 0603", category_names=["Resistors", "Passives"])
    removed = client.delete(f"/api/categories/remove_category?cat_id={middle['id']}", headers=h)
    assert removed.status_code == 200 and "1 parts no longer have it" in removed.json()["message"]
    got = client.get(f"/api/parts/get_part?part_id={part['id']}", headers=h).json()["data"]
    assert [c["name"] for c in got["categories"]] == ["Passives"]
    lifted = client.get(f"/api/categories/get_category?category_id={leaf['id']}", headers=h).json()["data"]
    assert lifted["parent_id"] == top["id"]
    assert client.delete("/api/categories/remove_category?name=nothing", headers=h).status_code == 404


def test_delete_all_is_admin_only(client: TestClient[Any], admin_token: str, h: dict[str, str]) -> None:
    _add(client, h, "X")
    add_part(client, h, "Keeps existing", category_names=["X"])
    add_user(client, admin_token, "mgr", "manager")
    manager = bearer(login(client, "mgr", "password-123"))
    assert client.delete("/api/categories/delete_all_categories", headers=manager).status_code == 403
    assert client.post("/api/categories/add_category", json={"name": "By manager"}, headers=manager).status_code == 200
    done = client.delete("/api/categories/delete_all_categories", headers=h)
    assert done.status_code == 200 and done.json()["data"]["deleted_count"] == 2
    assert client.get("/api/utility/get_counts", headers=h).json()["data"]["parts"] == 1
    activity = client.get("/api/activity/recent", headers=h).json()["data"]["activities"]
    cleared = [(a["action"], a["entity_name"], a["username"]) for a in activity if a["action"] == "cleared"]
    assert cleared == [("cleared", "Keeps existing", "admin")]  # the part that lost its category says so
    again = client.delete("/api/categories/delete_all_categories", headers=h)  # a retry: nothing left
    assert again.status_code == 200 and again.json()["data"]["deleted_count"] == 0
    assert len(client.get("/api/activity/recent", headers=h).json()["data"]["activities"]) == len(activity)


def test_bad_category_input(client: TestClient[Any], h: dict[str, str]) -> None:
    for body, fragment in [
        ({}, "name: is required"),
        ({"name": ""}, "name"),
        ({"name": "x", "parent_id": "nope"}, "parent_id: no category"),
        ({"name": "x" * 101}, "name"),
    ]:
        response = client.post("/api/categories/add_category", json=body, headers=h)
        assert response.status_code == 422 and fragment in response.json()["message"], (body, response.text)
