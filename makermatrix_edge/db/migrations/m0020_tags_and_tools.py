"""Tags (MakerMatrix's, on parts and tools), shared tools with their check-outs and maintenance, their history."""

from __future__ import annotations

import json

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script

# What the built-in roles gain (the values of accounts/roles.BUILTIN_ROLES when tags and tools came):
# added to the role rows that still exist, so an admin's own edits of a role stay.
_GRANTS = (
    ("1e9a7655-7f1c-5759-b22c-1f15c89ed5a9", ("tags:*", "tools:*")),  # manager
    ("e905fdd5-f3f5-5a9c-b0d3-36497449c467", ("tags:read", "tags:assign", "tools:read", "tools:use")),  # user
    ("a02daad1-57e3-5b64-86e6-530e52516de4", ("tags:read", "tools:read")),  # viewer
)


def migrate(db: sqlite_utils.Database) -> None:
    # Tag counts are not stored: they are counted from the link tables, so they cannot drift.
    # One open check-out per tool is the partial unique index, so two people tapping "check out"
    # at once cannot both have it. item_changes is the history of tags and tools (a part's tag
    # changes go to part_changes with its other edits).
    run_script(
        db,
        """
        CREATE TABLE tags (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            color TEXT,
            description TEXT,
            icon TEXT,
            is_system INTEGER NOT NULL DEFAULT 0 CHECK (is_system IN (0, 1)),
            is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
            created_by TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            last_used_at TEXT
        );
        CREATE TABLE part_tags (
            part_id TEXT NOT NULL REFERENCES parts(id) ON DELETE CASCADE,
            tag_id TEXT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            added_at TEXT NOT NULL,
            added_by TEXT,
            PRIMARY KEY (part_id, tag_id)
        ) WITHOUT ROWID;
        CREATE INDEX part_tags_tag ON part_tags (tag_id);
        CREATE TABLE tools (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            tool_name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            tool_number TEXT COLLATE NOCASE,
            description TEXT,
            manufacturer TEXT,
            model_number TEXT,
            tool_type TEXT,
            supplier TEXT,
            supplier_part_number TEXT,
            supplier_url TEXT,
            product_url TEXT,
            image_url TEXT,
            emoji TEXT,
            additional_properties TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(additional_properties)),
            condition TEXT NOT NULL DEFAULT 'good' CHECK (condition IN
                ('excellent', 'good', 'fair', 'poor', 'needs_repair', 'out_of_service')),
            last_maintenance_date TEXT,
            next_maintenance_date TEXT,
            maintenance_notes TEXT,
            purchase_date TEXT,
            purchase_price REAL CHECK (purchase_price IS NULL OR purchase_price >= 0),
            current_value REAL CHECK (current_value IS NULL OR current_value >= 0),
            is_checkable INTEGER NOT NULL DEFAULT 1 CHECK (is_checkable IN (0, 1)),
            is_calibrated_tool INTEGER NOT NULL DEFAULT 0 CHECK (is_calibrated_tool IN (0, 1)),
            is_consumable INTEGER NOT NULL DEFAULT 0 CHECK (is_consumable IN (0, 1)),
            location_id TEXT REFERENCES locations(id) ON DELETE SET NULL,
            quantity INTEGER NOT NULL DEFAULT 1 CHECK (quantity >= 0),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX tools_location ON tools (location_id);
        CREATE TABLE tool_categories (
            tool_id TEXT NOT NULL REFERENCES tools(id) ON DELETE CASCADE,
            category_id TEXT NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
            PRIMARY KEY (tool_id, category_id)
        ) WITHOUT ROWID;
        CREATE TABLE tool_tags (
            tool_id TEXT NOT NULL REFERENCES tools(id) ON DELETE CASCADE,
            tag_id TEXT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            added_at TEXT NOT NULL,
            added_by TEXT,
            PRIMARY KEY (tool_id, tag_id)
        ) WITHOUT ROWID;
        CREATE INDEX tool_tags_tag ON tool_tags (tag_id);
        CREATE TABLE tool_checkouts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            tool_id TEXT NOT NULL REFERENCES tools(id) ON DELETE CASCADE,
            user_id TEXT,
            username TEXT NOT NULL,
            checked_out_at TEXT NOT NULL,
            expected_return_date TEXT,
            notes TEXT,
            checked_out_by TEXT,
            returned_at TEXT,
            returned_by TEXT,
            return_condition TEXT,
            return_notes TEXT
        );
        CREATE UNIQUE INDEX tool_checkouts_open ON tool_checkouts (tool_id) WHERE returned_at IS NULL;
        CREATE INDEX tool_checkouts_tool ON tool_checkouts (tool_id, id);
        CREATE TABLE tool_maintenance (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            tool_id TEXT NOT NULL REFERENCES tools(id) ON DELETE CASCADE,
            maintenance_date TEXT NOT NULL,
            maintenance_type TEXT NOT NULL CHECK (maintenance_type IN
                ('calibration', 'repair', 'inspection', 'cleaning', 'other')),
            performed_by TEXT NOT NULL,
            notes TEXT,
            next_maintenance_date TEXT,
            cost REAL CHECK (cost IS NULL OR cost >= 0),
            created_at TEXT NOT NULL
        );
        CREATE INDEX tool_maintenance_tool ON tool_maintenance (tool_id, maintenance_date);
        CREATE TABLE item_changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL CHECK (kind IN ('tag', 'tool')),
            item_id TEXT NOT NULL,
            what TEXT NOT NULL,
            source TEXT NOT NULL,
            user_id TEXT,
            username TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX item_changes_item ON item_changes (kind, item_id, id);
        """,
    )
    for role_id, grants in _GRANTS:
        row = db.execute("SELECT permissions FROM roles WHERE id = ?", [role_id]).fetchone()
        if row is not None:
            granted = sorted(set(json.loads(row[0])) | set(grants))
            db.execute("UPDATE roles SET permissions = ? WHERE id = ?", [json.dumps(granted), role_id])
