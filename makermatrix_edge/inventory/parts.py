"""Parts: create, read, update, adjust stock, delete — every quantity change a stock movement."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.bounds import MAX_INT
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db import sql
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Conflict, InvalidInput, NotFound
from makermatrix_edge.inventory import queries, reservations, stock
from makermatrix_edge.inventory.activity import CLEARED
from makermatrix_edge.inventory.models import Movement, Page, PartCreate, PartUpdate, PartView
from makermatrix_edge.runtime.events import EventBus

MAX_PAGE_SIZE = 100
MAX_MOVE = 1000  # parts in one "move selected" (an imported order's new parts fit)
_COLUMNS = (
    "part_name",
    "part_number",
    "manufacturer",
    "manufacturer_part_number",
    "description",
    "min_quantity",
    "supplier",
    "location_id",
    "image_url",
    "emoji",
    "unit_price",
    "currency",
)


def _clean(value: Any) -> Any:
    """Trim text; blank text becomes NULL."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _duplicate(exc: sqlite3.IntegrityError, name: str) -> Exception:
    if "parts.part_name" in str(exc):
        return Conflict(f"A part named '{name}' already exists")
    return exc


_NOTED = ("part_name", "part_number", "manufacturer", "manufacturer_part_number", "description", "supplier",
          "min_quantity", "image_url", "unit_price", "currency")  # fmt: skip


def _note_changes(
    db: sqlite_utils.Database,
    before: PartView | None,
    after: PartView,
    source: stock.Source,
    actor: Principal | None,
    now: str,
) -> None:
    """Moves and edits are kept for the part's history (part_changes; the stock movements stay stock only)."""
    if before is None:
        return
    if before.location_id != after.location_id:
        was = before.location.path if before.location else "no location"
        where = after.location.path if after.location else "no location"
        stock.note(db, after.id, what=f"moved from {was} to {where}", source=source, actor=actor, now=now)
    edited = [name.replace("_", " ") for name in _NOTED if getattr(before, name, None) != getattr(after, name, None)]
    if [c.name for c in before.categories] != [c.name for c in after.categories]:
        edited.append("categories")
    if edited:
        stock.note(db, after.id, what=f"edited: {', '.join(edited)}", source=source, actor=actor, now=now)


