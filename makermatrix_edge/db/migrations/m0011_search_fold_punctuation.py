"""Index every part again after mm_fold() began dropping punctuation inside words."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._fts import FTS_COLUMNS, fts_values_v2


def migrate(db: sqlite_utils.Database) -> None:
    # mm_fold() now drops punctuation inside words ("Wi-Fi" is indexed as "wifi"): index every part again.
    db.execute("DELETE FROM parts_fts")
    db.execute(f"INSERT INTO parts_fts (rowid, {FTS_COLUMNS}) SELECT p.seq, {fts_values_v2('p')} FROM parts p")
