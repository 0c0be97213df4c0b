"""A part in several places (MakerMatrix's allocations), and stock movements that name the places they join."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    # The part's quantity stays the running total of its stock movements. part_allocations splits that
    # total: each row is some of it kept in another place (a strip in a bench cassette); the part's own
    # location (its primary place) holds the rest. So the rows may never add up to more than the
    # quantity, a row never names the primary place, and making a place primary takes its row in.
    # A deleted location gives its quantity back to the primary place (ON DELETE CASCADE): the total
    # does not change when a cassette is thrown away.
    # from_location_id / to_location_id / moved: a transfer is one movement row with delta 0 that
    # names both places and the quantity carried; adding stock at a place names only to_location_id.
    run_script(
        db,
        """
        CREATE TABLE part_allocations (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            part_id TEXT NOT NULL REFERENCES parts(id) ON DELETE CASCADE,
            location_id TEXT NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
            quantity INTEGER NOT NULL CHECK (quantity >= 0),
            notes TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (part_id, location_id)
        );
        CREATE INDEX part_allocations_location ON part_allocations (location_id);

        CREATE TRIGGER part_allocations_fit_insert BEFORE INSERT ON part_allocations
        WHEN NEW.quantity + coalesce((SELECT sum(quantity) FROM part_allocations WHERE part_id = NEW.part_id), 0)
             > coalesce((SELECT quantity FROM parts WHERE id = NEW.part_id), 0)
        BEGIN SELECT RAISE(ABORT, 'allocations above the quantity of the part'); END;

        CREATE TRIGGER part_allocations_fit_update BEFORE UPDATE OF quantity, part_id ON part_allocations
        WHEN NEW.quantity + coalesce((SELECT sum(quantity) FROM part_allocations
                                      WHERE part_id = NEW.part_id AND id <> NEW.id), 0)
             > coalesce((SELECT quantity FROM parts WHERE id = NEW.part_id), 0)
        BEGIN SELECT RAISE(ABORT, 'allocations above the quantity of the part'); END;

        CREATE TRIGGER part_allocations_not_primary_insert BEFORE INSERT ON part_allocations
        WHEN NEW.location_id IS (SELECT location_id FROM parts WHERE id = NEW.part_id)
        BEGIN SELECT RAISE(ABORT, 'an allocation never names the primary place of its part'); END;

        CREATE TRIGGER part_allocations_not_primary_update BEFORE UPDATE OF location_id ON part_allocations
        WHEN NEW.location_id IS (SELECT location_id FROM parts WHERE id = NEW.part_id)
        BEGIN SELECT RAISE(ABORT, 'an allocation never names the primary place of its part'); END;

        CREATE TRIGGER parts_quantity_covers_allocations BEFORE UPDATE OF quantity ON parts
        WHEN NEW.quantity < coalesce((SELECT sum(quantity) FROM part_allocations WHERE part_id = NEW.id), 0)
        BEGIN SELECT RAISE(ABORT, 'quantity below what the allocations of the part hold'); END;

        CREATE TRIGGER parts_primary_takes_allocation AFTER UPDATE OF location_id ON parts
        BEGIN DELETE FROM part_allocations WHERE part_id = NEW.id AND location_id IS NEW.location_id; END;

        ALTER TABLE stock_movements ADD COLUMN from_location_id TEXT;
        ALTER TABLE stock_movements ADD COLUMN to_location_id TEXT;
        ALTER TABLE stock_movements ADD COLUMN moved INTEGER CHECK (moved IS NULL OR moved > 0);
        """,
    )
