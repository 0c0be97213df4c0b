"""Open SQLite connections with the pragmas every connection needs."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal

from makermatrix_edge.db.text import fold
from makermatrix_edge.db.values import index_words


def connect(
    path: Path,
    *,
    busy_timeout_ms: int,
    synchronous: Literal["NORMAL", "FULL"] = "FULL",
    read_only: bool = False,
    autocheckpoint: bool = True,
) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), foreign keys on, WAL.

    autocheckpoint=False when Litestream replicates the file: it checkpoints itself, and an
    application checkpoint can race it (litestream.io/tips, its issue #547).
    """
    conn = sqlite3.connect(
        str(path),
        isolation_level=None,
        check_same_thread=False,  # each connection is owned by exactly one worker thread
        timeout=busy_timeout_ms / 1000,
    )
    conn.row_factory = sqlite3.Row
    # Used by the search-index triggers; every connection that writes parts needs it.
    conn.create_function("mm_fold", 1, fold, deterministic=True)
    conn.create_function("mm_values", 1, index_words, deterministic=True)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    if read_only:
        conn.execute("PRAGMA query_only = ON")
    else:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        if not autocheckpoint:
            conn.execute("PRAGMA wal_autocheckpoint = 0")
    return conn


STATS_MIN_PARTS = 1000


def refresh_statistics(conn: sqlite3.Connection) -> bool:
    """Sampled ANALYZE of every table once the inventory is big enough for plans to matter.

    Statistics taken on a nearly empty database are worse than none: SQLite would believe the
    tables tiny and scan where it should seek while an import grows them. So below the threshold
    any old statistics are dropped and SQLite's own estimates are used. Returns True if analysed.
    """
    parts = conn.execute("SELECT count(*) FROM (SELECT 1 FROM parts LIMIT ?)", [STATS_MIN_PARTS]).fetchone()[0]
    if parts < STATS_MIN_PARTS:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            conn.execute("DELETE FROM sqlite_stat1")
        return False
    conn.execute("PRAGMA analysis_limit = 1000")  # sampled: tens of ms at 100 000 parts
    conn.execute("ANALYZE")
    return True
