"""Parts held by an open build (projects/builds.py reserves them): such a part cannot be deleted."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.errors import Conflict


def reserving_build(db: sqlite_utils.Database, part_id: str | None = None) -> str | None:
    """Words naming the first open build that reserves the part (any part when None), or None."""
    row = db.execute(
        "SELECT b.seq, p.name, pa.part_name FROM build_lines bl JOIN builds b ON b.id = bl.build_id "
        "JOIN projects p ON p.id = b.project_id LEFT JOIN parts pa ON pa.id = bl.part_id "
        "WHERE b.status = 'open' AND (? IS NULL OR bl.part_id = ?) ORDER BY b.seq LIMIT 1",
        [part_id, part_id],
    ).fetchone()
    return f"'{row[2]}' is reserved by build #{row[0]} of {row[1]}" if row else None


def refuse_if_reserved(db: sqlite_utils.Database, part_id: str | None = None) -> None:
    """Conflict in words when an open build reserves the part (or any part); call inside the delete's write."""
    held = reserving_build(db, part_id)
    if held:
        raise Conflict(f"Cannot delete: {held}. Complete or cancel that build first.")
