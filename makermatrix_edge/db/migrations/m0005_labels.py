"""Users' own label templates."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # Users' own label templates; the built-in ones live in code (labels/templates.py).
    run_script(
        db,
        """
        CREATE TABLE label_templates (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            body TEXT NOT NULL,
            created_by TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        """,
    )
