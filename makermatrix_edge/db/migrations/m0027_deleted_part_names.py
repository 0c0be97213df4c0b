"""The name of each deleted part, so its stock history (which stays) can still say what it was."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # A part's movements and changes outlive it (the audit), but its row goes; the activity joins this
    # to tell "admin took 2 × NE555 timer (deleted)" rather than "a deleted part". One row per part,
    # written in the same transaction as the delete (or the clear-everything).
    run_script(
        db,
        """
        CREATE TABLE deleted_parts (
            part_id TEXT PRIMARY KEY,
            part_name TEXT NOT NULL,
            deleted_at TEXT NOT NULL
        ) WITHOUT ROWID;
        """,
    )
