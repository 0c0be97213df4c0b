"""A restore reads the archive's database before it replaces anything: ours, its schema, as counted, with an admin."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import sqlite_utils
from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD, FakeClock, bearer, login
from daemon_process import CONSOLE_SCRIPT
from inventory_helpers import add_part
from makermatrix_edge.backups import archive as arc
from makermatrix_edge.backups.schema import schema_problems
from makermatrix_edge.backups.service import BackupOptions
from makermatrix_edge.backups.snapshot import applied_migrations, known_migrations
from makermatrix_edge.db.connection import connect
from makermatrix_edge.db.migrations import migrations
from makermatrix_edge.services import Services
from tasks_support import task_app

Edit = Callable[[sqlite3.Connection], None]
Setup = tuple[TestClient[Any], Services, dict[str, str], Path, Path]


@pytest.fixture
def bench(tmp_path: Path, clock: FakeClock) -> Iterator[Setup]:
    """A daemon with 3 parts and one good backup of them on the drive folder."""
    drive = tmp_path / "drive"
    drive.mkdir()
    with task_app(tmp_path, clock, backup={"target": str(drive)}) as (client, services, admin):
        h = bearer(admin)
        for i in range(3):
            add_part(client, h, f"Part {i}", quantity=i + 1)
        good = Path(services.backups.create(BackupOptions(backup_name="good")).path)
        yield client, services, h, drive, good


def _doctored(good: Path, out: Path, edit: Edit | None = None, *, empty: bool = False, **manifest_changes: Any) -> Path:
    """A copy of `good` whose database was changed by `edit` (or emptied), re-hashed so its checksums match."""
    work = out.parent / f"work-{out.stem}"
    work.mkdir()
    db_copy = work / "makermatrix.db"
    with zipfile.ZipFile(good) as zf:
        db_copy.write_bytes(b"" if empty else zf.read("makermatrix.db"))
        manifest = msgspec.json.decode(zf.read("manifest.json"))
    if edit is not None:
        conn = sqlite3.connect(db_copy)
        edit(conn)
        conn.commit()
        conn.close()
    manifest.pop("members")
    manifest.update(included=[], **manifest_changes)
    arc.write_archive(out, [arc.Source("makermatrix.db", path=db_copy)], manifest)
    return out


def _state(client: TestClient[Any], h: dict[str, str]) -> int:
    response = client.get("/api/parts/get_all_parts?page_size=100", headers=h)
    assert response.status_code == 200, response.text
    return int(response.json()["total_parts"])


def _both_paths_refuse(client: TestClient[Any], h: dict[str, str], archive: Path, status: int, words: str) -> None:
    listed = client.post("/api/utility/backup/restore", json={"backup_filename": archive.name}, headers=h)
    assert listed.status_code == status, listed.text
    assert words in listed.json()["message"]
    upload = {"file": (archive.name, archive.read_bytes(), "application/zip")}
    uploaded = client.post("/api/utility/backup/restore/upload", files=upload, headers=h)
    assert uploaded.status_code == status, uploaded.text
    assert words in uploaded.json()["message"]


def test_an_empty_database_member_is_refused_by_both_api_paths_and_everyone_can_still_log_in(bench: Setup) -> None:
    client, _, h, drive, good = bench
    empty = _doctored(good, drive / "makermatrix_backup_20260101_000000.zip", empty=True)
    with zipfile.ZipFile(empty) as zf:  # the reproduction: 0 bytes, and the manifest's sha256 matches
        assert zf.getinfo("makermatrix.db").file_size == 0
    _both_paths_refuse(client, h, empty, 422, "is empty (0 bytes)")
    assert _state(client, h) == 3
    assert login(client, "admin", ADMIN_PASSWORD)


def test_a_foreign_sqlite_file_and_a_missing_table_are_refused(bench: Setup) -> None:
    client, _, h, drive, good = bench

    def foreign(conn: sqlite3.Connection) -> None:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            if name.startswith("_sqlite_migrations"):
                conn.execute(f"DROP TABLE [{name}]")

    not_ours = _doctored(good, drive / "makermatrix_backup_20260101_000001.zip", foreign)
    _both_paths_refuse(client, h, not_ours, 422, "has no makermatrix-edge migrations table")
    no_history = _doctored(
        good, drive / "makermatrix_backup_20260101_000002.zip", lambda c: c.execute("DROP TABLE stock_movements")
    )
    _both_paths_refuse(client, h, no_history, 422, "lacks the tables stock_movements")
    assert _state(client, h) == 3


def test_counts_that_differ_from_the_manifest_are_refused(bench: Setup) -> None:
    client, _, h, drive, good = bench
    with zipfile.ZipFile(good) as zf:
        claimed = msgspec.json.decode(zf.read("manifest.json"))["counts"]
    lying = _doctored(good, drive / "makermatrix_backup_20260101_000003.zip", counts={**claimed, "parts": 500})
    _both_paths_refuse(client, h, lying, 422, "parts 3 (manifest: 500)")
    assert _state(client, h) == 3


def test_a_database_without_an_active_admin_is_refused(bench: Setup) -> None:
    client, _, h, drive, good = bench
    no_admin = _doctored(
        good, drive / "makermatrix_backup_20260101_000004.zip", lambda c: c.execute("UPDATE users SET is_active = 0")
    )
    _both_paths_refuse(client, h, no_admin, 409, "no active admin user")
    assert _state(client, h) == 3 and login(client, "admin", ADMIN_PASSWORD)


def _cli_restore(archive: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONSOLE_SCRIPT), "restore", str(archive), "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"}},
    )


@pytest.mark.daemon
def test_cli_refuses_an_empty_database_and_prints_counts_read_from_the_restored_file(bench: Setup) -> None:
    _, _, _, drive, good = bench
    target = drive.parent / "offline"
    first = _cli_restore(good, target)
    assert first.returncode == 0, first.stderr
    empty = _doctored(good, drive.parent / "empty.zip", empty=True)
    refused = _cli_restore(empty, target)
    assert refused.returncode == 1 and "nothing restored" in refused.stderr and "is empty (0 bytes)" in refused.stderr
    conn = sqlite3.connect(target / "makermatrix.db")
    try:
        assert conn.execute("SELECT count(*) FROM parts").fetchone()[0] == 3
    finally:
        conn.close()
    # The manifest names only parts; the CLI still reports every table, from the file now in place.
    partial = _doctored(good, drive.parent / "parts-only.zip", counts={"parts": 3})
    done = _cli_restore(partial, target)
    assert done.returncode == 0, done.stderr
    assert "parts 3" in done.stdout and "users 1" in done.stdout


@pytest.mark.daemon
def test_a_renamed_column_is_refused_by_both_api_paths_and_the_cli_and_logins_still_work(bench: Setup) -> None:
    client, _, h, drive, good = bench
    renamed = _doctored(
        good,
        drive / "makermatrix_backup_20260101_000005.zip",
        lambda c: c.execute("ALTER TABLE users RENAME COLUMN token_version TO tv"),
    )
    words = "table users lacks the column token_version"
    _both_paths_refuse(client, h, renamed, 422, words)
    assert _state(client, h) == 3 and login(client, "admin", ADMIN_PASSWORD)
    target = drive.parent / "offline"
    assert _cli_restore(good, target).returncode == 0
    refused = _cli_restore(renamed, target)
    assert refused.returncode == 1 and "nothing restored" in refused.stderr and words in refused.stderr
    assert "unknown column tv" in refused.stderr
    conn = sqlite3.connect(target / "makermatrix.db")
    try:
        assert "token_version" in {r[1] for r in conn.execute("PRAGMA table_info(users)")}
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("DROP INDEX refresh_tokens_user", "lacks the index refresh_tokens_user on refresh_tokens(user_id)"),
        ("DROP TRIGGER parts_fts_insert", "lacks the triggers parts_fts_insert"),
        ("ALTER TABLE users ADD COLUMN nick TEXT NOT NULL DEFAULT ''", "table users has an unknown column nick"),
        ("CREATE TABLE notes (id INTEGER PRIMARY KEY)", "has unknown tables notes"),
        (
            "DROP INDEX refresh_tokens_user; CREATE UNIQUE INDEX refresh_tokens_user ON refresh_tokens (user_id)",
            "has the index refresh_tokens_user not as refresh_tokens(user_id)",
        ),
        ("CREATE TRIGGER wipe AFTER INSERT ON parts BEGIN DELETE FROM users; END", "has unknown triggers wipe"),
        (
            "DROP TRIGGER parts_fts_insert; CREATE TRIGGER parts_fts_insert AFTER INSERT ON parts"
            " BEGIN DELETE FROM users; END",
            "has other bodies for the triggers parts_fts_insert",
        ),
    ],
)
def test_missing_or_altered_indexes_and_triggers_and_unknown_things_are_refused(
    bench: Setup, sql: str, words: str
) -> None:
    client, _, h, drive, good = bench
    changed = _doctored(good, drive / "makermatrix_backup_20260101_000006.zip", lambda c: c.executescript(sql))
    _both_paths_refuse(client, h, changed, 422, words)
    assert _state(client, h) == 3


def test_a_column_of_another_type_is_named_with_both_definitions(bench: Setup) -> None:
    client, _, h, drive, good = bench

    def retype(conn: sqlite3.Connection) -> None:
        # SQLite cannot change a column's type in place: rebuild the table as a careless tool would.
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA legacy_alter_table = ON")
        conn.execute("ALTER TABLE users RENAME TO users_old")
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'users_old'").fetchone()[0]
        old_column = "token_version INTEGER NOT NULL DEFAULT 0"
        conn.execute(sql.replace("users_old", "users", 1).replace(old_column, "token_version TEXT"))
        conn.execute("INSERT INTO users SELECT * FROM users_old")
        conn.execute("DROP TABLE users_old")

    changed = _doctored(good, drive / "makermatrix_backup_20260101_000007.zip", retype)
    _both_paths_refuse(client, h, changed, 422, "column users.token_version is TEXT, not INTEGER NOT NULL DEFAULT 0")
    assert _state(client, h) == 3


def test_an_archive_at_an_older_migration_level_is_judged_against_that_level(tmp_path: Path) -> None:
    older = tmp_path / "older.db"
    conn = sqlite3.connect(older)
    migrations.apply(sqlite_utils.Database(conn), stop_before="0004_components")
    conn.close()
    assert applied_migrations(older)[-1] == "0003_tasks"
    assert schema_problems(older, applied_migrations(older)) is None
    conn = sqlite3.connect(older)
    conn.execute("ALTER TABLE users RENAME COLUMN email TO mail")
    conn.commit()
    conn.close()
    problem = schema_problems(older, applied_migrations(older))
    assert problem is not None and "table users lacks the column email" in problem and "(0003_tasks)" in problem


@pytest.mark.parametrize("first", known_migrations()[1:])
def test_a_database_upgraded_from_any_older_level_passes(tmp_path: Path, first: str) -> None:
    """A live database that an older release made and this one upgraded backs up and restores as it is."""
    path = tmp_path / "upgraded.db"
    conn = connect(path, busy_timeout_ms=1000)  # with the SQL functions the migrations use
    migrations.apply(sqlite_utils.Database(conn), stop_before=first)
    conn.close()
    conn = connect(path, busy_timeout_ms=1000)
    migrations.apply(sqlite_utils.Database(conn))  # later, by the upgraded daemon
    conn.close()
    assert applied_migrations(path) == known_migrations()
    assert schema_problems(path, applied_migrations(path)) is None
