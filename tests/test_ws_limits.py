"""WebSocket caps: a few sockets per user, and room kept for admins when everyone else fills up."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from conftest import FakeClock, add_user, login
from daemon_process import Daemon
from makermatrix_edge.settings import ConfigError, load_settings
from tasks_support import daemon_login, task_app

LIMITS = {"max_connections": 7, "max_per_user": 3, "admin_reserve": 2}


def _open(stack: ExitStack, client: TestClient[Any], path: str) -> None:
    ws = stack.enter_context(client.websocket_connect(path))
    assert ws.receive_json(timeout=5)["type"] == "connection"


def _refused(client: TestClient[Any], path: str) -> str:
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(path):
        pass
    assert refused.value.code == 1013
    return str(refused.value.detail)


@pytest.fixture
def app(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[TestClient[Any], str]]:
    with task_app(tmp_path, clock, websocket=LIMITS) as (client, _, admin):
        yield client, admin


def test_one_user_holds_only_a_few_sockets(app: tuple[TestClient[Any], str]) -> None:
    client, admin = app
    add_user(client, admin, "vic", "viewer")
    vic = login(client, "vic", "password-123")
    with ExitStack() as stack:
        for path in ("/ws/tasks", "/ws/events", "/ws/tasks"):
            _open(stack, client, f"{path}?token={vic}")
        reason = _refused(client, f"/ws/events?token={vic}")
        assert "of yours: 3 open (limit 3)" in reason, reason
        _open(stack, client, f"/ws/events?token={admin}")  # someone else still gets in


def test_the_last_sockets_are_kept_for_admins(app: tuple[TestClient[Any], str]) -> None:
    client, admin = app
    add_user(client, admin, "vic", "viewer")
    add_user(client, admin, "val", "viewer")
    vic, val = login(client, "vic", "password-123"), login(client, "val", "password-123")
    with ExitStack() as stack:
        for _ in range(3):
            _open(stack, client, f"/ws/events?token={vic}")
        for _ in range(2):
            _open(stack, client, f"/ws/tasks?token={val}")
        # Five of seven taken: the last two are for admins only.
        reason = _refused(client, f"/ws/tasks?token={val}")
        assert "kept for admins" in reason, reason
        _open(stack, client, f"/ws/admin?token={admin}")
        _open(stack, client, f"/ws/tasks?token={admin}")
        reason = _refused(client, f"/ws/events?token={admin}")
        assert "on this daemon (limit 7)" in reason, reason


def test_admin_reserve_must_leave_room_for_others() -> None:
    with pytest.raises(ConfigError, match="admin_reserve"):
        load_settings(overrides={"websocket": {"max_connections": 8, "admin_reserve": 8}})
    defaults = load_settings().websocket
    assert (defaults.max_connections, defaults.max_per_user, defaults.admin_reserve) == (100, 8, 8)


@pytest.mark.daemon
def test_the_daemon_refuses_with_a_403_in_words(tmp_path: Path) -> None:
    password = "ws-limit-pw-1"
    env = {"MAKERMATRIX_EDGE_ADMIN_PASSWORD": password, "MAKERMATRIX_EDGE_WEBSOCKET__MAX_PER_USER": "1"}
    daemon = Daemon(tmp_path / "data", env=env)
    try:
        daemon.wait_healthy()
        token = daemon_login(daemon.url, password)
        url = f"ws://127.0.0.1:{daemon.port}/ws/events?token={token}"
        with connect(url, open_timeout=5) as first:
            assert '"connection"' in str(first.recv(timeout=5))
            with pytest.raises(InvalidStatus) as refused:
                connect(url, open_timeout=5)
            response = refused.value.response
            assert response.status_code == 403
            assert b"Too many live connections of yours: 1 open (limit 1)" in response.body
    finally:
        daemon.stop()
