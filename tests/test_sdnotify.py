"""sd_notify and the watchdog supervisor, in-process against a real datagram socket."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Iterator

import pytest

from makermatrix_edge.runtime.device_state import DeviceState
from makermatrix_edge.runtime.sdnotify import Notifier
from makermatrix_edge.runtime.watchdog import Watchdog, status_line


@pytest.fixture
def abstract_socket() -> Iterator[tuple[str, socket.socket]]:
    name = f"@mm-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name[1:])
    sock.settimeout(2)
    yield name, sock
    sock.close()


def received(sock: socket.socket) -> list[str]:
    out: list[str] = []
    sock.settimeout(0.05)
    try:
        while True:
            out.append(sock.recv(4096).decode())
    except TimeoutError:
        return out


class Dev:
    def __init__(self, state: str) -> None:
        self._state = state

    def state(self) -> DeviceState:
        return DeviceState(kind="fake", state=self._state)  # type: ignore[arg-type]


def test_no_socket_means_no_op() -> None:
    notifier = Notifier(env={})
    assert not notifier.enabled and notifier.watchdog_seconds is None
    assert notifier.ready("x") is False


def test_abstract_address_and_payload(abstract_socket: tuple[str, socket.socket]) -> None:
    name, sock = abstract_socket
    notifier = Notifier(env={"NOTIFY_SOCKET": name, "WATCHDOG_USEC": "30000000"})
    assert notifier.watchdog_seconds == 30.0
    assert notifier.ready("serving on :8080\nsecond line")
    assert sock.recv(4096) == b"READY=1\nSTATUS=serving on :8080 second line"


def test_watchdog_meant_for_another_pid_is_off() -> None:
    env = {"NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid() + 1)}
    assert Notifier(env=env).watchdog_seconds is None
    env["WATCHDOG_PID"] = str(os.getpid())
    assert Notifier(env=env).watchdog_seconds == 30.0


def test_unreachable_socket_is_swallowed() -> None:
    assert Notifier(env={"NOTIFY_SOCKET": "/nonexistent/notify.sock"}).ready("x") is False


def test_status_line_from_devices_and_fragments() -> None:
    devices = {"printer": Dev("ready"), "camera": Dev("offline"), "mdns": Dev("disabled")}
    text = status_line(8080, devices, [lambda: "last backup 02:30 ok", lambda: None])
    assert text == "serving on :8080 · printer ready · camera offline · last backup 02:30 ok"


def test_unhealthy_daemon_stops_pinging_and_says_why(abstract_socket: tuple[str, socket.socket]) -> None:
    name, sock = abstract_socket
    notifier = Notifier(env={"NOTIFY_SOCKET": name, "WATCHDOG_USEC": "2000000"})
    problem: list[str | None] = [None]

    async def health() -> str | None:
        return problem[0]

    watchdog = Watchdog(notifier, status=lambda: "serving on :1", health=health)

    async def scenario() -> None:
        assert await watchdog.tick() is None
        problem[0] = "database not answering"
        assert await watchdog.tick() == "database not answering"
        assert await watchdog.tick() == "database not answering"
        problem[0] = None
        await watchdog.tick()

    asyncio.run(scenario())
    # STATUS is sent only when it changes.
    assert received(sock) == [
        "WATCHDOG=1",
        "STATUS=serving on :1",
        "STATUS=unhealthy: database not answering",
        "WATCHDOG=1",
        "STATUS=serving on :1",
    ]


def test_a_hanging_health_check_counts_as_unhealthy(abstract_socket: tuple[str, socket.socket]) -> None:
    name, sock = abstract_socket
    notifier = Notifier(env={"NOTIFY_SOCKET": name, "WATCHDOG_USEC": "100000"})  # 0.05 s per round

    async def health() -> str | None:
        await asyncio.sleep(5)
        return None

    problem = asyncio.run(Watchdog(notifier, status=lambda: "ok", health=health).tick())
    assert problem is not None and "longer than 0.05 s" in problem
    assert "WATCHDOG=1" not in received(sock)
