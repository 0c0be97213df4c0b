from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import add_user, bearer, login
from inventory_helpers import add_location, add_part
from makermatrix_edge.services import Services


@pytest.fixture
def h(admin_token: str) -> dict[str, str]:
    return bearer(admin_token)


@pytest.fixture
def tree(client: TestClient[Any], h: dict[str, str]) -> dict[str, str]:
    room = add_location(client, h, "Workshop")
    shelf = add_location(client, h, "Shelf 2", room)
    drawer = add_location(client, h, "Drawer B", shelf)
    bin7 = add_location(client, h, "Bin 7", drawer)
    return {"room": room, "shelf": shelf, "drawer": drawer, "bin": bin7}


def test_paths_tree_and_flat(client: TestClient[Any], h: dict[str, str], tree: dict[str, str]) -> None:
    flat = client.get("/api/locations/get_all_locations", headers=h).json()["data"]
    assert [loc["path"] for loc in flat] == [
        "Workshop",
        "Workshop / Shelf 2",
        "Workshop / Shelf 2 / Drawer B",
        "Workshop / Shelf 2 / Drawer B / Bin 7",
    ]
    roots = client.get("/api/locations/get_all_locations?tree=true", headers=h).json()["data"]
    assert len(roots) == 1 and roots[0]["children"][0]["children"][0]["children"][0]["name"] == "Bin 7"
    chain = client.get(f"/api/locations/get_location_path/{tree['bin']}", headers=h).json()
    node, names = chain["data"], []  # MakerMatrix's shape: the location, its parent nested under "parent"
    while node:
        assert set(node) == {"id", "name", "description", "location_type", "parent"}
        names.append(node["name"])
        node = node["parent"]
    assert names == ["Bin 7", "Drawer B", "Shelf 2", "Workshop"] and chain["data"]["id"] == tree["bin"]
    assert chain["message"] == "Workshop / Shelf 2 / Drawer B / Bin 7"


def test_sibling_names_are_unique_but_cousins_may_share(
    client: TestClient[Any], h: dict[str, str], tree: dict[str, str]
) -> None:
    duplicate = client.post(
        "/api/locations/add_location", json={"name": "bin 7", "parent_id": tree["drawer"]}, headers=h
    )
    assert duplicate.status_code == 409
    add_location(client, h, "Bin 7", tree["shelf"])  # same name elsewhere is fine
    add_location(client, h, "Garage")
    assert client.post("/api/locations/add_location", json={"name": "GARAGE"}, headers=h).status_code == 409
    ambiguous = client.get("/api/locations/get_location?name=Bin 7", headers=h)
    assert ambiguous.status_code == 409 and "Drawer B / Bin 7" in ambiguous.json()["message"]
    unique = client.get("/api/locations/get_location?name=garage", headers=h).json()["data"]
    assert unique["name"] == "Garage"


def test_moving_and_renaming_updates_every_path_below(
    client: TestClient[Any], h: dict[str, str], tree: dict[str, str]
) -> None:
    part = add_part(client, h, "NE555", location_id=tree["bin"])
    garage = add_location(client, h, "Garage")
    moved = client.put(f"/api/locations/update_location/{tree['shelf']}", json={"parent_id": garage}, headers=h)
    assert moved.status_code == 200 and moved.json()["data"]["path"] == "Garage / Shelf 2"
    client.put(f"/api/locations/update_location/{tree['drawer']}", json={"name": "Drawer C"}, headers=h)
    got = client.get(f"/api/parts/get_part?part_id={part['id']}", headers=h).json()["data"]
    assert got["location"]["path"] == "Garage / Shelf 2 / Drawer C / Bin 7"


def test_moving_under_itself_or_a_descendant_is_422(
    client: TestClient[Any], h: dict[str, str], tree: dict[str, str]
) -> None:
    for parent in (tree["shelf"], tree["bin"]):
        response = client.put(f"/api/locations/update_location/{tree['shelf']}", json={"parent_id": parent}, headers=h)
        assert response.status_code == 422 and "under itself" in response.json()["message"]
    unknown = client.put(f"/api/locations/update_location/{tree['shelf']}", json={"parent_id": "nope"}, headers=h)
    assert unknown.status_code == 422
    assert client.put("/api/locations/update_location/nope", json={"name": "x"}, headers=h).status_code == 404
    path = client.get(f"/api/locations/get_location?location_id={tree['bin']}", headers=h).json()["data"]["path"]
    assert path == "Workshop / Shelf 2 / Drawer B / Bin 7"


def test_details_count_the_subtree(client: TestClient[Any], h: dict[str, str], tree: dict[str, str]) -> None:
    add_part(client, h, "On shelf", location_id=tree["shelf"])
    add_part(client, h, "In bin", location_id=tree["bin"])
    add_part(client, h, "Elsewhere")
    details = client.get(f"/api/locations/get_location_details/{tree['shelf']}", headers=h).json()["data"]
    assert details["parts_count"] == 1 and details["subtree_parts_count"] == 2
    assert details["subtree_locations_count"] == 2
    assert [c["name"] for c in details["children"]] == ["Drawer B"]
    assert sorted(p["part_name"] for p in details["parts"]) == ["In bin", "On shelf"]
    assert [p["name"] for p in details["path_locations"]] == ["Workshop", "Shelf 2"]
    # MakerMatrix's shape: the location's own fields at the top of data, the children beside them
    assert (details["id"], details["name"], details["path"]) == (tree["shelf"], "Shelf 2", "Workshop / Shelf 2")


