"""WebSockets against the real daemon over 127.0.0.1: refusal, a slow client, a dead client."""

from __future__ import annotations

import base64
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from daemon_process import Daemon
from tasks_support import daemon_login, daemon_quick, daemon_wait

pytestmark = pytest.mark.daemon  # run by the full suite; left out of the fast part

PASSWORD = "ws-daemon-pw-1"
STEPS = 600


def raw_client(port: int, path: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads (or answers a ping)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    sock.sendall(request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def connections(ws: ClientConnection) -> int:
    ws.send(json.dumps({"type": "get_connection_info"}))
    while True:
        message = json.loads(ws.recv(timeout=5))
        if message["type"] == "connection_info":
            return int(message["data"]["total_connections"])


def start(data_dir: Path, heartbeat: float) -> Daemon:
    env = {
        "MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD,
        "MAKERMATRIX_EDGE_TASKS__ENABLE_TEST_TASKS": "true",
        "MAKERMATRIX_EDGE_WEBSOCKET__QUEUE_SIZE": "64",
        "MAKERMATRIX_EDGE_WEBSOCKET__HEARTBEAT_SECONDS": str(heartbeat),
    }
    proc = Daemon(data_dir, env=env)
    proc.wait_healthy()
    return proc


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Any:
    # Pings far apart, so the stuck client below is dropped for falling behind, not as dead.
    proc = start(tmp_path_factory.mktemp("ws") / "data", heartbeat=30)
    try:
        yield proc
    finally:
        proc.kill()


def test_handshake_without_token_is_refused(daemon: Daemon) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://127.0.0.1:{daemon.port}/ws/tasks", open_timeout=5)
    assert refused.value.response.status_code == 403


def test_a_slow_client_is_cut_off_and_never_slows_a_fast_one(daemon: Daemon) -> None:
    token = daemon_login(daemon.url, PASSWORD)
    url = f"ws://127.0.0.1:{daemon.port}/ws/tasks?token={token}"
    with connect(url, open_timeout=5) as fast:
        assert json.loads(fast.recv(timeout=5))["type"] == "connection"
        slow = raw_client(daemon.port, f"/ws/tasks?token={token}")
        try:
            task = daemon_quick(daemon.url, token, steps=STEPS, interval_ms=3, padding=16_000)
            steps: set[int] = set()
            delays: list[float] = []
            while True:
                message = json.loads(fast.recv(timeout=10))
                data = message.get("data") or {}
                if message["type"] != "task_update" or data.get("id") != task["id"]:
                    continue
                if data["status"] == "completed":
                    break
                step = data["current_step"] or ""
                if step.startswith("step "):
                    steps.add(int(step.split()[1].split("/")[0]))
                    delays.append(time.time() - float(step.split()[2][2:]))
            assert steps == set(range(1, STEPS + 1))  # every update, in spite of the stuck client
            delays.sort()
            assert delays[int(len(delays) * 0.95)] < 0.5
            deadline = time.monotonic() + 5
            while connections(fast) != 1:
                assert time.monotonic() < deadline, "the slow client was never dropped"
                time.sleep(0.1)
        finally:
            slow.close()
    log = daemon.log()
    assert "Too far behind: more than 64 messages waiting" in log
    assert token not in log  # WebSocket URLs are logged with the token redacted


def test_heartbeat_drops_a_dead_connection(tmp_path: Path) -> None:
    daemon = start(tmp_path / "data", heartbeat=0.5)
    try:
        token = daemon_login(daemon.url, PASSWORD)
        with connect(f"ws://127.0.0.1:{daemon.port}/ws/events?token={token}", open_timeout=5) as alive:
            json.loads(alive.recv(timeout=5))
            dead = raw_client(daemon.port, f"/ws/events?token={token}")
            try:
                assert connections(alive) == 2
                deadline = time.monotonic() + 6
                while connections(alive) != 1:  # pinged after 0.5 s, no pong within 0.5 s: gone
                    assert time.monotonic() < deadline, "the dead connection was never noticed"
                    time.sleep(0.1)
            finally:
                dead.close()
            assert connections(alive) == 1  # the live one answered its pings and stays
        task = daemon_quick(daemon.url, token, steps=1, interval_ms=1)
        daemon_wait(daemon.url, token, task["id"], lambda t: t["status"] == "completed")
        assert daemon.stop() == 0
    finally:
        daemon.kill()
