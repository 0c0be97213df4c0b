"""An emoji beside a part or a location."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    # MakerMatrix shows an emoji beside a part or a location; its clients send and read `emoji`.
    db.execute("ALTER TABLE parts ADD COLUMN emoji TEXT")
    db.execute("ALTER TABLE locations ADD COLUMN emoji TEXT")
