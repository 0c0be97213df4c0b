from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
import sqlite_utils

from makermatrix_edge.db.gateway import Database
from makermatrix_edge.db.migrations import migrations


def test_migrations_apply_once_and_record_themselves(tmp_path: Path) -> None:
    db = Database(tmp_path / "m.db")
    applied = db.open()
    assert applied == [m.name for m in migrations._migrations]
    db.close()
    again = Database(tmp_path / "m.db")
    assert again.open() == []
    names = again.read_sync(lambda d: [r[0] for r in d.execute("SELECT name FROM _sqlite_migrations ORDER BY id")])
    assert names == applied
    again.close()


def test_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    db = Database(tmp_path / "m.db", busy_timeout_ms=1234)
    db.open()
    for run in (db.read_sync, db.write_sync):
        mode, fks, timeout = run(
            lambda d: (
                d.execute("PRAGMA journal_mode").fetchone()[0],
                d.execute("PRAGMA foreign_keys").fetchone()[0],
                d.execute("PRAGMA busy_timeout").fetchone()[0],
            )
        )
        assert (mode, fks, timeout) == ("wal", 1, 1234)
    db.close()


def test_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    db = Database(tmp_path / "m.db")
    db.open()

    def half_then_fail(d: sqlite_utils.Database) -> None:
        d.execute("INSERT INTO roles (id, name) VALUES ('x', 'half-written')")
        raise ValueError("boom")

    with pytest.raises(ValueError):
        db.write_sync(half_then_fail)
    assert (
        db.read_sync(lambda d: d.execute("SELECT count(*) FROM roles WHERE name = 'half-written'").fetchone()[0]) == 0
    )
    db.close()


def test_reads_cannot_write(tmp_path: Path) -> None:
    db = Database(tmp_path / "m.db")
    db.open()
    with pytest.raises(Exception, match=r"readonly|read-only|query_only"):
        db.read_sync(lambda d: d.execute("DELETE FROM roles"))
    db.close()


def test_async_calls_run_off_the_event_loop_thread(tmp_path: Path) -> None:
    db = Database(tmp_path / "m.db")
    db.open()

    async def go() -> tuple[str, str, str]:
        loop_thread = threading.current_thread().name
        reader = await db.read(lambda d: threading.current_thread().name)
        writer = await db.write(lambda d: threading.current_thread().name)
        return loop_thread, reader, writer

    loop_thread, reader, writer = asyncio.run(go())
    assert reader.startswith("db-reader") and writer.startswith("db-writer")
    assert loop_thread not in (reader, writer)
    db.close()
    db.close()  # idempotent


def test_an_older_database_upgrades_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="0002_inventory")  # as the first release left it
    old.execute(
        "INSERT INTO users (id, username, hashed_password, created_at, updated_at) VALUES ('u1', 'old', 'x', 't', 't')"
    )
    old.conn.commit()
    old.close()
    db = Database(path)
    assert "0002_inventory" in db.open()
    assert db.read_sync(lambda d: d.execute("SELECT username FROM users").fetchone()[0]) == "old"
    assert db.read_sync(lambda d: d.execute("SELECT count(*) FROM parts").fetchone()[0]) == 0
    db.close()


def test_planner_statistics_only_for_a_big_enough_inventory(tmp_path: Path) -> None:
    """Statistics of a nearly empty database made imports quadratic (SQLite scanned instead of seeking)."""
    from makermatrix_edge.db.connection import STATS_MIN_PARTS

    db = Database(tmp_path / "m.db")
    db.open()
    db.write_sync(lambda d: d.execute("ANALYZE"))  # as an old version left it: stats of an empty database
    db.close()
    db = Database(tmp_path / "m.db")
    db.open()
    assert db.read_sync(lambda d: d.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0]) == 0

    def fill(d: sqlite_utils.Database) -> None:
        d.execute("DROP TRIGGER parts_quantity_on_insert")  # bulk rows without stock, for this test only
        d.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO parts (id, part_name, created_at, updated_at) SELECT 'p' || i, 'part ' || i, 't', 't' FROM n",
            [STATS_MIN_PARTS],
        )

    db.write_sync(fill)
    db.close()
    db = Database(tmp_path / "m.db")
    db.open()
    tables = db.read_sync(lambda d: {r[0] for r in d.execute("SELECT tbl FROM sqlite_stat1")})
    assert "parts" in tables
    db.close()
