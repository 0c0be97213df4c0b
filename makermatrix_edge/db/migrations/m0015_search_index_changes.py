"""The log of which parts' search rows changed, for the remembered match counts."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # Which parts' index rows changed, in order, so remembered match counts catch up on a few rows
    # instead of counting tens of thousands of matches again after every edit
    # (inventory/text_counts.py). One logging trigger beside every trigger that writes parts_fts
    # (a test holds the two sets equal); the newest 8192 entries are kept.
    columns = (
        "part_name, part_number, manufacturer_part_number, description, supplier, manufacturer, "
        "location_id, additional_properties"
    )
    log = "INSERT INTO parts_fts_changes (seq)"
    run_script(
        db,
        f"""
        CREATE TABLE parts_fts_changes (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
        CREATE TRIGGER parts_fts_changes_trim AFTER INSERT ON parts_fts_changes WHEN NEW.id % 1024 = 0 BEGIN
            DELETE FROM parts_fts_changes WHERE id <= NEW.id - 8192;
        END;
        CREATE TRIGGER parts_fts_log_insert AFTER INSERT ON parts BEGIN {log} VALUES (NEW.seq); END;
        CREATE TRIGGER parts_fts_log_update AFTER UPDATE OF {columns} ON parts BEGIN
            {log} VALUES (NEW.seq);
        END;
        CREATE TRIGGER parts_fts_log_delete AFTER DELETE ON parts BEGIN {log} VALUES (OLD.seq); END;
        CREATE TRIGGER parts_fts_log_category_added AFTER INSERT ON part_categories BEGIN
            {log} SELECT seq FROM parts WHERE id = NEW.part_id;
        END;
        CREATE TRIGGER parts_fts_log_category_removed AFTER DELETE ON part_categories BEGIN
            {log} SELECT seq FROM parts WHERE id = OLD.part_id;
        END;
        CREATE TRIGGER parts_fts_log_category_renamed AFTER UPDATE OF name ON categories BEGIN
            {log} SELECT p.seq FROM parts p JOIN part_categories pc ON pc.part_id = p.id
                WHERE pc.category_id = NEW.id;
        END;
        CREATE TRIGGER parts_fts_log_location_moved AFTER UPDATE OF path ON locations BEGIN
            {log} SELECT seq FROM parts WHERE location_id = NEW.id;
        END;
        CREATE TRIGGER parts_fts_log_specs_insert AFTER INSERT ON component_specs BEGIN
            {log} SELECT seq FROM parts WHERE id = NEW.part_id;
        END;
        CREATE TRIGGER parts_fts_log_specs_update AFTER UPDATE OF marking, technology, polarity, package
        ON component_specs BEGIN
            {log} SELECT seq FROM parts WHERE id = NEW.part_id;
        END;
        """,
    )
