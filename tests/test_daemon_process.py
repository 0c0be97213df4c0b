"""The real console script, as systemd or a person would run it."""

from __future__ import annotations

import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from daemon_process import CONSOLE_SCRIPT, ROOT, Daemon

pytestmark = pytest.mark.daemon  # run by the full suite; left out of the fast part


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    proc = Daemon(tmp_path / "data")
    yield proc
    proc.kill()


def test_serves_health_logs_in_and_stops_cleanly_on_sigterm(daemon: Daemon, tmp_path: Path) -> None:
    started = time.monotonic()
    health = daemon.wait_healthy()
    assert time.monotonic() - started < 10
    assert health["data"]["status"] == "healthy" and "database" not in health["data"]  # details need a login
    assert daemon.health_details()["database"]["ok"] is True
    password_file = tmp_path / "data" / "initial-admin-password"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data" / "secret.key").stat().st_mode) == 0o600
    password = password_file.read_text().strip()
    response = httpx.post(daemon.url + "/api/auth/login", json={"username": "admin", "password": password})
    assert response.status_code == 200
    assert response.json()["password_change_required"] is True
    assert daemon.stop() == 0
    log = daemon.log()
    assert str(password_file) in log and password not in log  # where it is, never what it is
    assert "database closed" in log


def test_in_flight_request_finishes_during_sigterm(tmp_path: Path) -> None:
    # bcrypt at cost 14 makes a login take long enough to send SIGTERM in the middle of it.
    proc = Daemon(
        tmp_path / "data",
        env={"MAKERMATRIX_EDGE_ACCOUNTS__BCRYPT_COST": "14", "MAKERMATRIX_EDGE_ADMIN_PASSWORD": "slow-password-1"},
    )
    try:
        proc.wait_healthy(timeout=30)
        result: dict[str, int] = {}

        def slow_login() -> None:
            response = httpx.post(
                proc.url + "/api/auth/login", json={"username": "admin", "password": "slow-password-1"}, timeout=30
            )
            result["status"] = response.status_code

        worker = threading.Thread(target=slow_login)
        worker.start()
        time.sleep(0.3)
        assert proc.stop() == 0
        worker.join(timeout=30)
        assert result.get("status") == 200
    finally:
        proc.kill()


def test_restart_keeps_the_signing_key_and_accounts(tmp_path: Path) -> None:
    first = Daemon(tmp_path / "data", env={"MAKERMATRIX_EDGE_ADMIN_PASSWORD": "restart-pw-1"})
    first.wait_healthy()
    token = httpx.post(first.url + "/api/auth/login", json={"username": "admin", "password": "restart-pw-1"}).json()[
        "access_token"
    ]
    assert first.stop() == 0
    second = Daemon(tmp_path / "data", env={"MAKERMATRIX_EDGE_ADMIN_PASSWORD": "ignored-now-2"})
    try:
        second.wait_healthy()
        me = httpx.get(second.url + "/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["data"]["username"] == "admin"
    finally:
        second.kill()


def test_misspelt_config_key_stops_before_serving(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[server]\nprot = 8080\n")
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "serve", "--config", str(config), "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "server.prot: unknown key" in result.stderr
    assert not (tmp_path / "data").exists()


def test_set_password_from_stdin_ends_sessions(daemon: Daemon, tmp_path: Path) -> None:
    daemon.wait_healthy()
    data = tmp_path / "data"
    old = (data / "initial-admin-password").read_text().strip()
    token = httpx.post(daemon.url + "/api/auth/login", json={"username": "admin", "password": old}).json()[
        "access_token"
    ]
    command = [str(CONSOLE_SCRIPT), "users", "set-password", "admin", "--config", str(ROOT / "config" / "dev.toml")]
    command += ["--data-dir", str(data)]
    # The daemon holds its data dir: a shell command that writes the database waits until it is stopped.
    busy = subprocess.run(command, input="fresh-password-7\n", capture_output=True, text=True, timeout=60)
    assert busy.returncode == 1 and f"the daemon is running (pid {daemon.proc.pid})" in busy.stderr
    assert daemon.stop() == 0
    result = subprocess.run(command, input="fresh-password-7\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "password of admin changed" in result.stdout
    again = Daemon(data)
    try:
        again.wait_healthy()
        assert httpx.get(again.url + "/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        login = httpx.post(again.url + "/api/auth/login", json={"username": "admin", "password": "fresh-password-7"})
        assert login.status_code == 200 and login.json()["password_change_required"] is False
    finally:
        again.stop()
    short = subprocess.run(command, input="short\n", capture_output=True, text=True, timeout=60)
    assert short.returncode == 1 and "at least 8 characters" in short.stderr


def test_version_flag() -> None:
    result = subprocess.run([str(CONSOLE_SCRIPT), "--version"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stdout.startswith("makermatrix-edge ")


def test_too_short_admin_password_from_env_exits_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "serve", "--config", str(ROOT / "config" / "dev.toml"), "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "MAKERMATRIX_EDGE_ADMIN_PASSWORD": "short"},
    )
    assert result.returncode == 2
    assert "MAKERMATRIX_EDGE_ADMIN_PASSWORD: must be at least 8 characters" in result.stderr
    assert "Traceback" not in result.stderr
