"""Restore: round trip, into the running daemon (swap), newer-schema refusal, failure keeps the old data."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import threading
import zipfile
from pathlib import Path
from typing import Any

import msgspec
import pytest
from PIL import Image

from backup_support import inside_largest_member
from conftest import FakeClock, make_settings
from daemon_process import CONSOLE_SCRIPT
from inventory_helpers import add_location, add_part
from makermatrix_edge.backups import archive as arc
from makermatrix_edge.backups.restore import RestoreRefused, restore_archive
from makermatrix_edge.backups.verify import BackupInvalid
from makermatrix_edge.db.gateway import Database
from tasks_support import task_app, wait_task


def _png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(out, "PNG")
    return out.getvalue()


def _rows(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


INVENTORY = {
    "parts": "SELECT id, part_name, quantity, location_id FROM parts ORDER BY id",
    "locations": "SELECT id, name, parent_id FROM locations ORDER BY id",
    "categories": "SELECT id, name FROM categories ORDER BY id",
    "part_categories": "SELECT part_id, category_id FROM part_categories ORDER BY part_id, category_id",
}


def _snapshot(data_dir: Path) -> dict[str, Any]:
    db = data_dir / "makermatrix.db"
    out: dict[str, Any] = {name: _rows(db, sql) for name, sql in INVENTORY.items()}
    images = data_dir / "images"
    out["images"] = {p.name: p.read_bytes() for p in sorted(images.glob("*")) if p.is_file()}
    return out


def _build_inventory(client: Any, h: dict[str, str]) -> None:
    shelf = add_location(client, h, "Shelf A")
    drawer = add_location(client, h, "Drawer 1", parent=shelf)
    for i in range(12):
        add_part(client, h, f"Resistor {i}k", quantity=i * 10, location_id=drawer, category_names=["Resistors"])
    for color in ((255, 0, 0), (0, 255, 0)):
        files = {"file": ("p.png", _png(color), "image/png")}
        assert client.post("/api/utility/upload_image", files=files, headers=h).status_code == 200


@pytest.mark.daemon
def test_round_trip_via_cli_onto_an_empty_data_dir_equals_the_original(tmp_path: Path, clock: FakeClock) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    with task_app(tmp_path, clock, backup={"target": str(drive)}) as (client, services, admin):
        h = {"Authorization": f"Bearer {admin}"}
        _build_inventory(client, h)
        created = client.post("/api/utility/backup/create", headers=h).json()["data"]
        wait_task(client, admin, created["task_id"], "completed")
        original = _snapshot(services.settings.data_dir)
        [listed] = client.get("/api/utility/backup/list", headers=h).json()["data"]["backups"]
    assert listed["verified"] is True and listed["filename"] == f"{created['backup_name']}.zip"
    fresh = tmp_path / "fresh"
    proc = subprocess.run(
        [str(CONSOLE_SCRIPT), "restore", str(drive / listed["filename"]), "--data-dir", str(fresh)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "parts 12" in proc.stdout
    restored = _snapshot(fresh)
    assert restored == original
    assert len(restored["parts"]) == 12 and len(restored["images"]) == 2


def test_restore_into_the_running_daemon_swaps_atomically(tmp_path: Path, clock: FakeClock) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    with task_app(tmp_path, clock, backup={"target": str(drive)}) as (client, services, admin):
        h = {"Authorization": f"Bearer {admin}"}
        _build_inventory(client, h)
        created = client.post("/api/utility/backup/create", headers=h).json()["data"]
        wait_task(client, admin, created["task_id"], "completed")
        before = _snapshot(services.settings.data_dir)
        add_part(client, h, "Added after the backup")
        assert client.get("/api/parts/get_all_parts?page_size=100", headers=h).json()["total_parts"] == 13

        errors: list[str] = []
        stop = threading.Event()

        def reader() -> None:  # reads keep being answered, never from a half-restored file
            while not stop.is_set():
                total = client.get("/api/parts/get_all_parts?page_size=1", headers=h).json().get("total_parts")
                if total not in (12, 13):
                    errors.append(f"saw {total} parts")

        thread = threading.Thread(target=reader)
        thread.start()
        try:
            response = client.post(
                "/api/utility/backup/restore", json={"backup_filename": f"{created['backup_name']}.zip"}, headers=h
            )
        finally:
            stop.set()
            thread.join()
        assert response.status_code == 200, response.text
        body = response.json()["data"]
        assert body["counts"]["parts"] == 12 and body["safety_backup"].startswith("safety_before_restore_")
        assert errors == []
        assert client.get("/api/parts/get_all_parts?page_size=100", headers=h).json()["total_parts"] == 12
        add_part(client, h, "Written after the restore")  # writes resume on the new file
        assert _snapshot(services.settings.data_dir)["images"] == before["images"]
        names = [b["filename"] for b in client.get("/api/utility/backup/list", headers=h).json()["data"]["backups"]]
        assert body["safety_backup"] in names


def _archive_with_extra_migration(tmp_path: Path, source: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    db_copy = work / "makermatrix.db"
    with zipfile.ZipFile(source) as zf:
        db_copy.write_bytes(zf.read("makermatrix.db"))
        manifest = msgspec.json.decode(zf.read("manifest.json"))
    conn = sqlite3.connect(db_copy)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('makermatrix_edge', '9999_future', '')"
    )
    conn.commit()
    conn.close()
    manifest.pop("members")
    out = tmp_path / "from_the_future.zip"
    arc.write_archive(out, [arc.Source("makermatrix.db", path=db_copy)], manifest)
    return out


def test_newer_schema_is_refused_and_a_flipped_byte_changes_nothing(tmp_path: Path, clock: FakeClock) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    with task_app(tmp_path, clock, backup={"target": str(drive)}) as (client, services, admin):
        h = {"Authorization": f"Bearer {admin}"}
        _build_inventory(client, h)
        created = client.post("/api/utility/backup/create", headers=h).json()["data"]
        wait_task(client, admin, created["task_id"], "completed")
        good = drive / f"{created['backup_name']}.zip"
        future = _archive_with_extra_migration(tmp_path, good)
        add_part(client, h, "Only in the live data")
        before = _snapshot(services.settings.data_dir)

        with pytest.raises(RestoreRefused, match="newer makermatrix-edge"):
            services.backups.restore(future)
        upload = {"file": ("future.zip", future.read_bytes(), "application/zip")}
        response = client.post("/api/utility/backup/restore/upload", files=upload, headers=h)
        assert response.status_code == 409 and "newer" in response.json()["message"]

        damaged = bytearray(good.read_bytes())
        damaged[inside_largest_member(good, mask=0x40)] ^= 0x40  # in the data itself, not in a header's timestamp
        upload = {"file": ("damaged.zip", bytes(damaged), "application/zip")}
        response = client.post("/api/utility/backup/restore/upload", files=upload, headers=h)
        assert response.status_code == 422, response.text
        assert _snapshot(services.settings.data_dir) == before


def test_failed_swap_puts_the_previous_data_back(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    with task_app(tmp_path, clock, backup={"target": str(drive)}) as (client, services, admin):
        h = {"Authorization": f"Bearer {admin}"}
        _build_inventory(client, h)
        created = client.post("/api/utility/backup/create", headers=h).json()["data"]
        wait_task(client, admin, created["task_id"], "completed")
        add_part(client, h, "Only in the live data")
        before = _snapshot(services.settings.data_dir)
        real_open = Database._open_on_writer
        calls = {"n": 0}

        def fail_once(self: Database) -> list[str]:
            calls["n"] += 1
            if calls["n"] == 1:
                raise sqlite3.DatabaseError("disk I/O error")
            return real_open(self)

        monkeypatch.setattr(Database, "_open_on_writer", fail_once)
        with pytest.raises(sqlite3.DatabaseError):
            services.backups.restore(drive / f"{created['backup_name']}.zip")
        monkeypatch.undo()
        assert _snapshot(services.settings.data_dir) == before
        assert client.get("/api/parts/get_all_parts?page_size=1", headers=h).json()["total_parts"] == 13
        add_part(client, h, "Still writable")


def test_swap_file_with_wal_and_readers(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    db = Database(settings.data_dir / "makermatrix.db", synchronous="NORMAL")
    db.open()
    try:
        db.write_sync(lambda d: d.execute("CREATE TABLE t (v INTEGER)"))
        db.write_sync(lambda d: d.execute("INSERT INTO t VALUES (1)"))
        assert db.read_sync(lambda d: d.execute("SELECT count(*) FROM t").fetchone()[0]) == 1
        assert Path(f"{db.path}-wal").exists()
        other = tmp_path / "other.db"
        conn = sqlite3.connect(other)
        conn.execute("CREATE TABLE t (v INTEGER)")
        conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(5)])
        conn.commit()
        conn.close()
        applied = db.swap_file(other)
        assert "0001_accounts" in applied  # the migrations brought the bare file up to date
        assert db.read_sync(lambda d: d.execute("SELECT count(*) FROM t").fetchone()[0]) == 5
        db.write_sync(lambda d: d.execute("INSERT INTO t VALUES (99)"))
        assert db.read_sync(lambda d: d.execute("SELECT max(v) FROM t").fetchone()[0]) == 99
        assert not other.exists()
    finally:
        db.close()


def test_restore_refuses_a_foreign_zip(tmp_path: Path) -> None:
    foreign = tmp_path / "photos.zip"
    with zipfile.ZipFile(foreign, "w") as zf:
        zf.writestr("img.jpg", b"...")
    with pytest.raises(BackupInvalid, match=r"manifest\.json is missing"):
        restore_archive(foreign, tmp_path / "data")
    assert not (tmp_path / "data" / "makermatrix.db").exists()


@pytest.mark.daemon
def test_cli_backup_writes_a_verified_file_or_says_why_not(tmp_path: Path, clock: FakeClock) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    with task_app(tmp_path, clock) as (client, _, admin):
        add_part(client, {"Authorization": f"Bearer {admin}"}, "Only part")
    env = {"PATH": "/usr/bin:/bin", "MAKERMATRIX_EDGE_BACKUP__TARGET": str(drive)}
    args = [str(CONSOLE_SCRIPT), "backup", "--data-dir", str(tmp_path / "data"), "--name", "by_hand"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert "written and verified" in done.stdout and (drive / "by_hand.zip").is_file()
    env["MAKERMATRIX_EDGE_BACKUP__TARGET"] = str(tmp_path / "not-mounted")
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 1 and "does not exist (drive not mounted?)" in done.stderr
