"""A makerspace's shared tools (issue 26 point 1): /api/tools as MakerMatrix answers it, who has a tool
and since when, maintenance, the history of every write, roles, and bad input that changes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from conftest import FakeClock, add_user, bearer, login
from daemon_process import Daemon
from inventory_helpers import add_location
from makermatrix_edge.services import Services
from test_ws import receive_until


def _tool(client: TestClient[Any], h: dict[str, str], name: str, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/tools/", json={"tool_name": name, **fields}, headers=h)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def _history(services: Services, tool_id: str) -> list[str]:
    rows = services.db.read_sync(
        lambda db: db.execute(
            "SELECT what FROM item_changes WHERE kind = 'tool' AND item_id = ? ORDER BY id", [tool_id]
        ).fetchall()
    )
    return [r[0] for r in rows]


def test_create_get_list_search_update_delete(client: TestClient[Any], admin_token: str, services: Services) -> None:
    h = bearer(admin_token)
    shelf = add_location(client, h, "Tool wall")
    cat = client.post("/api/categories/add_category", json={"name": "Measuring"}, headers=h).json()["data"]["id"]
    meter = _tool(client, h, "Fluke 87V", tool_number="T-7", manufacturer="Fluke", tool_type="measuring_instrument",
                  location_id=shelf, category_ids=[cat], purchase_price=400, purchase_date="2024-03-01",
                  additional_properties={"max_voltage": "1000V"})  # fmt: skip
    assert meter["condition"] == "good" and meter["quantity"] == 1 and meter["is_checkable"] is True
    assert meter["is_checked_out"] is False and meter["checked_out_by"] is None
    assert meter["location"]["name"] == "Tool wall" and meter["categories"][0]["name"] == "Measuring"
    assert meter["purchase_date"] == "2024-03-01T00:00:00" and meter["exclude_from_analytics"] is True
    _tool(client, h, "Test Screwdriver", tool_type="hand_tool")
    dup = client.post("/api/tools/", json={"tool_name": "fluke 87v"}, headers=h)
    assert dup.status_code == 409 and "already exists" in dup.json()["message"]

    assert client.get(f"/api/tools/{meter['id']}", headers=h).json()["data"]["tool_name"] == "Fluke 87V"
    missing = client.get("/api/tools/nope", headers=h)
    assert missing.status_code == 404 and "not found" in missing.json()["message"].lower()
    listed = client.get("/api/tools/", params={"page_size": 1}, headers=h).json()["data"]
    assert (listed["total"], listed["page"], listed["page_size"], listed["total_pages"]) == (2, 1, 1, 2)
    found = client.post("/api/tools/search", json={"search_term": "fluke"}, headers=h).json()["data"]
    assert [t["tool_name"] for t in found["tools"]] == ["Fluke 87V"]
    tag = client.post("/api/tags", json={"name": "loaner"}, headers=h).json()["data"]
    assert client.post(f"/api/tags/{tag['id']}/tools/{meter['id']}", headers=h).status_code == 200
    tagged = client.post("/api/tools/search", json={"search_term": "#loaner"}, headers=h).json()["data"]["tools"]
    assert [t["tool_name"] for t in tagged] == ["Fluke 87V"] and tagged[0]["tags"][0]["name"] == "loaner"
    by_type = client.post("/api/tools/search", json={"tool_type": "hand_tool", "sort_order": "desc"}, headers=h)
    assert [t["tool_name"] for t in by_type.json()["data"]["tools"]] == ["Test Screwdriver"]
    bad_sort = client.post("/api/tools/search", json={"sort_by": "price"}, headers=h)
    assert bad_sort.status_code == 422

    # a client sending the tool back as it got it, with a change: read-only fields are ignored, a null name kept
    echo = {**meter, "tool_name": None, "condition": "fair", "maintenance_notes": "knob loose"}
    updated = client.put(f"/api/tools/{meter['id']}", json=echo, headers=h)
    assert updated.status_code == 200, updated.text
    data = updated.json()["data"]
    assert (data["tool_name"], data["condition"], data["maintenance_notes"]) == ("Fluke 87V", "fair", "knob loose")
    assert client.put(f"/api/tools/{meter['id']}", json={"condition": "broken"}, headers=h).status_code == 422

    gone = client.delete(f"/api/tools/{meter['id']}", headers=h)
    assert gone.status_code == 200 and gone.json()["data"] == {"id": meter["id"]}
    assert client.get(f"/api/tools/{meter['id']}", headers=h).status_code == 404
    assert client.delete(f"/api/tools/{meter['id']}", headers=h).status_code == 404
    assert _history(services, meter["id"]) == [
        "created 'Fluke 87V'", "tagged #loaner", "edited: condition, maintenance notes", "deleted 'Fluke 87V'"
    ]  # fmt: skip


def test_checkout_says_who_has_it_since_when_and_a_second_checkout_changes_nothing(
    client: TestClient[Any], admin_token: str, services: Services, clock: FakeClock
) -> None:
    h = bearer(admin_token)
    add_user(client, admin_token, "ulla", "user")
    ulla = bearer(login(client, "ulla", "password-123"))
    drill = _tool(client, h, "Drill")

    out = client.post(f"/api/tools/{drill['id']}/checkout", json={"user_id": "ulla", "notes": "shelf"}, headers=h)
    assert out.status_code == 200, out.text
    tool = out.json()["data"]
    assert tool["is_checked_out"] is True and tool["checked_out_by"] == "ulla" and tool["checked_out_at"]
    since = tool["checked_out_at"]

    clock.advance(60)
    again = client.post(f"/api/tools/{drill['id']}/checkout", json={}, headers=ulla)
    assert again.status_code == 400 and "already checked out to ulla" in again.json()["message"], again.text
    after = client.get(f"/api/tools/{drill['id']}", headers=h).json()["data"]
    assert (after["checked_out_by"], after["checked_out_at"]) == ("ulla", since)
    open_rows = services.db.read_sync(
        lambda db: db.execute("SELECT count(*) FROM tool_checkouts WHERE returned_at IS NULL").fetchone()[0]
    )
    assert open_rows == 1

    # two check-outs racing past the service's check still cannot both hold the tool: the database refuses
    def second_open(db: Any) -> None:
        db.execute(
            "INSERT INTO tool_checkouts (tool_id, username, checked_out_at) VALUES (?, 'bob', '2026-01-01')",
            [drill["id"]],
        )

    with pytest.raises(sqlite3.IntegrityError):
        services.db.write_sync(second_open)

    back = client.post(f"/api/tools/{drill['id']}/return", json={"condition": "needs_repair"}, headers=ulla)
    assert back.status_code == 200 and back.json()["data"]["is_checked_out"] is False
    assert back.json()["data"]["condition"] == "needs_repair"
    twice = client.post(f"/api/tools/{drill['id']}/return", json={}, headers=ulla)
    assert twice.status_code == 400 and "not checked out" in twice.json()["message"]
    broken = client.post(f"/api/tools/{drill['id']}/checkout", json={}, headers=ulla)
    assert broken.status_code == 400 and "not available" in broken.json()["message"]
    # with no user_id the caller takes it
    client.put(f"/api/tools/{drill['id']}", json={"condition": "good"}, headers=h)
    mine = client.post(f"/api/tools/{drill['id']}/checkout", json={}, headers=ulla).json()["data"]
    assert mine["checked_out_by"] == "ulla"
    returned = client.post(f"/api/tools/{drill['id']}/return", json={}, headers=h)
    assert returned.status_code == 200
    nobody = client.post(f"/api/tools/{drill['id']}/checkout", json={"user_id": "ghost"}, headers=h)
    assert nobody.status_code == 404 and "ghost" in nobody.json()["message"]
    bench = _tool(client, h, "Bench press", is_checkable=False)
    fixed = client.post(f"/api/tools/{bench['id']}/checkout", json={}, headers=h)
    assert fixed.status_code == 400 and "cannot be checked out" in fixed.json()["message"]
    assert _history(services, drill["id"]) == [
        "created 'Drill'", "checked out to ulla", "returned by ulla (needs repair)", "edited: condition",
        "checked out to ulla", "returned by ulla",
    ]  # fmt: skip


def test_maintenance_records_and_statistics(client: TestClient[Any], admin_token: str, services: Services) -> None:
    h = bearer(admin_token)
    scope = _tool(client, h, "Scope", purchase_price=300, tool_type="measuring_instrument")
    other = _tool(client, h, "Saw", purchase_price=50)
    record = {"maintenance_date": "2025-01-10", "maintenance_type": "calibration", "performed_by": "someone",
              "next_maintenance_date": "2020-01-10T00:00:00", "cost": 20, "notes": "in spec"}  # fmt: skip
    made = client.post(f"/api/tools/{scope['id']}/maintenance", json=record, headers=h)
    assert made.status_code == 200, made.text
    rec = made.json()["data"]
    assert rec["performed_by"] == "admin" and rec["maintenance_date"] == "2025-01-10T00:00:00"
    tool = client.get(f"/api/tools/{scope['id']}", headers=h).json()["data"]
    assert tool["last_maintenance_date"] == "2025-01-10T00:00:00"
    assert tool["next_maintenance_date"] == "2020-01-10T00:00:00"
    listed = client.get(f"/api/tools/{scope['id']}/maintenance", headers=h).json()["data"]
    assert [r["id"] for r in listed] == [rec["id"]]
    edited = client.put(f"/api/tools/{scope['id']}/maintenance/{rec['id']}", json={"notes": "redone"}, headers=h)
    assert edited.status_code == 200 and edited.json()["data"]["notes"] == "redone"
    assert client.put(f"/api/tools/{other['id']}/maintenance/{rec['id']}", json={}, headers=h).status_code == 404
    bad_type = client.post(f"/api/tools/{scope['id']}/maintenance", json={**record, "maintenance_type": "x"}, headers=h)
    bad_date = client.post(
        f"/api/tools/{scope['id']}/maintenance", json={**record, "maintenance_date": "soon"}, headers=h
    )
    assert bad_type.status_code == 422 and bad_date.status_code == 422
    assert "maintenance_date" in bad_date.json()["message"]

    stats = client.get("/api/tools/statistics", headers=h)
    assert stats.status_code == 200, stats.text
    s = stats.json()["data"]
    assert (s["total_tools"], s["checked_out_count"], s["available_count"], s["needs_maintenance_count"]) == (
        2,
        0,
        2,
        1,
    )
    assert s["total_value"] == 350.0 and s["total_by_type"] == {"measuring_instrument": 1, "Unknown": 1}
    assert s["by_location"] == {"No location": 2}
    due = client.post("/api/tools/search", json={"needs_maintenance": True}, headers=h).json()["data"]["tools"]
    assert [t["tool_name"] for t in due] == ["Scope"]

    assert client.delete(f"/api/tools/{scope['id']}/maintenance/{rec['id']}", headers=h).status_code == 200
    assert client.get(f"/api/tools/{scope['id']}/maintenance", headers=h).json()["data"] == []
    assert client.delete(f"/api/tools/{scope['id']}/maintenance/{rec['id']}", headers=h).status_code == 404
    assert _history(services, scope["id"])[1:] == [
        "maintenance: calibration on 2025-01-10T00:00:00",
        "maintenance record edited: notes",
        "maintenance record deleted: calibration on 2025-01-10T00:00:00",
    ]


def test_roles_and_bad_input(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)
    tool = _tool(client, h, "Caliper")
    add_user(client, admin_token, "vera", "viewer")
    add_user(client, admin_token, "ulla", "user")
    add_user(client, admin_token, "mona", "manager")
    viewer = bearer(login(client, "vera", "password-123"))
    user = bearer(login(client, "ulla", "password-123"))
    manager = bearer(login(client, "mona", "password-123"))
    assert client.get("/api/tools/").status_code == 401
    assert client.get(f"/api/tools/{tool['id']}", headers=viewer).status_code == 200
    assert client.get(f"/api/tools/{tool['id']}/maintenance", headers=viewer).status_code == 200
    assert client.post(f"/api/tools/{tool['id']}/checkout", json={}, headers=viewer).status_code == 403
    assert client.post("/api/tools/", json={"tool_name": "x"}, headers=user).status_code == 403
    assert client.post(f"/api/tools/{tool['id']}/checkout", json={}, headers=user).status_code == 200
    assert client.post(f"/api/tools/{tool['id']}/return", json={}, headers=user).status_code == 200
    assert client.delete(f"/api/tools/{tool['id']}", headers=user).status_code == 403
    assert client.post("/api/tools/", json={"tool_name": "Mine"}, headers=manager).status_code == 200

    for body in ({"tool_name": 3}, {"tool_name": ""}, {"tool_name": "x", "quantity": 0},
                 {"tool_name": "x", "purchase_price": -1}, {"tool_name": "x", "location_id": "nowhere"},
                 {"tool_name": "x", "category_ids": ["nope"]}, {"tool_name": "x", "wheels": 4}):  # fmt: skip
        bad = client.post("/api/tools/", json=body, headers=h)
        assert bad.status_code == 422, (body, bad.text)
    huge = client.post("/api/tools/", content=b'{"tool_name": "' + b"x" * (10 * 1024 * 1024) + b'"}', headers=h)
    assert huge.status_code == 413
    assert client.post("/api/tools/nope/checkout", json={}, headers=h).status_code == 404
    assert client.post(f"/api/tools/{tool['id']}/checkout", json={"user_id": 5}, headers=h).status_code == 422
    names = [t["tool_name"] for t in client.get("/api/tools/", headers=h).json()["data"]["tools"]]
    assert names == ["Caliper", "Mine"]


def test_tool_and_tag_changes_reach_the_events_socket_of_those_who_may_read_them(
    client: TestClient[Any], admin_token: str
) -> None:
    h = bearer(admin_token)
    with client.websocket_connect(f"/ws/events?token={admin_token}") as ws:
        ws.receive_json(timeout=5)
        tool = _tool(client, h, "Hot air station")
        created = receive_until(ws, lambda m: m["type"] == "entity_created")[-1]["data"]
        assert (created["entity_type"], created["entity_id"], created["username"]) == ("tool", tool["id"], "admin")
        client.post(f"/api/tools/{tool['id']}/checkout", json={}, headers=h)
        updated = receive_until(ws, lambda m: m["type"] == "entity_updated")[-1]["data"]
        assert updated["entity_type"] == "tool" and updated["entity_data"]["checked_out_by"] == "admin"
        client.post("/api/tags", json={"name": "hot"}, headers=h)
        assert receive_until(ws, lambda m: m["type"] == "entity_created")[-1]["data"]["entity_type"] == "tag"


@pytest.mark.daemon
def test_a_checkout_survives_kill_9(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path / "data", env={"MAKERMATRIX_EDGE_ADMIN_PASSWORD": "kill-nine-pw"})
    try:
        daemon.wait_healthy(timeout=90)
        token = httpx.post(daemon.url + "/api/auth/login", json={"username": "admin", "password": "kill-nine-pw"})
        h = bearer(token.json()["access_token"])
        tool = httpx.post(daemon.url + "/api/tools/", json={"tool_name": "Iron"}, headers=h).json()["data"]
        out = httpx.post(daemon.url + f"/api/tools/{tool['id']}/checkout", json={}, headers=h)
        assert out.status_code == 200, out.text
    finally:
        daemon.kill()  # SIGKILL: no shutdown step runs
    again = Daemon(tmp_path / "data")
    try:
        again.wait_healthy(timeout=90)
        token = httpx.post(again.url + "/api/auth/login", json={"username": "admin", "password": "kill-nine-pw"})
        h = bearer(token.json()["access_token"])
        kept = httpx.get(again.url + f"/api/tools/{tool['id']}", headers=h).json()["data"]
        assert kept["is_checked_out"] is True and kept["checked_out_by"] == "admin"
    finally:
        again.kill()
