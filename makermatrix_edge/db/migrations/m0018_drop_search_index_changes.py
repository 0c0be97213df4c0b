"""The search change log of 0015 goes: a text total is a plain index count again."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # The change log of 0015 kept remembered text-match counts current across edits. Measured at
    # 1 000-100 000 parts it saved a bench nothing it would feel (README, "Exact search totals"):
    # a count is made afresh after an edit, so the log and its triggers go.
    run_script(
        db,
        """
        DROP TRIGGER IF EXISTS parts_fts_log_insert;
        DROP TRIGGER IF EXISTS parts_fts_log_update;
        DROP TRIGGER IF EXISTS parts_fts_log_delete;
        DROP TRIGGER IF EXISTS parts_fts_log_category_added;
        DROP TRIGGER IF EXISTS parts_fts_log_category_removed;
        DROP TRIGGER IF EXISTS parts_fts_log_category_renamed;
        DROP TRIGGER IF EXISTS parts_fts_log_location_moved;
        DROP TRIGGER IF EXISTS parts_fts_log_specs_insert;
        DROP TRIGGER IF EXISTS parts_fts_log_specs_update;
        DROP TRIGGER IF EXISTS parts_fts_changes_trim;
        DROP TABLE IF EXISTS parts_fts_changes;
        """,
    )
