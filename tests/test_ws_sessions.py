"""Live sockets end with the session: deactivation, a new password, new roles, an expired credential."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient
from litestar.testing.websocket_test_session import WebSocketTestSession

from conftest import ADMIN_PASSWORD, add_user, bearer, login
from makermatrix_edge.services import Services


def _closed(ws: WebSocketTestSession) -> WebSocketDisconnect:
    """The close that must come next; any message first (an event still delivered) fails the test."""
    with pytest.raises(WebSocketDisconnect) as closed:
        message = ws.receive_json(timeout=10)
        raise AssertionError(f"the socket is still open and delivered {message}")
    return closed.value


def _add_part(client: TestClient[Any], admin_token: str) -> None:
    body = {"part_name": f"NE555 {uuid.uuid4().hex[:8]}", "quantity": 5}
    assert client.post("/api/parts/add_part", json=body, headers=bearer(admin_token)).status_code == 200


def test_deactivating_a_user_closes_their_socket(client: TestClient[Any], admin_token: str) -> None:
    alice = add_user(client, admin_token, "alice", "user")
    token = login(client, "alice", "password-123")
    with (
        client.websocket_connect(f"/ws/events?token={token}") as ws,
        client.websocket_connect(f"/ws/events?token={admin_token}") as admin_ws,
    ):
        assert ws.receive_json(timeout=5)["type"] == "connection"
        admin_ws.receive_json(timeout=5)
        done = client.put(f"/api/users/{alice['id']}", json={"is_active": False}, headers=bearer(admin_token))
        assert done.status_code == 200, done.text
        _add_part(client, admin_token)  # an event alice would receive if her socket were still open
        closed = _closed(ws)
        assert closed.code == 4001 and "deactivated" in str(closed.detail)
        assert admin_ws.receive_json(timeout=5)["type"] == "entity_created"  # other users keep theirs


def test_a_new_password_or_new_roles_close_the_users_sockets(client: TestClient[Any], admin_token: str) -> None:
    bob = add_user(client, admin_token, "bob", "user")
    token = login(client, "bob", "password-123")
    with client.websocket_connect(f"/ws/events?token={token}") as ws:
        ws.receive_json(timeout=5)
        body = {"new_password": "another-pass-9"}
        assert client.put(f"/api/users/{bob['id']}/password", json=body, headers=bearer(admin_token)).status_code == 200
        _add_part(client, admin_token)
        closed = _closed(ws)
        assert closed.code == 4001 and "Password changed" in str(closed.detail)
    token = login(client, "bob", "another-pass-9")
    with client.websocket_connect(f"/ws/events?token={token}") as ws:
        ws.receive_json(timeout=5)
        body2 = {"roles": ["viewer"]}
        assert client.put(f"/api/users/{bob['id']}", json=body2, headers=bearer(admin_token)).status_code == 200
        _add_part(client, admin_token)
        closed = _closed(ws)
        assert closed.code == 4001 and "roles changed" in str(closed.detail)


def test_a_socket_closes_when_its_token_expires(client: TestClient[Any], services: Services) -> None:
    admin_id = client.get("/api/auth/me", headers=bearer(login(client, "admin", ADMIN_PASSWORD))).json()["data"]["id"]
    # A token with at most one second left: the socket opens, then must close by itself.
    short = asyncio.run(services.auth.access_token_for(admin_id, seconds=1))
    with client.websocket_connect(f"/ws/events?token={short}") as ws:
        assert ws.receive_json(timeout=5)["type"] == "connection"
        closed = _closed(ws)
        assert closed.code == 4001 and "expired" in str(closed.detail)
