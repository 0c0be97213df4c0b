"""Imported supplier orders, their lines and the import settings."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # Imported supplier orders and their lines. An item keeps its part_id after the part is deleted
    # (the order is a record of what was bought); the file's sha256 finds a re-sent file without a number.
    run_script(
        db,
        """
        CREATE TABLE orders (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            order_number TEXT COLLATE NOCASE,
            supplier TEXT NOT NULL COLLATE NOCASE,
            order_date TEXT,
            status TEXT NOT NULL DEFAULT 'imported',
            tracking_number TEXT,
            subtotal REAL,
            tax REAL,
            shipping REAL,
            total REAL,
            currency TEXT NOT NULL DEFAULT 'USD',
            import_source TEXT,
            import_date TEXT NOT NULL,
            notes TEXT,
            filename TEXT,
            file_sha256 TEXT,
            created_by_user_id TEXT,
            created_by_username TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX orders_supplier_number ON orders (supplier, order_number);
        CREATE INDEX orders_file ON orders (file_sha256);
        CREATE TABLE order_items (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
            part_id TEXT,
            row_number INTEGER,
            supplier_part_number TEXT,
            manufacturer_part_number TEXT,
            description TEXT,
            manufacturer TEXT,
            quantity_ordered INTEGER NOT NULL CHECK (quantity_ordered > 0),
            quantity_received INTEGER NOT NULL DEFAULT 0,
            unit_price REAL,
            extended_price REAL,
            package TEXT,
            customer_reference TEXT,
            status TEXT NOT NULL DEFAULT 'received',
            action TEXT NOT NULL,
            properties TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(properties))
        );
        CREATE INDEX order_items_order ON order_items (order_id, seq);
        CREATE INDEX order_items_part ON order_items (part_id, seq);
        CREATE TABLE import_config (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
    )
