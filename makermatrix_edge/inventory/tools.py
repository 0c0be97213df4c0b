"""A makerspace's shared tools: create, find, edit, delete, check out and return, maintenance, statistics.

Each write is one transaction with its history line (item_changes). Who has a tool is its open
check-out row; the partial unique index on tool_checkouts lets only one be open per tool, so
two check-outs racing for the same tool cannot both succeed.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db import sql
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Conflict, InvalidInput, NotFound, Refused
from makermatrix_edge.inventory import queries
from makermatrix_edge.inventory.models import provided
from makermatrix_edge.inventory.tag_queries import item_history, note_item
from makermatrix_edge.inventory.tool_models import (
    UNAVAILABLE,
    CheckoutView,
    MaintenanceCreate,
    MaintenanceUpdate,
    MaintenanceView,
    ToolCheckout,
    ToolCreate,
    ToolPage,
    ToolReturn,
    ToolSearch,
    ToolStatistics,
    ToolUpdate,
    ToolView,
    when,
)
from makermatrix_edge.inventory.tool_queries import TOOL_SELECT, checkouts, maintenance_view, to_views, tool_view
from makermatrix_edge.runtime.events import EventBus

_DATES = ("purchase_date", "last_maintenance_date", "next_maintenance_date")
_NEVER_NULL = ("tool_name", "condition", "is_checkable", "is_calibrated_tool", "is_consumable", "quantity")
_TEXT_SEARCHED = ("t.tool_name", "t.tool_number", "t.description", "t.manufacturer", "t.model_number")


def _unique(exc: sqlite3.IntegrityError, name: str) -> Exception:
    return Conflict(f"Tool with name '{name}' already exists") if "tools.tool_name" in str(exc) else exc


def _categories(db: sqlite_utils.Database, tool_id: str, category_ids: list[str]) -> None:
    for cid in dict.fromkeys(category_ids):
        if db.execute("SELECT 1 FROM categories WHERE id = ?", [cid]).fetchone() is None:
            raise InvalidInput(f"no category with id {cid}", "category_ids")
    db.execute("DELETE FROM tool_categories WHERE tool_id = ?", [tool_id])
    for cid in dict.fromkeys(category_ids):
        db.execute("INSERT INTO tool_categories (tool_id, category_id) VALUES (?, ?)", [tool_id, cid])


def _holder(db: sqlite_utils.Database, wanted: str | None, actor: Principal | None) -> tuple[str | None, str]:
    """(user id, username) of who takes the tool: a user named by id or username, or the caller."""
    if wanted is None or not wanted.strip():
        if actor is None:
            raise InvalidInput("say who takes the tool", "user_id")
        return actor.user_id, actor.username
    row = db.execute(
        "SELECT id, username FROM users WHERE id = ? OR username = ? COLLATE NOCASE", [wanted.strip(), wanted.strip()]
    ).fetchone()
    if row is None:
        raise NotFound(f"User '{wanted}' not found")
    return str(row[0]), str(row[1])


def _record(db: sqlite_utils.Database, tool_id: str, record_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute("SELECT * FROM tool_maintenance WHERE id = ?", [record_id]).fetchone()
    if row is None:
        raise NotFound(f"Maintenance record with ID '{record_id}' not found")
    if row["tool_id"] != tool_id:
        raise NotFound(f"Maintenance record '{record_id}' does not belong to tool '{tool_id}'")
    return row


class ToolService:
    def __init__(self, db: Database, clock: Clock, events: EventBus | None = None) -> None:
        self._db = db
        self._clock = clock
        self._events = events or EventBus(clock)

    def _told(self, action: str, tool: ToolView, actor: Principal | None) -> ToolView:
        """Publish entity_<action> for /ws/events (after the commit) and hand the tool back."""
        self._events.entity(action, "tool", tool.id, tool.tool_name, actor, entity_data=tool)
        return tool

    def _now(self) -> str:
        return iso(self._clock())

    async def create(self, data: ToolCreate, actor: Principal | None) -> ToolView:
        name = data.tool_name.strip()
        if not name:
            raise InvalidInput("must not be empty", "tool_name")
        values: dict[str, Any] = {
            f: getattr(data, f) for f in data.__struct_fields__ if f not in ("category_ids", "tool_name")
        }
        values["purchase_date"] = when(data.purchase_date, "purchase_date")
        values["additional_properties"] = queries.encode_properties(data.additional_properties or {})
        for flag, default in (("condition", "good"), ("is_checkable", True), ("is_calibrated_tool", False),
                              ("is_consumable", False)):  # fmt: skip
            values[flag] = default if values[flag] is None else values[flag]
        now = self._now()
        new_id = str(uuid.uuid4())

        def insert(db: sqlite_utils.Database) -> ToolView:
            queries.require_location(db, data.location_id)
            try:
                row = {"id": new_id, "tool_name": name, **values, "created_at": now, "updated_at": now}
                marks = ",".join("?" * len(row))
                db.execute(f"INSERT INTO tools ({', '.join(row)}) VALUES ({marks})", list(row.values()))
            except sqlite3.IntegrityError as exc:
                raise _unique(exc, name) from None
            _categories(db, new_id, data.category_ids or [])
            note_item(db, "tool", new_id, f"created '{name}'", actor, now)
            return tool_view(db, new_id)

        return self._told("created", await self._db.write(insert), actor)

    async def get(self, tool_id: str) -> ToolView:
        return await self._db.read(lambda db: tool_view(db, tool_id))

    async def list_tools(self, page: int, page_size: int) -> ToolPage:
        return await self.search(ToolSearch(page=page, page_size=page_size))

    async def search(self, s: ToolSearch) -> ToolPage:
        where: list[str] = []
        params: list[Any] = []
        if s.search_term and s.search_term.strip():
            term = s.search_term.strip()
            like = f"%{term.removeprefix('#').lower()}%"
            # tags are searched too: '#loaner' or 'loaner' finds the tools tagged so
            text = " OR ".join(f"lower(coalesce({c}, '')) LIKE ?" for c in _TEXT_SEARCHED)
            where.append(
                f"({text} OR t.id IN (SELECT tt.tool_id FROM tool_tags tt JOIN tags g ON g.id = tt.tag_id "
                "WHERE lower(g.name) LIKE ?))"
            )
            params += [like] * (len(_TEXT_SEARCHED) + 1)
        for column, value in (("t.manufacturer", s.manufacturer), ("t.tool_type", s.tool_type),
                              ("t.condition", s.condition), ("t.location_id", s.location_id)):  # fmt: skip
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        for column, flag in (("t.is_calibrated_tool", s.is_calibrated_tool), ("t.is_consumable", s.is_consumable)):
            if flag is not None:
                where.append(f"{column} = ?")
                params.append(int(flag))
        if s.is_checked_out is not None:
            where.append("c.username IS NOT NULL" if s.is_checked_out else "c.username IS NULL")
        if s.is_available:
            where.append(f"c.username IS NULL AND t.is_checkable = 1 AND t.condition NOT IN {UNAVAILABLE}")
        if s.needs_maintenance:
            where.append("t.next_maintenance_date IS NOT NULL AND t.next_maintenance_date <= ?")
            params.append(self._now())
        if s.category_ids:
            marks = ",".join("?" * len(s.category_ids))
            where.append(f"t.id IN (SELECT tool_id FROM tool_categories WHERE category_id IN ({marks}))")
            params += s.category_ids
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        order = f"t.{s.sort_by} {'DESC' if s.sort_order == 'desc' else 'ASC'}, t.seq"

        def run(db: sqlite_utils.Database) -> ToolPage:
            total = int(db.execute(f"SELECT count(*) FROM ({TOOL_SELECT}{clause})", params).fetchone()[0])
            rows = db.execute(
                f"{TOOL_SELECT}{clause} ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, s.page_size, (s.page - 1) * s.page_size],
            ).fetchall()
            return ToolPage(to_views(db, rows), total, s.page, s.page_size, (total + s.page_size - 1) // s.page_size)

        return await self._db.read(run)

    async def update(self, tool_id: str, data: ToolUpdate, actor: Principal | None) -> ToolView:
        changes = provided(data, ignore=frozenset({"category_ids"}))
        # a null on a field that cannot be empty leaves it (MakerMatrix ignores every null)
        changes = {k: v for k, v in changes.items() if not (v is None and k in _NEVER_NULL)}
        for field in _DATES:
            if field in changes:
                changes[field] = when(changes[field], field)
        if "tool_name" in changes:
            changes["tool_name"] = str(changes["tool_name"]).strip()
            if not changes["tool_name"]:
                raise InvalidInput("must not be empty", "tool_name")
        if "additional_properties" in changes:
            changes["additional_properties"] = queries.encode_properties(changes["additional_properties"] or {})
        category_ids = data.category_ids if isinstance(data.category_ids, list) else None
        now = self._now()

        def apply(db: sqlite_utils.Database) -> ToolView:
            before = tool_view(db, tool_id)
            if "location_id" in changes:
                queries.require_location(db, changes["location_id"])
            try:
                sql.update(db, "tools", changes, where="id = ?", params=[tool_id], now=now)
            except sqlite3.IntegrityError as exc:
                raise _unique(exc, str(changes.get("tool_name"))) from None
            if category_ids is not None:
                _categories(db, tool_id, category_ids)
            after = tool_view(db, tool_id)
            edited = [k.replace("_", " ") for k in changes if getattr(before, k, None) != getattr(after, k, None)]
            if [c.id for c in before.categories] != [c.id for c in after.categories]:
                edited.append("categories")
            if edited:
                note_item(db, "tool", tool_id, f"edited: {', '.join(edited)}", actor, now)
            return after

        return self._told("updated", await self._db.write(apply), actor)

    async def delete(self, tool_id: str, actor: Principal | None) -> ToolView:
        now = self._now()

        def apply(db: sqlite_utils.Database) -> ToolView:
            view = tool_view(db, tool_id)
            db.execute("DELETE FROM tools WHERE id = ?", [tool_id])
            note_item(db, "tool", tool_id, f"deleted '{view.tool_name}'", actor, now)
            return view

        return self._told("deleted", await self._db.write(apply), actor)

    async def checkout(self, tool_id: str, data: ToolCheckout, actor: Principal | None) -> ToolView:
        due = when(data.expected_return_date, "expected_return_date")
        now = self._now()

        def apply(db: sqlite_utils.Database) -> ToolView:
            tool = tool_view(db, tool_id)
            if tool.is_checked_out:
                raise Refused(
                    f"Tool '{tool.tool_name}' is already checked out to {tool.checked_out_by} "
                    f"since {tool.checked_out_at}"
                )
            if not tool.is_checkable:
                raise Refused(f"Tool '{tool.tool_name}' stays in place and cannot be checked out")
            if tool.condition in UNAVAILABLE:
                raise Refused(f"Tool '{tool.tool_name}' is not available (condition: {tool.condition})")
            user_id, username = _holder(db, data.user_id, actor)
            db.execute(
                "INSERT INTO tool_checkouts (tool_id, user_id, username, checked_out_at, expected_return_date, notes, "
                "checked_out_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [tool_id, user_id, username, now, due, data.notes, actor.username if actor else None],
            )
            note_item(db, "tool", tool_id, f"checked out to {username}", actor, now)
            return tool_view(db, tool_id)

        return self._told("updated", await self._db.write(apply), actor)

    async def give_back(self, tool_id: str, data: ToolReturn, actor: Principal | None) -> ToolView:
        now = self._now()

        def apply(db: sqlite_utils.Database) -> ToolView:
            tool = tool_view(db, tool_id)
            if not tool.is_checked_out:
                raise Refused(f"Tool '{tool.tool_name}' is not checked out")
            db.execute(
                "UPDATE tool_checkouts SET returned_at = ?, returned_by = ?, return_condition = ?, return_notes = ? "
                "WHERE tool_id = ? AND returned_at IS NULL",
                [now, actor.username if actor else None, data.condition, data.notes, tool_id],
            )
            if data.condition:
                db.execute(
                    "UPDATE tools SET condition = ?, updated_at = ? WHERE id = ?", [data.condition, now, tool_id]
                )
            state = f" ({data.condition.replace('_', ' ')})" if data.condition else ""
            note_item(db, "tool", tool_id, f"returned by {tool.checked_out_by}{state}", actor, now)
            return tool_view(db, tool_id)

        return self._told("updated", await self._db.write(apply), actor)

    async def add_maintenance(self, tool_id: str, data: MaintenanceCreate, actor: Principal | None) -> MaintenanceView:
        done_on = when(data.maintenance_date, "maintenance_date")
        next_on = when(data.next_maintenance_date, "next_maintenance_date")
        now = self._now()
        new_id = str(uuid.uuid4())
        by = actor.username if actor else (data.performed_by or "unknown")

        def apply(db: sqlite_utils.Database) -> MaintenanceView:
            tool_view(db, tool_id)
            db.execute(
                "INSERT INTO tool_maintenance (id, tool_id, maintenance_date, maintenance_type, performed_by, notes, "
                "next_maintenance_date, cost, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [new_id, tool_id, done_on, data.maintenance_type, by, data.notes, next_on, data.cost, now],
            )
            dates: dict[str, Any] = {"last_maintenance_date": done_on}
            if next_on:
                dates["next_maintenance_date"] = next_on
            sql.update(db, "tools", dates, where="id = ?", params=[tool_id], now=now)
            note_item(db, "tool", tool_id, f"maintenance: {data.maintenance_type} on {done_on}", actor, now)
            return maintenance_view(_record(db, tool_id, new_id))

        return await self._db.write(apply)

    async def maintenance(self, tool_id: str) -> list[MaintenanceView]:
        def run(db: sqlite_utils.Database) -> list[MaintenanceView]:
            tool_view(db, tool_id)
            rows = db.execute(
                "SELECT * FROM tool_maintenance WHERE tool_id = ? ORDER BY maintenance_date DESC, seq DESC", [tool_id]
            ).fetchall()
            return [maintenance_view(r) for r in rows]

        return await self._db.read(run)

    async def update_maintenance(
        self, tool_id: str, record_id: str, data: MaintenanceUpdate, actor: Principal | None
    ) -> MaintenanceView:
        changes = provided(data)
        if changes.get("maintenance_date", "") is None or changes.get("maintenance_type", "") is None:
            raise InvalidInput("maintenance_date and maintenance_type cannot be emptied")
        for field in ("maintenance_date", "next_maintenance_date"):
            if field in changes:
                changes[field] = when(changes[field], field)
        now = self._now()

        def apply(db: sqlite_utils.Database) -> MaintenanceView:
            tool_view(db, tool_id)
            _record(db, tool_id, record_id)
            if changes:
                sql.update(db, "tool_maintenance", changes, where="id = ?", params=[record_id])
                note_item(db, "tool", tool_id, f"maintenance record edited: {', '.join(changes)}", actor, now)
            return maintenance_view(_record(db, tool_id, record_id))

        return await self._db.write(apply)

    async def delete_maintenance(self, tool_id: str, record_id: str, actor: Principal | None) -> None:
        now = self._now()

        def apply(db: sqlite_utils.Database) -> None:
            tool_view(db, tool_id)
            row = _record(db, tool_id, record_id)
            db.execute("DELETE FROM tool_maintenance WHERE id = ?", [record_id])
            what = f"maintenance record deleted: {row['maintenance_type']} on {row['maintenance_date']}"
            note_item(db, "tool", tool_id, what, actor, now)

        await self._db.write(apply)

    async def history(self, tool_id: str, limit: int = 20) -> tuple[list[dict[str, str]], list[CheckoutView]]:
        """The tool's history lines and its check-outs, newest first."""

        def run(db: sqlite_utils.Database) -> tuple[list[dict[str, str]], list[CheckoutView]]:
            tool_view(db, tool_id)
            return item_history(db, "tool", tool_id, limit), checkouts(db, tool_id, limit)

        return await self._db.read(run)

    async def statistics(self) -> ToolStatistics:
        now = self._now()

        def run(db: sqlite_utils.Database) -> ToolStatistics:
            def grouped(query: str) -> dict[str, int]:
                return {str(k): int(n) for k, n in db.execute(query).fetchall()}

            total, out, available, due, value = db.execute(
                "SELECT count(*), coalesce(sum(co_user IS NOT NULL), 0), "
                f"coalesce(sum(co_user IS NULL AND is_checkable = 1 AND condition NOT IN {UNAVAILABLE}), 0), "
                "coalesce(sum(next_maintenance_date IS NOT NULL AND next_maintenance_date <= ?), 0), "
                f"coalesce(sum(purchase_price), 0) FROM ({TOOL_SELECT})",
                [now],
            ).fetchone()
            return ToolStatistics(
                total_tools=total,
                total_by_type=grouped("SELECT coalesce(tool_type, 'Unknown'), count(*) FROM tools GROUP BY 1"),
                total_by_condition=grouped("SELECT condition, count(*) FROM tools GROUP BY 1"),
                checked_out_count=out,
                available_count=available,
                needs_maintenance_count=due,
                total_value=float(value),
                by_location=grouped(
                    "SELECT coalesce(l.path, 'No location'), count(*) FROM tools t "
                    "LEFT JOIN locations l ON l.id = t.location_id GROUP BY 1"
                ),
            )

        return await self._db.read(run)
