"""Inventory on the ALORA face: a component's quantity, minimum and free-text location, and its value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db import sql
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import BadRequest, NotFound
from makermatrix_edge.inventory import locations, stock
from makermatrix_edge.inventory.component_filters import parse_filters
from makermatrix_edge.inventory.component_models import (
    CategoryTotals,
    Component,
    CostSummary,
    InventoryCreate,
    InventoryItem,
    InventoryUpdate,
    LowStockItem,
)
from makermatrix_edge.inventory.components import (
    CATEGORY_OF_PART,
    SELECT,
    load,
    part_uuid,
    to_component,
)
from makermatrix_edge.inventory.parts import PartService
from makermatrix_edge.runtime.events import EventBus

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
    def __init__(self, db: Database, parts: PartService, clock: Clock, events: EventBus | None = None) -> None:
        self._db = db
        self._parts = parts
        self._clock = clock
        self._events = events or EventBus(clock)

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
        sql.update(db, "parts", columns, where="id = ?", params=[part_id], now=now)
        # The trigger stamps inventory_updated_at only when a value changes; a POST always counts.
        db.execute("UPDATE parts SET inventory_updated_at = ? WHERE id = ?", [now, part_id])

    async def put(self, data: InventoryCreate, actor: Principal | None) -> InventoryItem:
        """Create or replace the component's inventory record."""
        return await self._record(data.component_id, data, actor, find=part_uuid, reason="inventory set")

    async def update(self, seq: int, data: InventoryUpdate, actor: Principal | None) -> InventoryItem:
        if data.quantity is None and data.min_qty is None and data.location is None:
            raise BadRequest("No fields provided for update")
        return await self._record(seq, data, actor, find=_tracked, reason="inventory updated")

    async def _record(
        self,
        seq: int,
        data: InventoryCreate | InventoryUpdate,
        actor: Principal | None,
        *,
        find: Callable[[sqlite_utils.Database, int], str],
        reason: str,
    ) -> InventoryItem:
        """Set what `data` gives on the component's record (found by `find`), then say so."""

        def apply(db: sqlite_utils.Database) -> InventoryItem:
            part_id = find(db, seq)
            self._set(
                db,
                part_id,
                actor,
                quantity=data.quantity,
                min_qty=data.min_qty,
                location=data.location,
                reason=reason,
            )
            return to_item(load(db, seq))

        done = await self._db.write(apply)
        self._events.entity(
            "updated", "component", str(done.component_id), done.component_name, actor, entity_data=done
        )
        return done

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
        """Totals computed by SQLite (a Pi sums 100 000 parts in well under a second), low stock listed."""
        where = "p.inventory_tracked = 1 AND coalesce(s.status, 'ACTIVE') = ?"
        params: list[Any] = [status]
        if category_id is not None:
            conditions, extra, _, _ = parse_filters({"category_id": str(category_id)})
            where += " AND " + " AND ".join(conditions)
            params += extra

        def run(db: sqlite_utils.Database) -> CostSummary:
            groups = db.execute(
                "SELECT c.name, count(*), coalesce(sum(p.quantity), 0), "
                "coalesce(sum(p.quantity * coalesce(p.unit_price, 0)), 0) FROM parts p "
                f"LEFT JOIN component_specs s ON s.part_id = p.id LEFT JOIN categories c ON c.id = {CATEGORY_OF_PART} "
                f"WHERE {where} GROUP BY c.id ORDER BY c.name",
                params,
            ).fetchall()
            low = (
                [
                    to_component(r)
                    for r in db.execute(
                        f"{SELECT} WHERE {where} AND p.quantity < p.min_quantity ORDER BY p.seq", params
                    )
                ]
                if include_low_stock
                else None
            )
            currency = db.execute(
                "SELECT currency FROM parts WHERE currency IS NOT NULL AND inventory_tracked = 1 "
                "GROUP BY currency ORDER BY count(*) DESC LIMIT 1"
            ).fetchone()
            return _summary(groups, low, currency[0] if currency else DEFAULT_CURRENCY)

        return await self._db.read(run)


def _cents(value: float) -> float:
    """Sums of float prices carry binary noise (17.999999999999996); prices have at most a few decimals."""
    return round(float(value), 6)


def _summary(groups: list[Any], low: list[Component] | None, currency: str) -> CostSummary:
    breakdown = {
        (name or UNCATEGORIZED): CategoryTotals(component_count=n, total_quantity=int(q), total_value=_cents(v))
        for name, n, q, v in groups
    }
    return CostSummary(
        total_components=sum(g.component_count for g in breakdown.values()),
        total_quantity=sum(g.total_quantity for g in breakdown.values()),
        total_value=_cents(sum(v for *_, v in groups)),
        currency=currency,
        breakdown_by_category=breakdown,
        low_stock_items=None
        if low is None
        else [
            LowStockItem(
                component_id=c.id,
                part_number=c.part_number,
                category_name=c.category_name,
                quantity=c.quantity,
                min_qty=c.min_qty or 0,
                unit_price=c.unit_price,
                total_value=c.total_value,
                shortage=(c.min_qty or 0) - c.quantity,
            )
            for c in low
        ],
    )
