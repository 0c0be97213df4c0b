"""Stock rows of an import taken back may go, only inside that rollback."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # A large import commits in batches (orders/batches.py); one that fails or is cancelled is taken
    # back, parts it created included. Their stock rows may go only while a rollback lists the part
    # in import_undo, inside the rollback's own transaction; every other history row stays append-only.
    run_script(
        db,
        """
        CREATE TABLE import_undo (part_id TEXT PRIMARY KEY) WITHOUT ROWID;
        DROP TRIGGER stock_movements_no_delete;
        CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
        WHEN NOT EXISTS (SELECT 1 FROM import_undo WHERE part_id = OLD.part_id)
        BEGIN SELECT RAISE(ABORT, 'stock history is append-only'); END;
        """,
    )
