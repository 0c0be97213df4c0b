"""`makermatrix-edge serve` with the remembered text-match counts bypassed (search_totals.py --compare).

Every search then counts its full-text matches in the index, as if inventory/text_counts.py were
not there; everything else is the daemon as shipped.
"""

from __future__ import annotations

import sys

import sqlite_utils

from makermatrix_edge import cli
from makermatrix_edge.inventory.text_counts import TextMatchCounts


def _plain_count(self: TextMatchCounts, db: sqlite_utils.Database, match: str) -> int:
    return int(db.execute("SELECT count(*) FROM parts_fts WHERE parts_fts MATCH ?", [match]).fetchone()[0])


if __name__ == "__main__":
    TextMatchCounts.count = _plain_count  # type: ignore[method-assign]
    sys.exit(cli.main(sys.argv[1:]))
