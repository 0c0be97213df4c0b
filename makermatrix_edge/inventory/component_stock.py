"""Inventory on the ALORA face: a component's quantity, minimum and free-text location, and its value."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import BadRequest, NotFound
from makermatrix_edge.inventory import locations, stock
from makermatrix_edge.inventory.component_models import (
    CategoryTotals,
    Component,
    CostSummary,
    InventoryCreate,
    InventoryItem,
    InventoryUpdate,
    LowStockItem,
)
from makermatrix_edge.inventory.components import SELECT, load, money, part_uuid, to_component
from makermatrix_edge.inventory.parts import PartService

DEFAULT_CURRENCY = "USD"
UNCATEGORIZED = "Uncategorized"


class NegativeAdjustment(BadRequest):
    def __init__(self, current: int, adjustment: int) -> None:
        super().__init__(
            f"Adjustment of {adjustment} would make the quantity negative "
            f"(current quantity: {current}, attempted adjustment: {adjustment})"
        )


def to_item(component: Component) -> InventoryItem:
    return InventoryItem(
        component_id=component.id,
        part_number=component.part_number,
        component_name=component.part_number,
        category_name=component.category_name,
        quantity=component.quantity,
        min_qty=component.min_qty,
        location=component.location,
        last_updated=component.inventory_last_updated,
        unit_price=component.unit_price,
        total_value=component.total_value,
    )


def _tracked(db: sqlite_utils.Database, seq: int) -> str:
    part_id = part_uuid(db, seq)
    if not db.execute("SELECT inventory_tracked FROM parts WHERE id = ?", [part_id]).fetchone()[0]:
        raise NotFound(f"Inventory not found for component {seq}")
    return part_id


class ComponentStockService:
    def __init__(self, db: Database, parts: PartService, clock: Clock) -> None:
        self._db = db
        self._parts = parts
        self._clock = clock

    def _set(
        self,
        db: sqlite_utils.Database,
        part_id: str,
        actor: Principal | None,
        *,
        quantity: int | None,
        min_qty: int | None,
        location: str | None,
        reason: str,
    ) -> None:
        now = iso(self._clock())
        columns: dict[str, Any] = {"inventory_tracked": 1}
        if quantity is not None and stock.record(
            db, part_id, new_quantity=quantity, reason=reason, source="alora", actor=actor, now=now
        ):
            columns["quantity"] = quantity
        if min_qty is not None:
            columns["min_quantity"] = min_qty
        if location is not None:
            columns["location_id"] = locations.find_or_create(db, location, now) if location.strip() else None
        sets = ", ".join(f"{c} = ?" for c in columns)
        db.execute(f"UPDATE parts SET {sets}, updated_at = ? WHERE id = ?", [*columns.values(), now, part_id])
        # The trigger stamps inventory_updated_at only when a value changes; a POST always counts.
        db.execute("UPDATE parts SET inventory_updated_at = ? WHERE id = ?", [now, part_id])

    async def put(self, data: InventoryCreate, actor: Principal | None) -> InventoryItem:
        """Create or replace the component's inventory record."""

        def apply(db: sqlite_utils.Database) -> InventoryItem:
            part_id = part_uuid(db, data.component_id)
            self._set(
                db,
                part_id,
                actor,
                quantity=data.quantity,
                min_qty=data.min_qty,
                location=data.location,
                reason="inventory set",
            )
            return to_item(load(db, data.component_id))

        return await self._db.write(apply)

    async def update(self, seq: int, data: InventoryUpdate, actor: Principal | None) -> InventoryItem:
        if data.quantity is None and data.min_qty is None and data.location is None:
            raise BadRequest("No fields provided for update")

        def apply(db: sqlite_utils.Database) -> InventoryItem:
            part_id = _tracked(db, seq)
            self._set(
                db,
                part_id,
                actor,
                quantity=data.quantity,
                min_qty=data.min_qty,
                location=data.location,
                reason="inventory updated",
            )
            return to_item(load(db, seq))

        return await self._db.write(apply)

    async def adjust(self, seq: int, adjustment: int, actor: Principal | None) -> InventoryItem:
        part_id = await self._db.read(lambda db: _tracked(db, seq))
        if adjustment == 0:
            return await self.get(seq)
        try:
            await self._parts.adjust(part_id, adjustment, "adjusted", actor, source="alora")
        except stock.InsufficientStock as exc:
            raise NegativeAdjustment(exc.current, adjustment) from None
        return await self.get(seq)

    async def get(self, seq: int) -> InventoryItem:
        def run(db: sqlite_utils.Database) -> InventoryItem:
            _tracked(db, seq)
            return to_item(load(db, seq))

        return await self._db.read(run)

    async def list_items(self, component_id: int | None) -> list[InventoryItem]:
        def run(db: sqlite_utils.Database) -> list[InventoryItem]:
            sql = f"{SELECT} WHERE p.inventory_tracked = 1"
            params: list[Any] = []
            if component_id is not None:
                sql += " AND p.seq = ?"
                params.append(component_id)
            return [to_item(to_component(r)) for r in db.execute(sql + " ORDER BY p.seq", params)]

        return await self._db.read(run)

    async def cost(self, *, category_id: int | None, status: str, include_low_stock: bool) -> CostSummary:
        def run(db: sqlite_utils.Database) -> CostSummary:
            sql = f"{SELECT} WHERE p.inventory_tracked = 1 AND coalesce(s.status, 'ACTIVE') = ?"
            params: list[Any] = [status]
            if category_id is not None:
                sql += " AND c.seq = ?"
                params.append(category_id)
            rows = db.execute(sql + " ORDER BY p.seq", params).fetchall()
            currencies = Counter(
                r[0]
                for r in db.execute("SELECT currency FROM parts WHERE currency IS NOT NULL AND inventory_tracked = 1")
            )
            return _summarize([to_component(r) for r in rows], currencies, include_low_stock)

        return await self._db.read(run)


def _summarize(components: list[Component], currencies: Counter[str], include_low_stock: bool) -> CostSummary:
    total_value = Decimal(0)
    groups: dict[str, tuple[int, int, Decimal]] = {}
    low: list[LowStockItem] = []
    for c in components:
        value = Decimal(repr(c.unit_price)) * c.quantity
        total_value += value
        name = c.category_name or UNCATEGORIZED
        count, quantity, group_value = groups.get(name, (0, 0, Decimal(0)))
        groups[name] = (count + 1, quantity + c.quantity, group_value + value)
        if c.min_qty is not None and c.quantity < c.min_qty:
            low.append(
                LowStockItem(
                    component_id=c.id,
                    part_number=c.part_number,
                    category_name=c.category_name,
                    quantity=c.quantity,
                    min_qty=c.min_qty,
                    unit_price=c.unit_price,
                    total_value=money(c.quantity, c.unit_price),
                    shortage=c.min_qty - c.quantity,
                )
            )
    return CostSummary(
        total_components=len(components),
        total_quantity=sum(c.quantity for c in components),
        total_value=float(total_value),
        currency=currencies.most_common(1)[0][0] if currencies else DEFAULT_CURRENCY,
        breakdown_by_category={
            name: CategoryTotals(component_count=n, total_quantity=q, total_value=float(v))
            for name, (n, q, v) in sorted(groups.items())
        },
        low_stock_items=low if include_low_stock else None,
    )
