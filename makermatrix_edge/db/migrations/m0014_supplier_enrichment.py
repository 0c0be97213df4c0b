"""Supplier credentials, datasheets, offers and the enrichment log."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # Credentials an admin set on the phone page (they win over the config file); never read back by the API.
    # Offers: the supplier's prices and stock as fetched, one row per part and supplier.
    # The enrichment log keeps every field enrichment changed, so a bad enrichment can be seen and undone.
    run_script(
        db,
        """
        CREATE TABLE supplier_credentials (
            supplier TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT,
            PRIMARY KEY (supplier, key)
        ) WITHOUT ROWID;
        CREATE TABLE datasheets (
            id TEXT PRIMARY KEY,
            part_id TEXT NOT NULL REFERENCES parts(id) ON DELETE CASCADE,
            filename TEXT NOT NULL,
            title TEXT,
            source_url TEXT,
            supplier TEXT,
            size_bytes INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX datasheets_part ON datasheets (part_id);
        CREATE TABLE supplier_offers (
            part_id TEXT NOT NULL REFERENCES parts(id) ON DELETE CASCADE,
            supplier TEXT NOT NULL,
            supplier_part_number TEXT,
            product_url TEXT,
            currency TEXT,
            price_breaks TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(price_breaks)),
            stock INTEGER,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (part_id, supplier)
        ) WITHOUT ROWID;
        CREATE TABLE enrichment_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            part_id TEXT NOT NULL,
            field TEXT NOT NULL,
            old_value TEXT,
            new_value TEXT,
            supplier TEXT NOT NULL,
            task_id TEXT,
            user_id TEXT,
            username TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX enrichment_log_part ON enrichment_log (part_id, field, id);
        """,
    )
