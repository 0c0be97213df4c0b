"""Open SQLite connections with the pragmas every connection needs."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal

from makermatrix_edge.db.text import fold


def connect(
    path: Path,
    *,
    busy_timeout_ms: int,
    synchronous: Literal["NORMAL", "FULL"] = "FULL",
    read_only: bool = False,
) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), foreign keys on, WAL."""
    conn = sqlite3.connect(
        str(path),
        isolation_level=None,
        check_same_thread=False,  # each connection is owned by exactly one worker thread
        timeout=busy_timeout_ms / 1000,
    )
    conn.row_factory = sqlite3.Row
    # Used by the search-index triggers; every connection that writes parts needs it.
    conn.create_function("mm_fold", 1, fold, deterministic=True)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    if read_only:
        conn.execute("PRAGMA query_only = ON")
    else:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
    return conn
