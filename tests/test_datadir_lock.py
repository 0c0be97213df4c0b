"""The daemon holds its data dir: a shell restore, demo-data or a second daemon is refused while it runs."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import ADMIN_PASSWORD, FakeClock, make_settings
from daemon_process import CONSOLE_SCRIPT, ROOT, Daemon
from makermatrix_edge.backups.service import BackupOptions
from makermatrix_edge.daemon import build_services
from makermatrix_edge.runtime.datadir_lock import DataDirBusy, DataDirLock

DEV = str(ROOT / "config" / "dev.toml")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKERMATRIX_EDGE_")}
    env.update(MAKERMATRIX_EDGE_ACCOUNTS__BCRYPT_COST="4", MAKERMATRIX_EDGE_ADMIN_PASSWORD=ADMIN_PASSWORD)
    return subprocess.run([str(CONSOLE_SCRIPT), *args], capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A good backup of another bench (one admin, no parts)."""
    drive = tmp_path / "drive"
    drive.mkdir()
    settings = make_settings(tmp_path / "other", backup={"target": str(drive)})
    services = build_services(settings, clock=FakeClock(), admin_password=ADMIN_PASSWORD)
    try:
        return Path(services.backups.create(BackupOptions(backup_name="other")).path)
    finally:
        services.close()


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    proc = Daemon(tmp_path / "data", env={"MAKERMATRIX_EDGE_ADMIN_PASSWORD": ADMIN_PASSWORD})
    proc.wait_healthy()
    yield proc
    proc.kill()


def _parts_in(data_dir: Path) -> list[str]:
    conn = sqlite3.connect(data_dir / "makermatrix.db")
    try:
        return [r[0] for r in conn.execute("SELECT part_name FROM parts ORDER BY part_name")]
    finally:
        conn.close()


@pytest.mark.daemon
def test_cli_restore_into_a_running_daemon_is_refused_and_later_writes_are_kept(
    daemon: Daemon, archive: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    login = httpx.post(daemon.url + "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    h = {"Authorization": f"Bearer {login.json()['access_token']}"}
    refused = _run("restore", str(archive), "--data-dir", str(data))
    assert refused.returncode != 0
    running = f"the daemon is running (pid {daemon.proc.pid}): stop it (sudo systemctl stop makermatrix-edge)"
    assert f"{running} or use the API restore" in refused.stderr
    added = httpx.post(daemon.url + "/api/parts/add_part", json={"part_name": "Written after"}, headers=h)
    assert added.status_code == 200, added.text
    assert daemon.stop() == 0
    assert _parts_in(data) == ["Written after"]  # the acknowledged write is in the file on disk
    done = _run("restore", str(archive), "--data-dir", str(data))  # stopped: the lock is free again
    assert done.returncode == 0, done.stderr
    assert _parts_in(data) == []


@pytest.mark.daemon
def test_demo_data_and_a_second_daemon_are_refused_while_it_runs(daemon: Daemon, tmp_path: Path) -> None:
    data = tmp_path / "data"
    demo = _run("demo-data", "--config", DEV, "--data-dir", str(data))
    assert demo.returncode == 1 and f"the daemon is running (pid {daemon.proc.pid})" in demo.stderr
    second = _run("serve", "--config", DEV, "--data-dir", str(data), "--host", "127.0.0.1", "--port", "1")
    assert second.returncode == 1
    assert f"the daemon is running (pid {daemon.proc.pid}): it already serves {data}" in second.stderr
    assert httpx.get(daemon.url + "/api/health").status_code == 200  # the first one is untouched
    assert _parts_in(data) == []


@pytest.mark.daemon
def test_a_backup_from_the_shell_runs_beside_the_daemon(daemon: Daemon, tmp_path: Path) -> None:
    drive = tmp_path / "drive-2"
    drive.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKERMATRIX_EDGE_")}
    env["MAKERMATRIX_EDGE_BACKUP__TARGET"] = str(drive)
    args = [str(CONSOLE_SCRIPT), "backup", "--data-dir", str(tmp_path / "data"), "--name", "beside"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert (drive / "beside.zip").is_file()
    assert httpx.get(daemon.url + "/api/health").status_code == 200


@pytest.mark.daemon
def test_a_killed_daemon_leaves_no_lock_behind(daemon: Daemon, archive: Path, tmp_path: Path) -> None:
    daemon.kill()  # SIGKILL: no clean-up ran, the lock file still names its pid
    assert (tmp_path / "data" / "daemon.lock").exists()
    done = _run("restore", str(archive), "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 0, done.stderr


def test_the_lock_names_its_holder_and_is_free_after_release(tmp_path: Path) -> None:
    first = DataDirLock(tmp_path, "restore").acquire()
    with pytest.raises(DataDirBusy, match=rf"another makermatrix-edge command \(restore, pid {os.getpid()}\)"):
        DataDirLock(tmp_path, "serve").acquire()
    first.release()
    with DataDirLock(tmp_path, "serve") as again:
        assert again.held
