"""Locations, categories, parts, the stock history and the parts' search index (FTS5, trigram)."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._fts import CATEGORIES_OF, FTS_COLUMNS, PART_OF_FTS_ROW, fts_values
from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # `seq` is the stable integer id (ALORA face, search index rowid); `id` the UUID (MakerMatrix
    # face). AUTOINCREMENT so a deleted part's number is never handed to another part.
    run_script(
        db,
        """
        CREATE TABLE locations (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            description TEXT,
            parent_id TEXT REFERENCES locations(id) ON DELETE CASCADE,
            location_type TEXT NOT NULL DEFAULT 'standard',
            image_url TEXT,
            path TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX locations_sibling_name ON locations (coalesce(parent_id, ''), name COLLATE NOCASE);
        CREATE INDEX locations_parent ON locations (parent_id);
        CREATE INDEX locations_name ON locations (name COLLATE NOCASE);

        CREATE TABLE categories (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            description TEXT,
            parent_id TEXT REFERENCES categories(id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE parts (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            part_name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            part_number TEXT COLLATE NOCASE,
            manufacturer TEXT,
            manufacturer_part_number TEXT COLLATE NOCASE,
            description TEXT,
            quantity INTEGER NOT NULL DEFAULT 0 CHECK (quantity >= 0),
            min_quantity INTEGER NOT NULL DEFAULT 0 CHECK (min_quantity >= 0),
            supplier TEXT COLLATE NOCASE,
            location_id TEXT REFERENCES locations(id) ON DELETE SET NULL,
            image_url TEXT,
            unit_price REAL,
            currency TEXT,
            additional_properties TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(additional_properties)),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX parts_part_number ON parts (part_number);
        CREATE INDEX parts_mpn ON parts (manufacturer_part_number);
        CREATE INDEX parts_location ON parts (location_id);
        CREATE INDEX parts_supplier ON parts (supplier);
        CREATE INDEX parts_quantity ON parts (quantity);

        CREATE TABLE part_categories (
            part_id TEXT NOT NULL REFERENCES parts(id) ON DELETE CASCADE,
            category_id TEXT NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
            PRIMARY KEY (part_id, category_id)
        ) WITHOUT ROWID;
        CREATE INDEX part_categories_category ON part_categories (category_id, part_id);

        -- Append-only: no foreign key, so a deleted part's history stays for the record.
        CREATE TABLE stock_movements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            part_id TEXT NOT NULL,
            delta INTEGER NOT NULL,
            quantity_after INTEGER NOT NULL CHECK (quantity_after >= 0),
            reason TEXT NOT NULL,
            source TEXT NOT NULL,
            user_id TEXT,
            username TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX stock_movements_part ON stock_movements (part_id, id);
        CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements
        BEGIN SELECT RAISE(ABORT, 'stock history is append-only'); END;
        CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
        BEGIN SELECT RAISE(ABORT, 'stock history is append-only'); END;
        """,
    )
    # A part's quantity may only become what its newest stock movement says.
    last_after = (
        "coalesce((SELECT quantity_after FROM stock_movements WHERE part_id = NEW.id ORDER BY id DESC LIMIT 1), 0)"
    )
    for event in ("INSERT", "UPDATE OF quantity"):
        name = "parts_quantity_on_" + event.split()[0].lower()
        db.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON parts WHEN NEW.quantity IS NOT {last_after} "
            "BEGIN SELECT RAISE(ABORT, 'quantity changed without a stock movement'); END"
        )
    db.execute(f"CREATE VIRTUAL TABLE parts_fts USING fts5({FTS_COLUMNS}, tokenize = 'trigram')")
    searchable = (
        "part_name, part_number, manufacturer_part_number, description, supplier, manufacturer, "
        "location_id, additional_properties"
    )
    run_script(
        db,
        f"""
        CREATE TRIGGER parts_fts_insert AFTER INSERT ON parts BEGIN
            INSERT INTO parts_fts (rowid, {FTS_COLUMNS}) VALUES (NEW.seq, {fts_values("NEW")});
        END;
        CREATE TRIGGER parts_fts_update AFTER UPDATE OF {searchable} ON parts BEGIN
            DELETE FROM parts_fts WHERE rowid = NEW.seq;
            INSERT INTO parts_fts (rowid, {FTS_COLUMNS}) VALUES (NEW.seq, {fts_values("NEW")});
        END;
        CREATE TRIGGER parts_fts_delete AFTER DELETE ON parts BEGIN
            DELETE FROM parts_fts WHERE rowid = OLD.seq;
        END;
        CREATE TRIGGER parts_fts_category_added AFTER INSERT ON part_categories BEGIN
            UPDATE parts_fts SET categories = {CATEGORIES_OF.format(part_id="NEW.part_id")}
            WHERE rowid = (SELECT seq FROM parts WHERE id = NEW.part_id);
        END;
        CREATE TRIGGER parts_fts_category_removed AFTER DELETE ON part_categories BEGIN
            UPDATE parts_fts SET categories = {CATEGORIES_OF.format(part_id="OLD.part_id")}
            WHERE rowid = (SELECT seq FROM parts WHERE id = OLD.part_id);
        END;
        CREATE TRIGGER parts_fts_category_renamed AFTER UPDATE OF name ON categories BEGIN
            UPDATE parts_fts SET categories = {CATEGORIES_OF.format(part_id=PART_OF_FTS_ROW)}
            WHERE rowid IN (SELECT p.seq FROM parts p JOIN part_categories pc ON pc.part_id = p.id
                            WHERE pc.category_id = NEW.id);
        END;
        CREATE TRIGGER parts_fts_location_moved AFTER UPDATE OF path ON locations BEGIN
            UPDATE parts_fts SET location = mm_fold(NEW.path)
            WHERE rowid IN (SELECT seq FROM parts WHERE location_id = NEW.id);
        END;
        """,
    )