def check_page(page: int, page_size: int) -> None:
    if page < 1:
        raise InvalidInput("must be 1 or more", "page")
    if page > MAX_INT:
        raise InvalidInput(f"must be at most {MAX_INT}", "page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"must be between 1 and {MAX_PAGE_SIZE}", "page_size")


def find_part_id(
    db: sqlite_utils.Database, *, part_id: str | None, part_number: str | None, part_name: str | None
) -> str:
    """Resolve one of the three selectors the MakerMatrix API accepts to a part id."""
    if part_id:
        row = db.execute("SELECT id FROM parts WHERE id = ?", [part_id]).fetchone()
        if row is None:
            raise NotFound(f"No part with id {part_id}")
        return str(row[0])
    if part_name:
        row = db.execute("SELECT id FROM parts WHERE part_name = ?", [part_name.strip()]).fetchone()
        if row is None:
            raise NotFound(f"No part named '{part_name}'")
        return str(row[0])
    if part_number:
        rows = db.execute(
            "SELECT id, part_name FROM parts WHERE part_number = ? LIMIT 6", [part_number.strip()]
        ).fetchall()
        if not rows:
            raise NotFound(f"No part with part number '{part_number}'")
        if len(rows) > 1:
            names = ", ".join(r[1] for r in rows[:5])
            raise Conflict(f"Several parts have part number '{part_number}' ({names}); ask by part_id or part_name")
        return str(rows[0][0])
    raise InvalidInput("give part_id, part_number or part_name", "part_id")


def insert_part(
    db: sqlite_utils.Database, data: PartCreate, actor: Principal | None, source: stock.Source, now: str
) -> str:
    """Insert one part inside the caller's write transaction; returns its id."""
    name = (data.part_name or "").strip()
    if not name:
        raise InvalidInput("must not be empty", "part_name")
    props = queries.encode_properties(data.additional_properties)
    image_url = queries.check_image_url(data.image_url)
    part_id = str(uuid.uuid4())
    location_id = _clean(data.location_id)
    queries.require_location(db, location_id)
    stock.record(db, part_id, new_quantity=data.quantity, reason="created", source=source, actor=actor, now=now)
    values = {c: _clean(getattr(data, c)) for c in _COLUMNS}
    values.update(part_name=name, location_id=location_id, image_url=image_url, min_quantity=data.min_quantity)
    try:
        db.execute(
            f"INSERT INTO parts (id, {', '.join(values)}, quantity, additional_properties, created_at, updated_at) "
            f"VALUES (?, {', '.join('?' * len(values))}, ?, ?, ?, ?)",
            [part_id, *values.values(), data.quantity, props, now, now],
        )
    except sqlite3.IntegrityError as exc:
        raise _duplicate(exc, name) from None
    queries.set_part_categories(db, part_id, queries.ensure_categories(db, data.category_names, now))
    return part_id


class PartService:
    def __init__(self, db: Database, clock: Clock, events: EventBus | None = None) -> None:
        self._db = db
        self._clock = clock
        self._events = events or EventBus(clock)

    async def add(self, data: PartCreate, actor: Principal | None, *, source: stock.Source = "api") -> PartView:
        now = iso(self._clock())

        def insert(db: sqlite_utils.Database) -> PartView:
            view = queries.part_view(db, insert_part(db, data, actor, source, now))
            assert view is not None
            return view

        done = await self._db.write(insert)
        self._events.entity("created", "part", done.id, done.part_name, actor, entity_data=done)
        return done

    def add_many_sync(self, items: list[PartCreate], actor: Principal | None, *, source: stock.Source) -> list[str]:
        """Insert many parts in one transaction (all or nothing); blocking, for imports and seeding."""
        now = iso(self._clock())
        ids = self._db.write_sync(lambda db: [insert_part(db, item, actor, source, now) for item in items])
        # One summary event: a big import must not flood every phone with a message per part.
        self._events.entity("created", "part", None, None, actor, changes={"count": len(ids), "source": source})
        return ids

    async def get(
        self, *, part_id: str | None = None, part_number: str | None = None, part_name: str | None = None
    ) -> PartView:
        def load(db: sqlite_utils.Database) -> PartView:
            found = find_part_id(db, part_id=part_id, part_number=part_number, part_name=part_name)
            view = queries.part_view(db, found)
            assert view is not None
            return view

        return await self._db.read(load)

    async def list_parts(self, page: int, page_size: int) -> Page:
        check_page(page, page_size)

        def load(db: sqlite_utils.Database) -> Page:
            total = db.execute("SELECT count(*) FROM parts").fetchone()[0]
            # Page through the name index first, then join: deep pages skip rows without joining them.
            rows = db.execute(
                f"{queries.PART_SELECT} JOIN (SELECT seq FROM parts ORDER BY part_name LIMIT ? OFFSET ?) page "
                "ON page.seq = p.seq ORDER BY p.part_name",
                [page_size, (page - 1) * page_size],
            ).fetchall()
            return Page(items=queries.to_views(db, rows), total=total, page=page, page_size=page_size)

        return await self._db.read(load)

    async def update(
        self, part_id: str, data: PartUpdate, actor: Principal | None, *, source: stock.Source = "api"
    ) -> PartView:
        changes = data.changes()
        if "part_name" in changes and not str(changes["part_name"]).strip():
            raise InvalidInput("must not be empty", "part_name")
        props = (
            queries.encode_properties(changes.pop("additional_properties"))
            if "additional_properties" in changes
            else None
        )
        if "image_url" in changes:
            changes["image_url"] = queries.check_image_url(changes["image_url"])
        category_names = changes.pop("category_names", None)
        quantity = changes.pop("quantity", None)
        reason = data.reason if isinstance(data.reason, str) and data.reason.strip() else "updated"
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> PartView:
            found = find_part_id(db, part_id=part_id, part_number=None, part_name=None)
            before = queries.part_view(db, found)
            columns = {k: _clean(v) for k, v in changes.items()}
            if "location_id" in columns:
                queries.require_location(db, columns["location_id"])
            if props is not None:
                columns["additional_properties"] = props
            if quantity is not None and stock.record(
                db, found, new_quantity=quantity, reason=reason, source=source, actor=actor, now=now
            ):
                columns["quantity"] = quantity
            if columns:
                try:
                    sql.update(db, "parts", columns, where="id = ?", params=[found], now=now)
                except sqlite3.IntegrityError as exc:
                    raise _duplicate(exc, str(columns.get("part_name"))) from None
            if category_names is not None:
                queries.set_part_categories(db, found, queries.ensure_categories(db, category_names, now))
                db.execute("UPDATE parts SET updated_at = ? WHERE id = ?", [now, found])
            view = queries.part_view(db, found)
            assert view is not None
            _note_changes(db, before, view, source, actor, now)
            return view

        done = await self._db.write(apply)
        self._events.entity("updated", "part", done.id, done.part_name, actor, changes=data.changes(), entity_data=done)
        return done

    async def move_many(
        self, part_ids: list[str], location_id: str | None, actor: Principal | None, *, source: stock.Source = "api"
    ) -> tuple[int, str]:
        """Move several parts to one place (None: out of any) in one transaction: all of them or none.

        Returns (how many changed place, the place's path). Each part that moves notes it in its
        history; one already there is left alone, so sending the same move twice changes nothing.
        """
        wanted = list(dict.fromkeys(p.strip() for p in part_ids if p.strip()))
        if not wanted:
            raise InvalidInput("tick at least one part to move", "part_id")
        if len(wanted) > MAX_MOVE:
            raise InvalidInput(f"at most {MAX_MOVE} parts can be moved at once", "part_id")
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> tuple[list[str], str]:
            queries.require_location(db, location_id)
            row = db.execute("SELECT path FROM locations WHERE id = ?", [location_id]).fetchone()
            where = str(row[0]) if row else "no location"
            moved = []
            for part_id in wanted:
                found = db.execute("SELECT location_id FROM parts WHERE id = ?", [part_id]).fetchone()
                if found is None:
                    raise NotFound(f"No part with id {part_id[:40]}: it may have been deleted; nothing was moved")
                if found[0] == location_id:
                    continue
                db.execute("UPDATE parts SET location_id = ?, updated_at = ? WHERE id = ?", [location_id, now, part_id])
                stock.note(db, part_id, what=f"moved to {where}", source=source, actor=actor, now=now)
                moved.append(part_id)
            return moved, where

        moved, where = await self._db.write(apply)
        for part_id in moved:
            self._events.entity("updated", "part", part_id, None, actor, changes={"location_id": location_id})
        return len(moved), where

    async def adjust(
        self, part_id: str, delta: int, reason: str, actor: Principal | None, *, source: stock.Source = "api"
    ) -> PartView:
        """Add or take stock atomically (two phones taking at once both count)."""
        if delta == 0:
            raise InvalidInput("must not be 0", "delta")
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> PartView:
            found = find_part_id(db, part_id=part_id, part_number=None, part_name=None)
            current = stock.last_quantity(db, found)
            if current + delta < 0:
                raise stock.InsufficientStock(current, delta)
            stock.record(db, found, new_quantity=current + delta, reason=reason, source=source, actor=actor, now=now)
            db.execute("UPDATE parts SET quantity = ?, updated_at = ? WHERE id = ?", [current + delta, now, found])
            view = queries.part_view(db, found)
            assert view is not None
            return view

        done = await self._db.write(apply)
        self._events.entity(
            "updated",
            "part",
            done.id,
            done.part_name,
            actor,
            changes={"delta": delta, "reason": reason, "quantity": done.quantity},
            entity_data=done,
        )
        return done

    async def delete(
        self,
        actor: Principal | None,
        *,
        part_id: str | None = None,
        part_number: str | None = None,
        part_name: str | None = None,
    ) -> PartView:
        now = iso(self._clock())

        def remove(db: sqlite_utils.Database) -> PartView:
            found = find_part_id(db, part_id=part_id, part_number=part_number, part_name=part_name)
            reservations.refuse_if_reserved(db, found)
            view = queries.part_view(db, found)
            assert view is not None
            stock.record(db, found, new_quantity=0, reason="part deleted", source="api", actor=actor, now=now)
            _keep_names(db, "WHERE id = ?", [found], now)
            db.execute("DELETE FROM parts WHERE id = ?", [found])
            return view

        done = await self._db.write(remove)
        self._events.entity("deleted", "part", done.id, done.part_name, actor)
        return done

    async def clear_all(self, actor: Principal | None) -> int:
        """Delete every part; their stock history is kept, each closed with a movement to zero."""
        now = iso(self._clock())

        def remove(db: sqlite_utils.Database) -> int:
            reservations.refuse_if_reserved(db)
            who = [CLEARED, actor.user_id if actor else None, actor.username if actor else None, now]
            db.execute(
                "INSERT INTO stock_movements (part_id, delta, quantity_after, reason, source, user_id, username, "
                "created_at) SELECT id, -quantity, 0, ?, 'api', ?, ?, ? FROM parts WHERE quantity > 0",
                who,
            )
            db.execute(  # a part without stock gets no movement; this line records that it was cleared
                "INSERT INTO part_changes (part_id, what, source, user_id, username, created_at) "
                "SELECT id, ?, 'api', ?, ?, ? FROM parts WHERE quantity = 0",
                who,
            )
            _keep_names(db, "", [], now)
            return int(db.execute("DELETE FROM parts").rowcount)

        done = await self._db.write(remove)
        self._events.entity("deleted", "part", None, None, actor, changes={"deleted_parts": done})
        return done

    async def history(self, part_id: str, page: int, page_size: int) -> tuple[list[Movement], int]:
        check_page(page, page_size)

        def load(db: sqlite_utils.Database) -> tuple[list[Movement], int]:
            found = find_part_id(db, part_id=part_id, part_number=None, part_name=None)
            total = db.execute("SELECT count(*) FROM stock_movements WHERE part_id = ?", [found]).fetchone()[0]
            rows = db.execute(
                "SELECT * FROM stock_movements WHERE part_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                [found, page_size, (page - 1) * page_size],
            ).fetchall()
            return [Movement(**dict(r)) for r in rows], total

        return await self._db.read(load)

    async def changes(self, part_id: str, limit: int) -> list[dict[str, Any]]:
        """The part's latest moves and edits, newest first."""
        return await self._db.read(lambda db: stock.changes(db, part_id, limit))

    async def names_of(self, part_ids: list[str]) -> dict[str, str]:
        """Part names by id, for pages that name parts (a deleted part is missing)."""

        def load(db: sqlite_utils.Database) -> dict[str, str]:
            marks = ", ".join("?" * len(part_ids))
            rows = db.execute(f"SELECT id, part_name FROM parts WHERE id IN ({marks})", part_ids).fetchall()
            return {str(r[0]): str(r[1]) for r in rows}

        return await self._db.read(load) if part_ids else {}

    async def counts(self) -> dict[str, int]:
        def load(db: sqlite_utils.Database) -> dict[str, int]:
            return {
                table: int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                for table in ("parts", "locations", "categories")
            }

        return await self._db.read(load)


def _keep_names(db: sqlite_utils.Database, where: str, args: list[Any], now: str) -> None:
    """Their history stays; so do the names it is told under (the activity reads them)."""
    db.execute(f"INSERT OR REPLACE INTO deleted_parts SELECT id, part_name, ? FROM parts {where}", [now, *args])
