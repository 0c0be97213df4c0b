"""Backup files on the drive: a listing never writes, parallel ledger writes never collide, symlinks are not ours."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from conftest import FakeClock, bearer
from makermatrix_edge.backups import retention
from makermatrix_edge.backups.service import BackupOptions
from tasks_support import task_app


def test_parallel_listing_after_a_backup_was_deleted_by_hand(tmp_path: Path, clock: FakeClock) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    (tmp_path / "data").mkdir()
    with task_app(tmp_path, clock, backup={"target": str(drive)}) as (client, services, admin):
        first = services.backups.create(BackupOptions(backup_name="first"))
        second = services.backups.create(BackupOptions(backup_name="second"))
        Path(first.path).unlink()  # deleted by hand; the ledger still names it
        ledger = drive / retention.LEDGER
        before = (ledger.read_bytes(), ledger.stat().st_mtime_ns)

        barrier = threading.Barrier(12)

        def listing(_: int) -> Any:
            barrier.wait()
            return client.get("/api/utility/backup/list", headers=bearer(admin))

        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(listing, range(12)))
        assert [a.status_code for a in answers] == [200] * 12, [a.text for a in answers if a.status_code != 200]
        for answer in answers:
            assert [b["filename"] for b in answer.json()["data"]["backups"]] == [second.filename]
        assert (ledger.read_bytes(), ledger.stat().st_mtime_ns) == before  # a GET never writes the ledger

        # The next backup we write drops the entry whose file is gone.
        services.backups.create(BackupOptions(backup_name="third"))
        assert set(retention.read_ledger(drive).backups) == {second.filename, "third.zip"}


def test_parallel_ledger_writes_keep_every_entry(tmp_path: Path) -> None:
    names = [f"makermatrix_backup_20261101_0000{i:02d}.zip" for i in range(16)]
    for name in names:
        (tmp_path / name).write_bytes(b"zip")
    barrier = threading.Barrier(len(names))
    entry = retention.LedgerEntry(created_at="2026-11-01T00:00:00Z", size_bytes=3, verified=True)

    def write(name: str) -> None:
        barrier.wait()
        retention.record(tmp_path, name, entry)

    with ThreadPoolExecutor(len(names)) as pool:
        list(pool.map(write, names))  # re-raises what any writer raised
    assert sorted(retention.read_ledger(tmp_path).backups) == names
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names, retention.LEDGER])  # no temp left


def test_a_symlink_with_a_backup_name_is_neither_listed_nor_served(tmp_path: Path, clock: FakeClock) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    (tmp_path / "data").mkdir()
    with task_app(tmp_path, clock, backup={"target": str(drive)}) as (client, services, admin):
        h = bearer(admin)
        real = services.backups.create(BackupOptions())
        secret = tmp_path / "data" / "secret.key"
        assert secret.is_file()
        planted = "makermatrix_backup_20261124_023000.zip"
        os.symlink(secret, drive / planted)
        os.symlink(drive / real.filename, drive / "makermatrix_backup_20261125_023000.zip")  # even to a backup
        os.mkdir(drive / "makermatrix_backup_20261126_023000.zip")
        ledger = retention.read_ledger(drive)
        ledger.backups[planted] = retention.LedgerEntry(created_at="2026-11-24T02:30:00Z", size_bytes=1, verified=True)
        retention.write_ledger(drive, ledger)  # even when the ledger names it

        listed = client.get("/api/utility/backup/list", headers=h).json()["data"]["backups"]
        assert [b["filename"] for b in listed] == [real.filename]
        for name in (planted, "makermatrix_backup_20261125_023000.zip", "makermatrix_backup_20261126_023000.zip"):
            answer = client.get(f"/api/utility/backup/download/{name}", headers=h)
            assert answer.status_code == 404, (name, answer.status_code)
            assert secret.read_bytes() not in answer.content
        restore = client.post("/api/utility/backup/restore", json={"backup_filename": planted}, headers=h)
        assert restore.status_code == 404
        got = client.get(f"/api/utility/backup/download/{real.filename}", headers=h)
        assert got.status_code == 200 and got.content == (drive / real.filename).read_bytes()
