"""Builds of a project's board: the parts an open build reserves, and the stock movements a build took."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # A build of N boards snapshots its BOM (build_lines: the part and quantity per board of each line
    # at the start), so a BOM edited or re-imported later does not change what an open build holds.
    # While open it reserves per_board x (quantity - built) of each line's part; completing takes the
    # stock (one movement per part per completion, listed in build_movements so the reversal gives back
    # exactly what was taken). A part an open build reserves cannot be deleted: the services refuse it
    # in words, and this trigger stops any other path.
    run_script(
        db,
        """
        CREATE TABLE builds (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            quantity INTEGER NOT NULL CHECK (quantity > 0),
            built INTEGER NOT NULL DEFAULT 0 CHECK (built >= 0 AND built <= quantity),
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'cancelled', 'reversed')),
            note TEXT,
            user_id TEXT,
            username TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            closed_at TEXT
        );
        CREATE INDEX builds_project ON builds (project_id, seq);
        CREATE INDEX builds_open ON builds (status) WHERE status = 'open';
        CREATE TABLE build_lines (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            build_id TEXT NOT NULL REFERENCES builds(id) ON DELETE CASCADE,
            bom_line_id INTEGER REFERENCES bom_lines(id) ON DELETE SET NULL,
            part_id TEXT NOT NULL,
            designators TEXT NOT NULL DEFAULT '',
            per_board INTEGER NOT NULL CHECK (per_board > 0)
        );
        CREATE INDEX build_lines_build ON build_lines (build_id);
        CREATE INDEX build_lines_part ON build_lines (part_id);
        CREATE TABLE build_movements (
            build_id TEXT NOT NULL REFERENCES builds(id) ON DELETE CASCADE,
            movement_id INTEGER NOT NULL,
            part_id TEXT NOT NULL,
            delta INTEGER NOT NULL,
            boards INTEGER NOT NULL,
            PRIMARY KEY (build_id, movement_id)
        ) WITHOUT ROWID;
        CREATE TRIGGER parts_reserved_no_delete BEFORE DELETE ON parts
        WHEN EXISTS (SELECT 1 FROM build_lines bl JOIN builds b ON b.id = bl.build_id
                     WHERE bl.part_id = OLD.id AND b.status = 'open')
        BEGIN SELECT RAISE(ABORT, 'part reserved by an open build'); END;
        """,
    )
