"""Index each value a part writes in one spelling, so "10 kOhm", "10k" and "10,000 Ω" find the same parts."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._fts import FTS_COLUMNS, fts_values_v3
from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # The document now ends with mm_values() of the name, description and properties (db/values.py):
    # the four triggers that write a document are made again with it, then every part is indexed again.
    searchable = (
        "part_name, part_number, manufacturer_part_number, description, supplier, manufacturer, "
        "location_id, additional_properties"
    )
    refresh = (
        f"DELETE FROM parts_fts WHERE rowid = (SELECT seq FROM parts WHERE id = NEW.part_id); "
        f"INSERT INTO parts_fts (rowid, {FTS_COLUMNS}) SELECT p.seq, {fts_values_v3('p')} "
        "FROM parts p WHERE p.id = NEW.part_id;"
    )
    run_script(
        db,
        f"""
        DROP TRIGGER parts_fts_insert;
        DROP TRIGGER parts_fts_update;
        DROP TRIGGER parts_fts_specs_insert;
        DROP TRIGGER parts_fts_specs_update;
        CREATE TRIGGER parts_fts_insert AFTER INSERT ON parts BEGIN
            INSERT INTO parts_fts (rowid, {FTS_COLUMNS}) VALUES (NEW.seq, {fts_values_v3("NEW")});
        END;
        CREATE TRIGGER parts_fts_update AFTER UPDATE OF {searchable} ON parts BEGIN
            DELETE FROM parts_fts WHERE rowid = NEW.seq;
            INSERT INTO parts_fts (rowid, {FTS_COLUMNS}) VALUES (NEW.seq, {fts_values_v3("NEW")});
        END;
        CREATE TRIGGER parts_fts_specs_insert AFTER INSERT ON component_specs BEGIN {refresh} END;
        CREATE TRIGGER parts_fts_specs_update AFTER UPDATE OF marking, technology, polarity, package
        ON component_specs BEGIN {refresh} END;
        DELETE FROM parts_fts;
        INSERT INTO parts_fts (rowid, {FTS_COLUMNS}) SELECT p.seq, {fts_values_v3("p")} FROM parts p;
        """,
    )
