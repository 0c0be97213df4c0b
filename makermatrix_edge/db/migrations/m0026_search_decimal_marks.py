"""Index every part again after mm_fold() began keeping a decimal mark between digits ("4.7k" is not "47k")."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._fts import FTS_COLUMNS, fts_values_v3


def migrate(db: sqlite_utils.Database) -> None:
    # mm_fold() dropped every "." and ",", so "4.7kΩ" was indexed as "47kω" and a search for a 47 kΩ
    # resistor offered the 4.7 kΩ one. It now keeps a mark between digits (as "."): index every part again.
    db.execute("DELETE FROM parts_fts")
    db.execute(f"INSERT INTO parts_fts (rowid, {FTS_COLUMNS}) SELECT p.seq, {fts_values_v3('p')} FROM parts p")
