"""A part's first category, kept by triggers."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # A part's first category (oldest category it is in), kept by triggers: the ALORA face shows one
    # category per component, and grouping 100 000 parts by a per-row subquery is too slow on a Pi.
    first = (
        "(SELECT pc.category_id FROM part_categories pc JOIN categories c ON c.id = pc.category_id "
        "WHERE pc.part_id = {part} ORDER BY c.seq LIMIT 1)"
    )
    run_script(
        db,
        f"""
        ALTER TABLE parts ADD COLUMN first_category_id TEXT;
        UPDATE parts SET first_category_id = {first.format(part="parts.id")};
        CREATE INDEX parts_first_category ON parts (first_category_id);
        CREATE TRIGGER parts_first_category_added AFTER INSERT ON part_categories BEGIN
            UPDATE parts SET first_category_id = {first.format(part="NEW.part_id")} WHERE id = NEW.part_id;
        END;
        CREATE TRIGGER parts_first_category_removed AFTER DELETE ON part_categories BEGIN
            UPDATE parts SET first_category_id = {first.format(part="OLD.part_id")} WHERE id = OLD.part_id;
        END;
        """,
    )