def test_preview_then_delete_subtree_keeps_parts(
    client: TestClient[Any], h: dict[str, str], tree: dict[str, str], services: Services
) -> None:
    part = add_part(client, h, "Survivor", location_id=tree["bin"], quantity=3)
    preview = client.get(f"/api/locations/preview-location-delete/{tree['shelf']}", headers=h).json()
    assert preview["data"]["child_locations"] == 2 and preview["data"]["affected_parts"] == 1
    assert preview["data"]["affected_part_names"] == ["Survivor"]
    # MakerMatrix's names for the same answer: the counts, the ids to go and the subtree as nested nodes
    assert preview["data"]["affected_parts_count"] == 1 and preview["data"]["affected_locations_count"] == 3
    assert set(preview["data"]["location_ids_to_delete"]) == {tree["shelf"], tree["drawer"], tree["bin"]}
    shelf = preview["data"]["location_hierarchy"]
    assert (shelf["id"], shelf["name"]) == (tree["shelf"], "Shelf 2")
    assert [c["id"] for c in shelf["children"]] == [tree["drawer"]]
    assert [c["id"] for c in shelf["children"][0]["children"]] == [tree["bin"]]
    assert shelf["children"][0]["children"][0]["children"] == []
    deleted = client.delete(f"/api/locations/delete_location/{tree['shelf']}", headers=h).json()
    assert deleted["data"]["deleted_locations"] == 3 and deleted["data"]["parts_unassigned"] == 1
    assert "1 parts no longer have a location" in deleted["message"]
    got = client.get(f"/api/parts/get_part?part_id={part['id']}", headers=h).json()["data"]
    assert got["location_id"] is None and got["location"] is None and got["quantity"] == 3
    remaining = [loc["name"] for loc in client.get("/api/locations/get_all_locations", headers=h).json()["data"]]
    assert remaining == ["Workshop"]
    assert client.delete(f"/api/locations/delete_location/{tree['shelf']}", headers=h).status_code == 404


def test_cleanup_repairs_dangling_parents(client: TestClient[Any], h: dict[str, str], services: Services) -> None:
    orphan = add_location(client, h, "Orphan box")

    # As an old import or a hand edit could leave it: a plain connection has foreign keys off.
    raw = sqlite3.connect(services.db.path)
    with raw:
        raw.execute("UPDATE locations SET parent_id = 'gone' WHERE id = ?", [orphan])
    raw.close()
    repaired = client.delete("/api/locations/cleanup-locations", headers=h).json()
    assert repaired["data"]["repaired"] == 1
    assert (
        client.get(f"/api/locations/get_location?location_id={orphan}", headers=h).json()["data"]["parent_id"] is None
    )


def test_location_input_and_permissions(client: TestClient[Any], admin_token: str, h: dict[str, str]) -> None:
    for body, fragment in [
        ({}, "name: is required"),
        ({"name": "  "}, "name: must not be empty"),
        ({"name": "x", "parent_id": "nope"}, "parent_id: no location"),
        ({"name": "x", "image_url": "data:text/html,hi"}, "image_url"),
        ({"name": 5}, "name: expected str"),
    ]:
        response = client.post("/api/locations/add_location", json=body, headers=h)
        assert response.status_code == 422 and fragment in response.json()["message"], (body, response.text)
    add_user(client, admin_token, "bench", "user")
    user = bearer(login(client, "bench", "password-123"))
    assert client.get("/api/locations/get_all_locations", headers=user).status_code == 200
    assert client.post("/api/locations/add_location", json={"name": "x"}, headers=user).status_code == 403
    assert client.get("/api/locations/get_all_locations").status_code == 401


def test_locations_nest_at_most_32_levels_deep_on_add_and_on_move(client: TestClient[Any], h: dict[str, str]) -> None:
    """A chain hundreds deep would make every walk of the tree and every nested answer fail: refused in words."""
    chain = [add_location(client, h, "Level 1")]
    for level in range(2, 33):
        chain.append(add_location(client, h, f"Level {level}", chain[-1]))
    too_deep = client.post("/api/locations/add_location", json={"name": "Level 33", "parent_id": chain[-1]}, headers=h)
    assert too_deep.status_code == 422 and "at most 32 levels deep" in too_deep.json()["message"]
    box = add_location(client, h, "Box")
    add_location(client, h, "Box lid", box)  # a subtree two levels tall
    moved = client.put(f"/api/locations/update_location/{box}", json={"parent_id": chain[-2]}, headers=h)
    assert moved.status_code == 422 and "this would make 33" in moved.json()["message"]
    fits = client.put(f"/api/locations/update_location/{box}", json={"parent_id": chain[-3]}, headers=h)
    assert fits.status_code == 200, fits.text  # 30 + 2 levels
    preview = client.get(f"/api/locations/preview-location-delete/{chain[0]}", headers=h).json()["data"]
    assert preview["affected_locations_count"] == 34  # the whole chain and the box, as nested nodes
    node, depth = preview["location_hierarchy"], 1
    while node["children"]:
        node, depth = node["children"][0], depth + 1
    assert depth == 32
