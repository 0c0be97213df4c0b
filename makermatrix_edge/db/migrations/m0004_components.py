"""The ALORA face: component specs beside parts, equivalents, users' integer ids; specs searchable."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._fts import FTS_COLUMNS, fts_values_v2
from makermatrix_edge.db.migrations._script import run_script

# The columns as this migration made them (frozen); live code reads inventory/component_models.py.
_SPEC_TEXT_FIELDS = (
    "v_max", "i_max", "power_max", "gain_min", "gain_max",
    "rds_on", "vgs_max", "vgs_th", "qg", "ciss",
    "vf", "trr", "cj",
    "v_in_max", "v_out", "i_out_max", "accuracy",
)  # fmt: skip
_SPEC_WORD_FIELDS = (
    "marking", "technology", "polarity", "channel", "package",
    "switching_type", "diode_type", "internal_config", "reg_type",
)  # fmt: skip
_SPEC_NUMBER_COLUMNS = (
    "v_max_si", "i_max_si", "power_max_si", "gain_min_si", "gain_max_si",
    "rds_on_si", "vgs_max_si", "vgs_th_min_si", "vgs_th_max_si", "qg_si", "ciss_si",
    "vf_si", "trr_si", "cj_si",
    "v_in_max_si", "v_out_si", "i_out_max_si", "accuracy_si",
)  # fmt: skip


def migrate(db: sqlite_utils.Database) -> None:
    words = ", ".join(f"{f} TEXT COLLATE NOCASE" for f in _SPEC_WORD_FIELDS)
    texts = ", ".join(f"{f} TEXT" for f in _SPEC_TEXT_FIELDS)
    numbers = ", ".join(f"{c} REAL" for c in _SPEC_NUMBER_COLUMNS)
    db.execute(
        "CREATE TABLE component_specs ("
        " part_id TEXT PRIMARY KEY REFERENCES parts(id) ON DELETE CASCADE,"
        " category_id TEXT REFERENCES categories(id) ON DELETE SET NULL,"
        " status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),"
        f" {words}, {texts}, {numbers})"
    )
    run_script(
        db,
        """
        CREATE INDEX component_specs_kind ON component_specs (technology, package, v_max_si);
        CREATE INDEX component_specs_polarity ON component_specs (polarity, v_max_si);
        CREATE INDEX component_specs_v_max ON component_specs (v_max_si);
        CREATE INDEX component_specs_i_max ON component_specs (i_max_si);
        CREATE INDEX component_specs_power ON component_specs (power_max_si);
        CREATE INDEX component_specs_category ON component_specs (category_id);
        CREATE INDEX component_specs_marking ON component_specs (marking);

        ALTER TABLE categories ADD COLUMN status TEXT NOT NULL DEFAULT 'ACTIVE'
            CHECK (status IN ('ACTIVE', 'INACTIVE'));

        -- ALORA: a component may exist before anyone records stock for it.
        ALTER TABLE parts ADD COLUMN inventory_tracked INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE parts ADD COLUMN inventory_updated_at TEXT;
        UPDATE parts SET inventory_updated_at = updated_at;
        -- Any change of stock, minimum or place means the part has an inventory record now.
        CREATE TRIGGER parts_inventory_touched AFTER UPDATE OF quantity, min_quantity, location_id
        ON parts BEGIN
            UPDATE parts SET inventory_updated_at = NEW.updated_at,
                inventory_tracked = CASE WHEN NEW.quantity != OLD.quantity OR NEW.min_quantity != OLD.min_quantity
                    OR NEW.location_id IS NOT OLD.location_id THEN 1 ELSE NEW.inventory_tracked END
            WHERE seq = NEW.seq;
        END;

        -- A stable integer id per user for the ALORA face (users.id stays the UUID).
        ALTER TABLE users ADD COLUMN seq INTEGER;
        UPDATE users SET seq = rowid;
        CREATE UNIQUE INDEX users_seq ON users (seq);
        CREATE TRIGGER users_seq_assign AFTER INSERT ON users WHEN NEW.seq IS NULL BEGIN
            UPDATE users SET seq = (SELECT coalesce(max(seq), 0) + 1 FROM users) WHERE id = NEW.id;
        END;

        CREATE TABLE equivalents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            part_id TEXT NOT NULL REFERENCES parts(id) ON DELETE CASCADE,
            equivalent_part_id TEXT NOT NULL REFERENCES parts(id) ON DELETE CASCADE,
            reason TEXT NOT NULL DEFAULT '',
            created_by TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (part_id, equivalent_part_id),
            CHECK (part_id != equivalent_part_id)
        );
        CREATE INDEX equivalents_equivalent ON equivalents (equivalent_part_id);

        DROP TRIGGER parts_fts_insert;
        DROP TRIGGER parts_fts_update;
        """,
    )
    searchable = (
        "part_name, part_number, manufacturer_part_number, description, supplier, manufacturer, "
        "location_id, additional_properties"
    )
    refresh = (
        f"DELETE FROM parts_fts WHERE rowid = (SELECT seq FROM parts WHERE id = NEW.part_id); "
        f"INSERT INTO parts_fts (rowid, {FTS_COLUMNS}) SELECT p.seq, {fts_values_v2('p')} "
        "FROM parts p WHERE p.id = NEW.part_id;"
    )
    run_script(
        db,
        f"""
        CREATE TRIGGER parts_fts_insert AFTER INSERT ON parts BEGIN
            INSERT INTO parts_fts (rowid, {FTS_COLUMNS}) VALUES (NEW.seq, {fts_values_v2("NEW")});
        END;
        CREATE TRIGGER parts_fts_update AFTER UPDATE OF {searchable} ON parts BEGIN
            DELETE FROM parts_fts WHERE rowid = NEW.seq;
            INSERT INTO parts_fts (rowid, {FTS_COLUMNS}) VALUES (NEW.seq, {fts_values_v2("NEW")});
        END;
        CREATE TRIGGER parts_fts_specs_insert AFTER INSERT ON component_specs BEGIN {refresh} END;
        CREATE TRIGGER parts_fts_specs_update AFTER UPDATE OF marking, technology, polarity, package
        ON component_specs BEGIN {refresh} END;
        """,
    )
