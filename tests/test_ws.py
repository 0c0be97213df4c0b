"""WebSockets in-process (Litestar's TestClient): auth, messages, subscriptions, admin, events."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient
from litestar.testing.websocket_test_session import WebSocketTestSession

from conftest import FakeClock, add_user, bearer, login
from tasks_support import quick, task_app


def receive_until(ws: WebSocketTestSession, match: Any, timeout: float = 60.0) -> list[dict[str, Any]]:
    """Messages up to and including the first one `match` accepts (the bound only ends a broken test: a busy
    machine may take seconds, and a passing test returns as soon as the message arrives)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = ws.receive_json(timeout=max(0.01, deadline - time.monotonic()))
        seen.append(message)
        if match(message):
            return seen
    raise AssertionError(f"no matching message; got {seen}")


def task_done(task_id: str) -> Any:
    return lambda m: m["type"] == "task_update" and m["data"]["id"] == task_id and m["data"]["status"] == "completed"


@pytest.mark.parametrize("query", ["", "?token=not-a-token", "?token=mme_not_a_key"])
def test_refused_without_valid_credentials(client: TestClient[Any], query: str) -> None:
    for path in ("/ws/tasks", "/ws/admin", "/ws/events"):
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(path + query):
            pass
        assert refused.value.code == 4001, path


def test_admin_socket_needs_admin_and_api_keys_work(client: TestClient[Any], admin_token: str) -> None:
    add_user(client, admin_token, "mgr", "manager")
    manager = login(client, "mgr", "password-123")
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(f"/ws/admin?token={manager}"):
        pass
    assert refused.value.code == 4003 and "admin" in str(refused.value.detail)
    key = client.post("/api/api-keys", json={"name": "phone", "permissions": ["tasks:read"]}, headers=bearer(manager))
    api_key = key.json()["data"]["key"]
    with client.websocket_connect(f"/ws/tasks?token={api_key}") as ws:
        hello = ws.receive_json(timeout=5)
        assert hello["type"] == "connection" and hello["connection_type"] == "tasks" and hello["user"] == "mgr"


def test_ping_info_and_bad_messages(client: TestClient[Any], admin_token: str) -> None:
    with client.websocket_connect(f"/ws/tasks?token={admin_token}") as ws:
        ws.receive_json(timeout=5)
        ws.send_json({"type": "ping", "timestamp": 12345})
        assert ws.receive_json(timeout=5) == {"type": "pong", "timestamp": 12345}
        ws.send_json({"type": "get_connection_info"})
        info = ws.receive_json(timeout=5)
        assert info["type"] == "connection_info"
        assert info["data"]["total_connections"] == 1 and info["data"]["by_type"] == {"tasks": 1}
        ws.send_text("{not json")
        error = ws.receive_json(timeout=5)
        assert error["type"] == "error" and error["message"] == "Invalid JSON format"
        ws.send_json({"type": "make_coffee"})
        assert "Unknown message type" in ws.receive_json(timeout=5)["message"]
        ws.send_json({"type": "subscribe_task", "task_id": "no-such-task"})
        assert ws.receive_json(timeout=5)["message"] == "No task with id no-such-task"


def test_updates_follow_visibility_and_subscriptions(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock) as (client, _, admin):
        add_user(client, admin, "alice", "user")
        add_user(client, admin, "bob", "user")
        alice, bob = login(client, "alice", "password-123"), login(client, "bob", "password-123")
        with (
            client.websocket_connect(f"/ws/tasks?token={alice}") as alice_ws,
            client.websocket_connect(f"/ws/tasks?token={bob}") as bob_ws,
            client.websocket_connect(f"/ws/tasks?token={admin}") as admin_ws,
        ):
            for ws in (alice_ws, bob_ws, admin_ws):
                ws.receive_json(timeout=5)
            watched = quick(client, alice, steps=3, interval_ms=30)
            seen = receive_until(alice_ws, task_done(watched["id"]))
            statuses = [m["data"]["status"] for m in seen if m["type"] == "task_update"]
            assert statuses[0] == "pending" and statuses[-1] == "completed" and "running" in statuses
            steps = [m["data"]["progress_percentage"] for m in seen if m["data"]["status"] == "running"]
            assert steps == sorted(steps) and steps[-1] == 100
            assert all(m["timestamp"].endswith("Z") for m in seen)
            receive_until(admin_ws, task_done(watched["id"]))  # admins see everyone's
            bob_ws.send_json({"type": "subscribe_task", "task_id": watched["id"]})
            assert bob_ws.receive_json(timeout=5)["message"] == f"No task with id {watched['id']}"
            bob_ws.send_json({"type": "ping"})
            assert bob_ws.receive_json(timeout=5)["type"] == "pong"  # nothing of alice's arrived before it

            # exclusive subscription: only that task from now on; a snapshot comes at once
            other = quick(client, alice, steps=1, interval_ms=1)
            later = quick(client, alice, steps=2, interval_ms=30)
            alice_ws.send_json({"type": "subscribe_task", "task_id": later["id"], "exclusive": True})
            seen = receive_until(alice_ws, task_done(later["id"]))
            ack = next(m for m in seen if m["type"] == "task_subscription")
            assert ack == {**ack, "task_id": later["id"], "status": "subscribed", "mode": "subscribed"}
            after_ack = seen[seen.index(ack) + 1 :]
            assert after_ack[0]["type"] == "task_update" and after_ack[0]["data"]["id"] == later["id"]
            assert {m["data"]["id"] for m in after_ack} == {later["id"]}
            assert other["id"]
            alice_ws.send_json({"type": "unsubscribe_task", "task_id": "*"})
            assert receive_until(alice_ws, lambda m: m["type"] == "task_subscription")[-1]["status"] == "unsubscribed"


