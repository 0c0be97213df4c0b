"""MakerMatrix's activity and dashboard, read from the stock history and the moves and edits this daemon keeps."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD, FakeClock, add_user, bearer, login
from inventory_helpers import add_location, add_part


@pytest.fixture
def h(admin_token: str) -> dict[str, str]:
    return bearer(admin_token)


def test_recent_activity_names_who_did_what_newest_first(
    client: TestClient[Any], h: dict[str, str], admin_token: str, clock: FakeClock
) -> None:
    drawer = add_location(client, h, "Drawer A")
    bin3 = add_location(client, h, "Bin 3")
    part = add_part(client, h, "BC547", quantity=20, location_id=drawer)
    clock.advance(60)
    assert client.put(f"/api/parts/update_part/{part['id']}", json={"location_id": bin3}, headers=h).status_code == 200
    clock.advance(60)
    add_user(client, admin_token, "maria", "user")
    maria = bearer(login(client, "maria", "password-123"))
    taken = client.post(f"/api/parts/{part['id']}/adjust", json={"delta": -5, "reason": "kit"}, headers=maria)
    assert taken.status_code == 200

    recent = client.get("/api/activity/recent", headers=h)
    assert recent.status_code == 200 and recent.json()["status"] == "success"
    data = recent.json()["data"]
    assert data["total"] == len(data["activities"]) == 3
    first, moved, created = data["activities"]
    assert (first["action"], first["username"], first["entity_type"]) == ("taken", "maria", "part")
    assert (first["entity_id"], first["entity_name"]) == (part["id"], "BC547")
    assert first["details"]["summary"] == "maria took 5 × BC547"
    assert (first["details"]["delta"], first["details"]["quantity_after"]) == (-5, 15)
    assert moved["action"] == "moved" and moved["details"]["summary"] == "admin moved BC547 to Bin 3"
    assert created["action"] == "created" and created["details"]["summary"] == "admin added BC547 (20)"
    assert first["timestamp"] > moved["timestamp"] > created["timestamp"]

    mine = client.get("/api/activity/recent?user=maria", headers=h).json()["data"]["activities"]
    assert [a["id"] for a in mine] == [first["id"]]  # per user, by name or id
    maria_id = client.get("/api/users/by-username/maria", headers=h).json()["data"]["id"]
    assert client.get(f"/api/activity/recent?user={maria_id}", headers=h).json()["data"]["activities"] == mine
    assert client.get("/api/activity/recent?limit=1", headers=h).json()["data"]["activities"] == [first]
    assert client.get("/api/activity/recent?entity_type=printer", headers=h).json()["data"]["total"] == 0
    clock.advance(25 * 3600)
    h = bearer(login(client, "admin", ADMIN_PASSWORD))  # the old token has expired by now
    assert client.get("/api/activity/recent", headers=h).json()["data"]["total"] == 0  # 24 h by default
    assert client.get("/api/activity/recent?hours=48", headers=h).json()["data"]["total"] == 3

    stats = client.get("/api/activity/stats?hours=48", headers=h).json()["data"]
    assert stats["total_activities"] == 3 and stats["by_user"] == {"admin": 2, "maria": 1}
    assert stats["by_action"] == {"taken": 1, "moved": 1, "created": 1} and stats["by_entity_type"] == {"part": 3}
    assert stats["most_active_hour"].endswith(":00")


def test_activity_bad_input_and_permissions(client: TestClient[Any], h: dict[str, str], admin_token: str) -> None:
    for query in ("limit=0", "limit=101", "hours=0", "hours=169", "hours=soon"):
        answer = client.get(f"/api/activity/recent?{query}", headers=h)
        assert answer.status_code in (400, 422) and answer.json()["status"] == "error", query
    assert client.get("/api/activity/recent").status_code == 401
    assert client.get("/api/activity/stats").status_code == 401
    assert client.get("/api/dashboard/summary").status_code == 401
    add_user(client, admin_token, "vera", "viewer")
    vera = bearer(login(client, "vera", "password-123"))
    assert client.get("/api/activity/recent", headers=vera).status_code == 200
    assert client.get("/api/dashboard/summary", headers=vera).status_code == 200
    assert client.post("/api/activity/cleanup?keep_days=30", headers=vera).status_code == 403
    kept = client.post("/api/activity/cleanup?keep_days=30", headers=h)
    assert kept.status_code == 200 and kept.json()["data"] == {"deleted_count": 0, "keep_days": 30}
    assert client.post("/api/activity/cleanup?keep_days=3", headers=h).status_code in (400, 422)


def test_dashboard_summary_counts_every_place(client: TestClient[Any], h: dict[str, str]) -> None:
    reels = add_location(client, h, "Reels")
    bench = add_location(client, h, "Bench")
    cap = add_part(client, h, "100nF", quantity=4000, location_id=reels, supplier="LCSC", category_names=["Caps"])
    add_part(client, h, "NE555", quantity=3, min_quantity=5, supplier="LCSC", category_names=["ICs"])
    add_part(client, h, "Relay", quantity=0, location_id=bench)
    split = client.post(
        f"/api/parts/{cap['id']}/allocations/split_to_cassette",
        json={"from_location_id": reels, "quantity": 100, "create_new_cassette": False, "cassette_id": bench},
        headers=h,
    )
    assert split.status_code == 200, split.text
    answer = client.get("/api/dashboard/summary", headers=h)
    assert answer.status_code == 200 and answer.json()["status"] == "success"
    data = answer.json()["data"]
    assert data["summary"] == {
        "total_parts": 3,
        "total_units": 4003,
        "total_categories": 2,
        "total_locations": 2,
        "parts_with_location": 2,
        "parts_without_location": 1,
        "low_stock_count": 1,
        "zero_stock_count": 1,
    }
    places = {g["location"]: (g["part_count"], g["total_quantity"]) for g in data["parts_by_location"]}
    assert places == {"Reels": (1, 3900), "Bench": (2, 100)}
    assert data["parts_by_supplier"] == [{"supplier": "LCSC", "part_count": 2, "total_quantity": 4003}]
    assert {g["category"] for g in data["parts_by_category"]} == {"Caps", "ICs", "Uncategorized"}
    assert [p["part_name"] for p in data["most_stocked_parts"]] == ["100nF", "NE555", "Relay"]
    assert data["most_stocked_parts"][0]["location"] == "Reels, Bench"
    assert [p["part_name"] for p in data["least_stocked_parts"]] == ["NE555", "100nF"]  # none at zero
    assert [(p["part_name"], p["location_name"]) for p in data["low_stock_parts"]] == [("NE555", "No Location")]
