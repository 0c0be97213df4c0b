"""Bags received by scanning, so the same bag adds stock once."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # Bags received by scanning: the same bag payload received twice adds stock once (unless forced).
    run_script(
        db,
        """
        CREATE TABLE scan_receipts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            receipt_key TEXT NOT NULL,
            part_id TEXT,
            quantity INTEGER NOT NULL DEFAULT 0,
            action TEXT NOT NULL DEFAULT 'pending',
            payload TEXT NOT NULL,
            user_id TEXT,
            username TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX scan_receipts_key ON scan_receipts (receipt_key);
        """,
    )
