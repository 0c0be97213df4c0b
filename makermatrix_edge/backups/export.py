"""All parts, locations, categories and orders as one JSON document, produced in pages (streamed)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import sqlite_utils

from makermatrix_edge.db.gateway import Database

TABLES = ("parts", "locations", "categories", "part_categories", "orders", "order_items")
PAGE = 1000
Page = tuple[list[dict[str, Any]], int] | None  # rows and the cursor for the next page; None: no table


def _page(table: str, after: int) -> Callable[[sqlite_utils.Database], Page]:
    """Keyset paging by rowid; a WITHOUT ROWID table (small link tables) pages by offset instead."""

    def read(db: sqlite_utils.Database) -> Page:
        if not db[table].exists():
            return None
        try:
            sql = f"SELECT rowid AS _key, * FROM [{table}] WHERE rowid > ? ORDER BY rowid LIMIT ?"
            cursor = db.execute(sql, [after, PAGE])
            by_rowid = True
        except sqlite3.OperationalError:
            cursor = db.execute(f"SELECT NULL AS _key, * FROM [{table}] LIMIT ? OFFSET ?", [PAGE, after])
            by_rowid = False
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        keys = [row.pop("_key") for row in rows]
        following = (int(keys[-1]) if keys else after) if by_rowid else after + len(rows)
        return rows, following

    return read


async def export_json(db: Database, exported_at: str) -> AsyncIterator[bytes]:
    """{"exported_at": ..., "parts": [...], ...}; each page is one database read, never the whole table."""
    encoder = msgspec.json.Encoder()
    yield b'{"exported_at":' + encoder.encode(exported_at)
    for table in TABLES:
        after = 0
        first = True
        while True:
            page = await db.read(_page(table, after))
            if page is None:
                break
            rows, after = page
            if first:
                yield b',"' + table.encode() + b'":['
            if rows:
                yield (b"" if first else b",") + b",".join(encoder.encode(row) for row in rows)
                first = False
            if len(rows) < PAGE:
                yield b"]"
                break
    yield b"}\n"
