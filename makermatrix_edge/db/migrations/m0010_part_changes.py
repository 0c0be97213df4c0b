"""Moves and edits of a part, for its history."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # Moves and edits of a part, shown in its history beside the stock movements (which stay stock only).
    run_script(
        db,
        """
        CREATE TABLE part_changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            part_id TEXT NOT NULL,
            what TEXT NOT NULL,
            source TEXT NOT NULL,
            user_id TEXT,
            username TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX part_changes_part ON part_changes (part_id, id);
        """,
    )
