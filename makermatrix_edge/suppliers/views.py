"""What a part's page and API show of enrichment: supplier offers (prices, stock, when) and the change log."""

from __future__ import annotations

import json

import msgspec
import sqlite_utils

from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import NotFound
from makermatrix_edge.suppliers.models import PriceBreak

LOG_SHOWN = 200


class Offer(msgspec.Struct):
    supplier: str
    supplier_part_number: str | None
    product_url: str | None
    currency: str | None
    price_breaks: list[PriceBreak]
    stock: int | None
    fetched_at: str


class LogEntry(msgspec.Struct):
    id: int
    field: str
    old_value: str | None
    new_value: str | None
    supplier: str
    task_id: str | None
    user_id: str | None
    username: str | None
    created_at: str


class Enrichment(msgspec.Struct):
    part_id: str
    offers: list[Offer]
    log: list[LogEntry]


def load_offers(db: sqlite_utils.Database, part_id: str) -> list[Offer]:
    rows = db.execute("SELECT * FROM supplier_offers WHERE part_id = ? ORDER BY supplier", [part_id]).fetchall()
    return [
        Offer(
            supplier=r["supplier"],
            supplier_part_number=r["supplier_part_number"],
            product_url=r["product_url"],
            currency=r["currency"],
            price_breaks=msgspec.convert(json.loads(r["price_breaks"]), list[PriceBreak]),
            stock=r["stock"],
            fetched_at=r["fetched_at"],
        )
        for r in rows
    ]


def load_log(db: sqlite_utils.Database, part_id: str, limit: int = LOG_SHOWN) -> list[LogEntry]:
    rows = db.execute(
        "SELECT id, field, old_value, new_value, supplier, task_id, user_id, username, created_at "
        "FROM enrichment_log WHERE part_id = ? ORDER BY id DESC LIMIT ?",
        [part_id, limit],
    ).fetchall()
    return [LogEntry(**dict(r)) for r in rows]


async def enrichment_of(db: Database, part_id: str) -> Enrichment:
    def load(conn: sqlite_utils.Database) -> Enrichment:
        if conn.execute("SELECT 1 FROM parts WHERE id = ?", [part_id]).fetchone() is None:
            raise NotFound(f"No part with id {part_id}")
        return Enrichment(part_id=part_id, offers=load_offers(conn, part_id), log=load_log(conn, part_id))

    return await db.read(load)
