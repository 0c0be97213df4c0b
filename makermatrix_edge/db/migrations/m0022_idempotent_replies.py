"""The first answer to each idempotent request (an API Idempotency-Key or a phone form's action id)."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # One row per (caller, key): a repeat of the same request gets this answer again and changes
    # nothing. fingerprint is sha256 over method, path, query and body, so a key reused for another
    # request is told apart. body is NULL when the answer was too large to keep (body_bytes says how
    # large). Rows older than a day are useless (keys live 24 h) and go in the database cleanup.
    run_script(
        db,
        """
        CREATE TABLE idempotent_replies (
            scope TEXT NOT NULL,
            key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            method TEXT NOT NULL,
            path TEXT NOT NULL,
            status INTEGER NOT NULL,
            headers TEXT NOT NULL CHECK (json_valid(headers)),
            body BLOB,
            body_bytes INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (scope, key)
        );
        CREATE INDEX idempotent_replies_created ON idempotent_replies(created_at);
        """,
    )
