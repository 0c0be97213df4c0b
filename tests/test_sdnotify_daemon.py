"""A real daemon process talks to a NOTIFY_SOCKET datagram socket the way systemd would see it."""

from __future__ import annotations

import itertools
import socket
import struct
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from daemon_process import Daemon

pytestmark = pytest.mark.daemon  # run by the full suite; left out of the fast part

WATCHDOG_USEC = 1_000_000  # pings expected every 0.5 s


class NotifySocket:
    """The manager's end: records every datagram with its arrival time and the sender's PID."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(str(path))
        self.messages: list[tuple[float, int, str]] = []

    def wait_for(self, line: str, timeout: float) -> tuple[float, int, str]:
        """Receive until a datagram holds `line`; returns that datagram."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data, ancdata, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
            except TimeoutError:
                break
            pid = -1
            for level, kind, payload in ancdata:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("iII", payload[:12])[0]
            message = (time.monotonic(), pid, data.decode())
            self.messages.append(message)
            if line in data.decode().split("\n"):
                return message
        raise AssertionError(f"no {line!r} within {timeout} s; got {[m[2] for m in self.messages]}")

    def lines(self, prefix: str) -> list[tuple[float, str]]:
        return [(at, line) for at, _, text in self.messages for line in text.split("\n") if line.startswith(prefix)]

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def notify() -> Iterator[NotifySocket]:
    # A short directory: AF_UNIX paths are limited to 107 bytes, pytest's tmp_path can be longer.
    with tempfile.TemporaryDirectory(prefix="mmnotify") as folder:
        receiver = NotifySocket(Path(folder) / "notify.sock")
        yield receiver
        receiver.close()


def test_ready_status_watchdog_and_stopping_from_a_real_daemon(notify: NotifySocket, tmp_path: Path) -> None:
    daemon = Daemon(tmp_path / "data", env={"NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": str(WATCHDOG_USEC)})
    try:
        _, pid, ready = notify.wait_for("READY=1", timeout=20)
        # READY means serving: the very first request after it must answer, no retry.
        health = httpx.get(daemon.url + "/api/health", timeout=2)
        assert health.status_code == 200 and health.json()["data"]["status"] == "healthy"  # database answered
        assert pid == daemon.proc.pid  # sent by the main PID (NotifyAccess=main)
        assert f"STATUS=serving on :{daemon.port}" in ready
        assert not any("WATCHDOG=1" in text for _, _, text in notify.messages[:-1])  # nothing pinged before ready

        notify.wait_for("WATCHDOG=1", timeout=3)
        notify.wait_for("WATCHDOG=1", timeout=3)
        notify.wait_for("WATCHDOG=1", timeout=3)
        pings = [at for at, _ in notify.lines("WATCHDOG=1")]
        gaps = [b - a for a, b in itertools.pairwise(pings)]
        assert gaps and max(gaps) <= WATCHDOG_USEC / 1e6 / 2 + 0.25, gaps  # half the interval, some slack

        daemon.proc.send_signal(15)
        _, _, stopping = notify.wait_for("STOPPING=1", timeout=10)
        assert "STATUS=stopping" in stopping
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    log = daemon.log()
    assert "systemd: ready, watchdog every 0.5 s" in log


def test_without_notify_socket_the_daemon_runs_normally(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path / "data")
    try:
        daemon.wait_healthy()
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    assert "systemd" not in daemon.log()
