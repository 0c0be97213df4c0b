"""SQL of orders and order items: earlier imports, matching lines to parts, reading orders back."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import msgspec
import sqlite_utils

from makermatrix_edge.orders.importers.base import OrderLine
from makermatrix_edge.orders.models import (
    EarlierImport,
    ImportConfig,
    OrderItemView,
    OrderView,
    PartOrderItem,
    PartOrderSummary,
    PartPlace,
)

_ORDER_SELECT = "SELECT o.*, (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) AS item_count FROM orders o"


def earlier_import(
    db: sqlite_utils.Database, supplier: str, order_number: str | None, sha256: str
) -> EarlierImport | None:
    """The newest import of the same order (same supplier and number) or of the very same file."""
    row = db.execute(
        "SELECT id, order_number, supplier, import_date, filename, created_by_username FROM orders "
        "WHERE (supplier = ? AND order_number = ? AND ? IS NOT NULL) OR file_sha256 = ? ORDER BY seq DESC LIMIT 1",
        [supplier, order_number, order_number, sha256],
    ).fetchone()
    if row is None:
        return None
    return EarlierImport(
        order_id=row[0], order_number=row[1], supplier=row[2], import_date=row[3], filename=row[4], username=row[5]
    )


def match_part(db: sqlite_utils.Database, line: OrderLine, supplier: str) -> tuple[sqlite3.Row | None, str | None]:
    """The existing part a line means: same supplier part number, else same manufacturer part number."""
    for column, value in (
        ("part_number", line.supplier_part_number),
        ("manufacturer_part_number", line.manufacturer_part_number),
    ):
        if not value:
            continue
        # The same supplier's part first, then the oldest: the one a person most likely meant.
        row = db.execute(
            "SELECT p.id, p.part_name, p.quantity, l.path AS location_path FROM parts p "
            f"LEFT JOIN locations l ON l.id = p.location_id WHERE p.{column} = ? "
            "ORDER BY (lower(replace(coalesce(p.supplier, ''), '-', '')) = ?) DESC, p.seq LIMIT 1",
            [value, supplier],
        ).fetchone()
        if row is not None:
            return row, "supplier_part_number" if column == "part_number" else "manufacturer_part_number"
    return None, None


def name_taken(db: sqlite_utils.Database, name: str) -> bool:
    return db.execute("SELECT 1 FROM parts WHERE part_name = ?", [name]).fetchone() is not None


def insert_order(db: sqlite_utils.Database, values: dict[str, Any]) -> None:
    columns = ", ".join(values)
    db.execute(f"INSERT INTO orders ({columns}) VALUES ({', '.join('?' * len(values))})", list(values.values()))


def insert_item(db: sqlite_utils.Database, values: dict[str, Any]) -> None:
    columns = ", ".join(values)
    db.execute(f"INSERT INTO order_items ({columns}) VALUES ({', '.join('?' * len(values))})", list(values.values()))


def _order_view(row: sqlite3.Row, items: list[OrderItemView] | None = None) -> OrderView:
    return OrderView(
        id=row["id"],
        order_number=row["order_number"],
        supplier=row["supplier"],
        order_date=row["order_date"],
        status=row["status"],
        tracking_number=row["tracking_number"],
        subtotal=row["subtotal"],
        tax=row["tax"],
        shipping=row["shipping"],
        total=row["total"],
        currency=row["currency"],
        import_source=row["import_source"],
        import_date=row["import_date"],
        notes=row["notes"],
        filename=row["filename"],
        created_by_username=row["created_by_username"],
        item_count=row["item_count"],
        order_items=items,
    )


def list_orders(
    db: sqlite_utils.Database, supplier: str | None, limit: int, offset: int
) -> tuple[list[OrderView], int]:
    # An order still `importing` (orders/batches.py) is shown only once complete.
    where, params = ("WHERE o.status != 'importing'", [])
    if supplier:
        where, params = f"{where} AND o.supplier = ?", [supplier]
    total = int(db.execute(f"SELECT count(*) FROM orders o {where}", params).fetchone()[0])
    rows = db.execute(f"{_ORDER_SELECT} {where} ORDER BY o.seq DESC LIMIT ? OFFSET ?", [*params, limit, offset])
    return [_order_view(r) for r in rows.fetchall()], total


def get_order(db: sqlite_utils.Database, order_id: str) -> OrderView | None:
    row = db.execute(f"{_ORDER_SELECT} WHERE o.id = ? AND o.status != 'importing'", [order_id]).fetchone()
    if row is None:
        return None
    items = db.execute(
        "SELECT i.*, p.id AS live_part FROM order_items i LEFT JOIN parts p ON p.id = i.part_id "
        "WHERE i.order_id = ? ORDER BY i.seq",
        [order_id],
    ).fetchall()
    return _order_view(row, [_item_view(i) for i in items])


def _item_view(r: sqlite3.Row) -> OrderItemView:
    return OrderItemView(
        id=r["id"],
        order_id=r["order_id"],
        part_id=r["part_id"],
        part_url=f"/api/parts/get_part?part_id={r['live_part']}" if r["live_part"] else None,
        row_number=r["row_number"],
        supplier_part_number=r["supplier_part_number"],
        manufacturer_part_number=r["manufacturer_part_number"],
        description=r["description"],
        manufacturer=r["manufacturer"],
        quantity_ordered=r["quantity_ordered"],
        quantity_received=r["quantity_received"],
        unit_price=r["unit_price"],
        extended_price=r["extended_price"],
        package=r["package"],
        customer_reference=r["customer_reference"],
        status=r["status"],
        action=r["action"],
        properties=json.loads(r["properties"]),
    )


def order_parts(db: sqlite_utils.Database, order_id: str) -> dict[str, PartPlace]:
    """The parts an order's lines went to, as they are now (deleted ones are absent), by id."""
    rows = db.execute(
        "SELECT DISTINCT p.id, p.part_name, l.path FROM order_items i JOIN parts p ON p.id = i.part_id "
        "LEFT JOIN locations l ON l.id = p.location_id WHERE i.order_id = ?",
        [order_id],
    ).fetchall()
    return {r[0]: PartPlace(part_name=r[1], location=r[2]) for r in rows}