def test_admin_stats_and_broadcast_reach_every_channel(client: TestClient[Any], admin_token: str) -> None:
    with (
        client.websocket_connect(f"/ws/admin?token={admin_token}") as admin_ws,
        client.websocket_connect(f"/ws/tasks?token={admin_token}") as tasks_ws,
        client.websocket_connect(f"/ws/events?token={admin_token}") as events_ws,
    ):
        for ws in (admin_ws, tasks_ws, events_ws):
            ws.receive_json(timeout=5)
        admin_ws.send_json({"type": "get_system_stats"})
        stats = admin_ws.receive_json(timeout=5)["data"]
        assert stats["connections"]["total_connections"] == 3
        assert stats["memory"]["total_mb"] > 0 and stats["process"]["rss_mb"] > 0 and stats["database_bytes"] > 0
        assert stats["worker"]["is_running"] is True and "by_status" in stats["tasks"]
        assert [j["name"] for j in stats["schedule"]] == ["database_cleanup"]
        admin_ws.send_json({"type": "broadcast_notification", "notification": {"title": "Lunch", "level": "info"}})
        for ws in (admin_ws, tasks_ws, events_ws):
            note = receive_until(ws, lambda m: m["type"] == "notification")[-1]
            assert note["data"] == {"title": "Lunch", "level": "info", "from": "admin"}
        assert receive_until(admin_ws, lambda m: m["type"] == "notification_sent")[-1]["recipients"] == 3
        admin_ws.send_json({"type": "broadcast_notification", "notification": 42})
        assert receive_until(admin_ws, lambda m: m["type"] == "error")[-1]["message"].startswith("broadcast")


def test_events_stream_carries_entity_events_by_permission(
    client: TestClient[Any], admin_token: str, services: Any
) -> None:
    key = client.post("/api/api-keys", json={"name": "t", "permissions": ["tasks:read"]}, headers=bearer(admin_token))
    narrow = key.json()["data"]["key"]
    with (
        client.websocket_connect(f"/ws/events?token={admin_token}") as ws,
        client.websocket_connect(f"/ws/events?token={narrow}") as narrow_ws,
    ):
        ws.receive_json(timeout=5)
        narrow_ws.receive_json(timeout=5)
        services.events.entity("created", "part", "p-1", "NE555", None, entity_data={"quantity": 3})
        event = ws.receive_json(timeout=5)
        assert event["type"] == "entity_created"
        assert event["data"] == {
            "entity_type": "part",
            "entity_id": "p-1",
            "entity_name": "NE555",
            "action": "created",
            "user_id": None,
            "username": None,
            "changes": None,
            "entity_data": {"quantity": 3},
        }
        narrow_ws.send_json({"type": "ping"})
        assert narrow_ws.receive_json(timeout=5)["type"] == "pong"  # no parts:read, so no part event


def test_heartbeat_pings_idle_clients(tmp_path: Path, clock: FakeClock) -> None:
    with (
        task_app(tmp_path, clock, websocket={"heartbeat_seconds": 0.1}) as (client, _, admin),
        client.websocket_connect(f"/ws/events?token={admin}") as ws,
    ):
        assert ws.receive_json(timeout=5)["type"] == "connection"
        assert ws.receive_json(timeout=2)["type"] == "ping"


def test_too_many_connections_are_refused(tmp_path: Path, clock: FakeClock) -> None:
    with (
        task_app(tmp_path, clock, websocket={"max_connections": 1, "admin_reserve": 0}) as (client, _, admin),
        client.websocket_connect(f"/ws/events?token={admin}") as first,
    ):
        first.receive_json(timeout=5)
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(f"/ws/tasks?token={admin}"):
            pass
        assert refused.value.code == 1013 and "Too many" in str(refused.value.detail)


def test_inventory_changes_reach_the_events_socket(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)
    with client.websocket_connect(f"/ws/events?token={admin_token}") as ws:
        ws.receive_json(timeout=5)
        part = client.post("/api/parts/add_part", json={"part_name": "NE555", "quantity": 5}, headers=h).json()["data"]
        created = receive_until(ws, lambda m: m["type"] == "entity_created")[-1]["data"]
        assert (created["entity_type"], created["entity_id"], created["username"]) == ("part", part["id"], "admin")
        assert created["entity_data"]["quantity"] == 5
        client.post(f"/api/parts/{part['id']}/adjust", json={"delta": -2, "reason": "took"}, headers=h)
        updated = receive_until(ws, lambda m: m["type"] == "entity_updated")[-1]["data"]
        assert updated["changes"] == {"delta": -2, "reason": "took", "quantity": 3}
        client.post("/api/locations/add_location", json={"name": "Bin 9"}, headers=h)
        assert receive_until(ws, lambda m: m["type"] == "entity_created")[-1]["data"]["entity_type"] == "location"
        client.delete(f"/api/parts/delete_part?part_id={part['id']}", headers=h)
        deleted = receive_until(ws, lambda m: m["type"] == "entity_deleted")[-1]["data"]
        assert (deleted["entity_type"], deleted["entity_name"]) == ("part", "NE555")
