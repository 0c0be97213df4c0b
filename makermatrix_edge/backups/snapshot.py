"""A consistent copy of the live database, taken with SQLite's online backup API in one step.

One step (pages=-1) matters: an incremental backup restarts on every commit from another
connection and never finishes on a busy daemon. WAL readers do not block the writer, so the
daemon keeps serving and writing meanwhile. The copy is switched to journal_mode=DELETE so it
is one self-contained file.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from makermatrix_edge.db.migrations import migrations

COUNTED_TABLES = ("parts", "locations", "categories", "orders", "users")


def snapshot_database(source: Path, dest: Path, *, busy_timeout_ms: int = 5000) -> None:
    """Copy `source` to `dest` (which must not exist) as of one instant; fsynced."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=busy_timeout_ms / 1000)
    try:
        dst = sqlite3.connect(str(dest))
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode = DELETE")
            dst.commit()
        finally:
            dst.close()
    finally:
        src.close()
    fd = os.open(dest, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def integrity_problems(path: Path) -> list[str]:
    """`PRAGMA integrity_check` on a database file: [] when it is ok."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows


def counts(path: Path) -> dict[str, int]:
    """Rows in the tables a person recognises (a table this schema lacks counts 0)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {
            t: int(conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0]) if t in present else 0
            for t in COUNTED_TABLES
        }
    finally:
        conn.close()


def applied_migrations(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [m.name for m in migrations.applied(sqlite_utils.Database(conn))]
    except sqlite3.DatabaseError:
        return []
    finally:
        conn.close()


def known_migrations() -> list[str]:
    """Every migration this version of the daemon knows, oldest first."""
    return [m.name for m in migrations._migrations]


def unknown_migrations(applied: list[str]) -> list[str]:
    """Migrations a database has that this daemon does not know: it came from a newer version."""
    known = set(known_migrations())
    return [name for name in applied if name not in known]
