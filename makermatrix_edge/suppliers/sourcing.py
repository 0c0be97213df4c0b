"""Where a part is bought: its supplier, the supplier's number and the last price paid; the low-stock reorder list.

The last imported order line for the part wins (what was really paid, under the number the
supplier really sold it); without one, the part's own supplier, number and price. Both low stock
and a build's shortage read it here and write their cart files through suppliers/carts.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import msgspec
import sqlite_utils

from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import NotFound
from makermatrix_edge.suppliers import catalogue
from makermatrix_edge.suppliers.carts import CartFile, CartLine, cart_file
from makermatrix_edge.suppliers.money import line_cost, total

LOW_STOCK_LISTED = 500


class Sourcing(msgspec.Struct, frozen=True):
    """How to buy one part again; supplier is a catalogue key or None when nobody we know sells it."""

    part_id: str
    supplier: str | None
    supplier_name: str | None  # as the part or order names it, when it is not one we know too
    supplier_number: str | None
    mpn: str | None
    manufacturer: str | None
    unit_price: float | None
    currency: str | None


class ReorderItem(msgspec.Struct):
    part_id: str
    part_name: str
    quantity: int
    min_quantity: int
    shortage: int
    supplier: str | None
    supplier_name: str | None
    supplier_number: str | None
    unit_price: float | None
    currency: str | None
    cost: float | None
    mpn: str | None
    manufacturer: str | None


class SupplierTotal(msgspec.Struct):
    """One supplier's share of a reorder list: its lines, their cost, and whether a cart file can be made."""

    supplier: str | None
    display_name: str
    lines: int
    cost: float
    currency: str | None
    cart: bool


class ReorderList(msgspec.Struct):
    items: list[ReorderItem]
    total: int
    suppliers: list[SupplierTotal]


_QUERY = """
SELECT p.id, p.supplier, p.part_number, p.manufacturer_part_number, p.manufacturer, p.unit_price, p.currency,
       (SELECT json_array(oi.supplier_part_number, oi.unit_price, o.supplier, o.currency,
                          oi.manufacturer_part_number)
        FROM order_items oi JOIN orders o ON o.id = oi.order_id
        WHERE oi.part_id = p.id ORDER BY oi.seq DESC LIMIT 1) AS last_order
FROM parts p WHERE p.id IN (SELECT value FROM json_each(?))
"""


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def sourcing_of(row: Any) -> Sourcing:
    part_id, supplier, number, mpn, maker, price, currency, last = row
    last_number = last_price = last_supplier = last_currency = last_mpn = None
    if last:
        last_number, last_price, last_supplier, last_currency, last_mpn = json.loads(last)
    named = _text(last_supplier) or _text(supplier)
    known = (
        (catalogue.by_alias(last_supplier, parts=True) if last_supplier else None)
        or (catalogue.by_alias(supplier, parts=True) if supplier else None)
        or (catalogue.by_number(number) if number else None)
    )
    own_number = number if number and known is not None and known.owns_number(number) else None
    return Sourcing(
        part_id=part_id,
        supplier=known.key if known else None,
        supplier_name=known.short_name if known else named,
        supplier_number=_text(last_number) or own_number,
        mpn=_text(mpn) or _text(last_mpn),
        manufacturer=_text(maker),
        unit_price=float(last_price) if last_price is not None else (float(price) if price is not None else None),
        currency=_text(last_currency) or _text(currency),
    )


def sourcing(db: sqlite_utils.Database, part_ids: Iterable[str]) -> dict[str, Sourcing]:
    """Each part's sourcing (parts that do not exist are left out); call inside a read or write."""
    ids = sorted(set(part_ids))
    if not ids:
        return {}
    return {row[0]: sourcing_of(row) for row in db.execute(_QUERY, [json.dumps(ids)]).fetchall()}


def cart_number(s: Sourcing) -> str | None:
    """What goes in the cart's part-number column: the supplier's number, else the manufacturer's."""
    return s.supplier_number or s.mpn


def totals(rows: Iterable[tuple[str | None, str | None, float | None, str | None, bool]]) -> list[SupplierTotal]:
    """Per supplier (catalogue order, then others, then none): rows are (key, name, cost, currency, orderable)."""
    groups: dict[str | None, SupplierTotal] = {}
    for key, name, cost, currency, orderable in rows:
        label = catalogue.get(key).display_name if key else (name or "No supplier recorded")
        group_key = key or (f"?{name.casefold()}" if name else None)
        g = groups.setdefault(group_key, SupplierTotal(key, label, 0, 0.0, currency, cart=False))
        g.lines += 1
        g.cost = total((g.cost, cost))  # the lines as shown add up to it
        g.currency = g.currency or currency
        g.cart = g.cart or (key is not None and orderable)  # the file holds the lines with a number
    order = {k: i for i, k in enumerate(catalogue.KEYS)}
    return sorted(groups.values(), key=lambda g: (order.get(g.supplier or "", 99), g.supplier is None, g.display_name))


class ReorderService:
    """Low stock with something to act on: supplier, last price, shortage, and a cart file per supplier."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _load(self, db: sqlite_utils.Database, limit: int) -> ReorderList:
        where = "FROM parts WHERE min_quantity > 0 AND quantity < min_quantity"
        total = int(db.execute(f"SELECT count(*) {where}").fetchone()[0])
        rows = db.execute(
            f"SELECT id, part_name, quantity, min_quantity {where} "
            "ORDER BY CAST(quantity AS REAL) / min_quantity, part_name LIMIT ?",
            [limit],
        ).fetchall()
        found = sourcing(db, [r[0] for r in rows])
        items = []
        for part_id, name, quantity, minimum in rows:
            s = found[part_id]
            shortage = minimum - quantity
            cost = line_cost(shortage, s.unit_price) if s.unit_price is not None else None
            items.append(ReorderItem(part_id, name, quantity, minimum, shortage, s.supplier, s.supplier_name,
                                     cart_number(s), s.unit_price, s.currency, cost, s.mpn,
                                     s.manufacturer))  # fmt: skip
        groups = totals((i.supplier, i.supplier_name, i.cost, i.currency, i.supplier_number is not None) for i in items)
        return ReorderList(items, total, groups)

    async def low_stock(self, limit: int = LOW_STOCK_LISTED) -> ReorderList:
        return await self._db.read(lambda db: self._load(db, limit))

    async def low_stock_cart(self, supplier: str) -> CartFile:
        """The low-stock parts bought from `supplier`, in its cart format; NotFound for a supplier we do not know."""
        if supplier not in catalogue.KEYS:
            raise NotFound(f"No cart format for supplier {supplier!r}; known: {catalogue.either(list(catalogue.KEYS))}")
        listed = await self.low_stock()
        lines = [
            CartLine(i.supplier_number, i.shortage, i.mpn, i.manufacturer, f"low stock {i.part_name}", i.part_name)
            for i in listed.items
            if i.supplier == supplier and i.supplier_number
        ]
        if not lines:
            raise NotFound(f"No low-stock part is bought from {catalogue.get(supplier).display_name}")
        return cart_file(supplier, lines, "low-stock")
