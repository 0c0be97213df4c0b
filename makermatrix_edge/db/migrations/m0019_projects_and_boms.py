"""Projects (MakerMatrix's), the parts tagged to them, and a bill of materials per project."""

from __future__ import annotations

import json

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script

# The built-in roles' ids (m0001) and the project permissions each gets.
_PROJECT_GRANTS = (
    ("1e9a7655-7f1c-5759-b22c-1f15c89ed5a9", ("projects:*",)),  # manager
    ("e905fdd5-f3f5-5a9c-b0d3-36497449c467", ("projects:read",)),  # user
    ("a02daad1-57e3-5b64-86e6-530e52516de4", ("projects:read",)),  # viewer
)


def migrate(db: sqlite_utils.Database) -> None:
    # A project is MakerMatrix's (uuid id, unique name and slug, status, links); project_parts is its
    # part <-> project tag link. bom_lines go beyond MakerMatrix: one row per line of a board's BOM,
    # quantity per board, the designators it covers and what identifies the part (value, footprint,
    # MPN, supplier numbers, or a rule "any part with these specs"). part_id is the line's effective
    # match (pinned by a person, or the best automatic one, with its reason); a deleted part leaves the
    # line unmatched rather than taking the line with it.
    run_script(
        db,
        """
        CREATE TABLE projects (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            slug TEXT NOT NULL UNIQUE,
            description TEXT,
            status TEXT NOT NULL DEFAULT 'planning',
            image_url TEXT,
            links TEXT CHECK (links IS NULL OR json_valid(links)),
            project_metadata TEXT CHECK (project_metadata IS NULL OR json_valid(project_metadata)),
            estimated_cost REAL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            completed_at TEXT
        );
        CREATE TABLE project_parts (
            project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            part_id TEXT NOT NULL REFERENCES parts(id) ON DELETE CASCADE,
            added_at TEXT NOT NULL,
            notes TEXT,
            PRIMARY KEY (project_id, part_id)
        ) WITHOUT ROWID;
        CREATE INDEX project_parts_part ON project_parts (part_id);
        CREATE TABLE bom_lines (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            designators TEXT NOT NULL DEFAULT '',
            quantity_per_board INTEGER NOT NULL CHECK (quantity_per_board >= 0),
            value TEXT,
            footprint TEXT,
            manufacturer TEXT,
            mpn TEXT COLLATE NOCASE,
            supplier_numbers TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(supplier_numbers)),
            dnp INTEGER NOT NULL DEFAULT 0 CHECK (dnp IN (0, 1)),
            rule TEXT CHECK (rule IS NULL OR json_valid(rule)),
            pinned_part_id TEXT REFERENCES parts(id) ON DELETE SET NULL,
            part_id TEXT REFERENCES parts(id) ON DELETE SET NULL,
            match_reason TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX bom_lines_project ON bom_lines (project_id, position);
        CREATE INDEX bom_lines_part ON bom_lines (part_id);
        CREATE INDEX bom_lines_pinned ON bom_lines (pinned_part_id);
        -- A deleted part leaves its BOM lines unmatched, saying so in words (SET NULL alone would keep
        -- the old reason beside an empty match).
        CREATE TRIGGER bom_lines_part_deleted BEFORE DELETE ON parts BEGIN
            UPDATE bom_lines SET part_id = NULL, pinned_part_id = NULL,
                match_reason = 'Unmatched: the part it was matched to (' || OLD.part_name || ') was deleted'
            WHERE part_id = OLD.id OR pinned_part_id = OLD.id;
        END;
        """,
    )
    # MakerMatrix's roles hold projects:read (viewer, user) and all four project permissions (manager);
    # the built-in rows get them here (an admin's own changes to other permissions are kept).
    for role_id, granted in _PROJECT_GRANTS:
        row = db.execute("SELECT permissions FROM roles WHERE id = ?", [role_id]).fetchone()
        if row is None:
            continue
        permissions = sorted(set(json.loads(row[0])) | set(granted))
        db.execute("UPDATE roles SET permissions = ? WHERE id = ?", [json.dumps(permissions), role_id])
