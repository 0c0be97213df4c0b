"""The assistant's append-only log and its settings row."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # The agent's log is append-only like the stock history: admins read what the assistant did.
    # The assistant's settings changed through /api/ai/config live in one row over the config file.
    run_script(
        db,
        """
        CREATE TABLE assistant_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            username TEXT,
            kind TEXT NOT NULL,
            action TEXT NOT NULL,
            details TEXT NOT NULL DEFAULT '',
            confidence TEXT,
            tools TEXT NOT NULL DEFAULT '[]'
        );
        CREATE TRIGGER assistant_log_no_update BEFORE UPDATE ON assistant_log
        BEGIN SELECT RAISE(ABORT, 'the assistant log is append-only'); END;
        CREATE TRIGGER assistant_log_no_delete BEFORE DELETE ON assistant_log
        BEGIN SELECT RAISE(ABORT, 'the assistant log is append-only'); END;
        CREATE TABLE assistant_config (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            data TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT
        );
        """,
    )
