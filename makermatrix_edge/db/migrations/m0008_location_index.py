"""An index for listing a shelf sorted by stock."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # Listing a shelf sorted by stock reads (location, quantity, name) from the index alone.
    db.execute("CREATE INDEX parts_location_quantity ON parts (location_id, quantity, part_name)")
