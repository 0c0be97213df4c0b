"""Supplier settings an admin changed at runtime (enabled, requests per minute) and the log of every change."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # A setting an admin changed wins over the config file, like an admin's credentials do, and
    # survives a restart. The change log is append-only and names keys, never a credential's value.
    run_script(
        db,
        """
        CREATE TABLE supplier_settings (
            supplier TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT,
            PRIMARY KEY (supplier, key)
        ) WITHOUT ROWID;
        CREATE TABLE supplier_changes (
            id INTEGER PRIMARY KEY,
            supplier TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL,
            username TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX supplier_changes_supplier ON supplier_changes (supplier, id);
        """,
    )