def part_orders(db: sqlite_utils.Database, part_id: str, limit: int = 50) -> list[PartOrderItem]:
    rows = db.execute(
        "SELECT i.id, i.order_id, o.order_number, o.supplier, o.order_date, o.import_date, i.quantity_ordered, "
        "i.unit_price, i.extended_price, o.currency FROM order_items i JOIN orders o ON o.id = i.order_id "
        "WHERE i.part_id = ? AND o.status != 'importing' "
        "ORDER BY coalesce(o.order_date, substr(o.import_date, 1, 10)) DESC, i.seq DESC LIMIT ?",
        [part_id, limit],
    ).fetchall()
    return [PartOrderItem(**dict(r)) for r in rows]


def part_summary(db: sqlite_utils.Database, part_id: str, items: list[PartOrderItem]) -> PartOrderSummary | None:
    if not items:
        return None
    stats = db.execute(
        "SELECT count(DISTINCT order_id), sum(quantity_ordered), min(unit_price), max(unit_price), "
        "sum(unit_price * quantity_ordered) / sum(CASE WHEN unit_price IS NULL THEN 0 ELSE quantity_ordered END) "
        "FROM order_items WHERE part_id = ? AND order_id IN (SELECT id FROM orders WHERE status != 'importing')",
        [part_id],
    ).fetchone()
    last = items[0]
    return PartOrderSummary(
        part_id=part_id,
        last_ordered_date=last.order_date or last.import_date[:10],
        last_ordered_price=last.unit_price,
        last_order_number=last.order_number,
        total_orders=int(stats[0]),
        total_quantity_ordered=int(stats[1] or 0),
        lowest_price=stats[2],
        highest_price=stats[3],
        average_price=round(stats[4], 6) if stats[4] is not None else None,
        currency=last.currency,
    )


def load_config(db: sqlite_utils.Database) -> ImportConfig:
    row = db.execute("SELECT value FROM import_config WHERE key = 'csv'").fetchone()
    return msgspec.json.decode(row[0], type=ImportConfig) if row else ImportConfig()


def save_config(db: sqlite_utils.Database, config: ImportConfig) -> None:
    body = msgspec.json.encode(config).decode()
    db.execute("INSERT OR REPLACE INTO import_config (key, value) VALUES ('csv', ?)", [body])
