"""A part in several places: a reel in the store room and a strip in a bench cassette.

The part's quantity stays the running total of its stock movements. part_allocations splits it:
each row is some of it kept in another place; the part's own location (the primary place) holds
the rest. A transfer changes no total: it is one movement row (delta 0) naming both places. Stock
taken without naming a place comes from the primary place first (inventory/stock.py).
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Conflict, InvalidInput, NotFound
from makermatrix_edge.inventory import locations, stock
from makermatrix_edge.inventory.allocation_models import (
    Allocation,
    AllocationCreate,
    AllocationSummary,
    AllocationUpdate,
    KeptHere,
    PartBrief,
    Removed,
    Returned,
    Split,
    SplitToCassette,
    Transfer,
    Transferred,
)
from makermatrix_edge.inventory.models import LocationCreate, LocationRef
from makermatrix_edge.runtime.events import EventBus

_PLACES = (
    "SELECT a.id, a.location_id, a.quantity, a.notes, a.created_at, a.updated_at, l.name, l.path, l.location_type "
    "FROM part_allocations a JOIN locations l ON l.id = a.location_id WHERE a.part_id = ? ORDER BY a.seq"
)


class NotEnoughThere(InvalidInput):
    """Moving more out of a place than it holds."""

    def __init__(self, held: int, wanted: int, where: str) -> None:
        super().__init__(f"only {held} at {where}, cannot move {wanted}", "from_location_id")


def _part(db: sqlite_utils.Database, part_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(
        "SELECT p.id, p.part_name, p.part_number, p.quantity, p.location_id, p.created_at, p.updated_at, "
        "l.name AS loc_name, l.path AS loc_path, l.location_type AS loc_type "
        "FROM parts p LEFT JOIN locations l ON l.id = p.location_id WHERE p.id = ?",
        [part_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"No part with id {part_id}")
    return row


def _path(db: sqlite_utils.Database, location_id: str | None) -> str:
    if location_id is None:
        return "no location"
    row = db.execute("SELECT path FROM locations WHERE id = ?", [location_id]).fetchone()
    return str(row[0]) if row else "a deleted location"


def _require_location(db: sqlite_utils.Database, location_id: str, field: str) -> None:
    if db.execute("SELECT 1 FROM locations WHERE id = ?", [location_id]).fetchone() is None:
        raise NotFound(f"No location with id {location_id} ({field})")


def summary(db: sqlite_utils.Database, part_id: str) -> AllocationSummary:
    part = _part(db, part_id)
    brief = PartBrief(part["id"], part["part_name"], part["part_number"])
    others = [
        Allocation(
            id=r["id"],
            part_id=part["id"],
            location_id=r["location_id"],
            quantity_at_location=r["quantity"],
            is_primary_storage=False,
            notes=r["notes"],
            auto_synced=False,
            allocated_at=r["created_at"],
            last_updated=r["updated_at"],
            last_nfc_scan=None,
            location=LocationRef(r["location_id"], r["name"], r["path"], r["location_type"]),
            location_path=r["path"],
            part=brief,
        )
        for r in db.execute(_PLACES, [part_id]).fetchall()
    ]
    here = (
        LocationRef(part["location_id"], part["loc_name"], part["loc_path"], part["loc_type"])
        if part["location_id"] and part["loc_name"] is not None
        else None
    )
    places = others
    if part["location_id"] is not None or others:
        primary = Allocation(
            id=part["id"],
            part_id=part["id"],
            location_id=part["location_id"],
            quantity_at_location=part["quantity"] - sum(a.quantity_at_location for a in others),
            is_primary_storage=True,
            notes=None,
            auto_synced=False,
            allocated_at=part["created_at"],
            last_updated=part["updated_at"],
            last_nfc_scan=None,
            location=here,
            location_path=here.path if here else None,
            part=brief,
        )
        places = [primary, *others]
    return AllocationSummary(
        part_id=part["id"],
        part_name=part["part_name"],
        part_number=part["part_number"],
        total_quantity=part["quantity"],
        location_count=len(places),
        primary_location=here,
        allocations=places,
    )


def kept_at(db: sqlite_utils.Database, location_id: str, limit: int = 200) -> list[KeptHere]:
    rows = db.execute(
        "SELECT a.id, p.id, p.part_name, a.quantity, p.quantity FROM part_allocations a "
        "JOIN parts p ON p.id = a.part_id WHERE a.location_id = ? ORDER BY p.part_name LIMIT ?",
        [location_id, limit],
    ).fetchall()
    return [KeptHere(*r) for r in rows]


def _place(db: sqlite_utils.Database, part_id: str, allocation_id: str) -> Allocation:
    found = next((a for a in summary(db, part_id).allocations if a.id == allocation_id), None)
    if found is None:
        raise NotFound(f"No allocation {allocation_id} of this part")
    return found


def _at(db: sqlite_utils.Database, part_id: str, location_id: str) -> Allocation | None:
    return next((a for a in summary(db, part_id).allocations if a.location_id == location_id), None)


def _set_total(
    db: sqlite_utils.Database,
    part_id: str,
    total: int,
    reason: str,
    actor: Principal | None,
    now: str,
    **place: str | None,
) -> None:
    if stock.record(db, part_id, new_quantity=total, reason=reason, source="api", actor=actor, now=now, **place):
        db.execute("UPDATE parts SET quantity = ?, updated_at = ? WHERE id = ?", [total, now, part_id])


def _make_primary(
    db: sqlite_utils.Database, part_id: str, place: Allocation, actor: Principal | None, now: str
) -> None:
    """The place becomes the part's location; what the old primary place held becomes an allocation there."""
    part = _part(db, part_id)
    rest = summary(db, part_id).allocations[0].quantity_at_location
    if part["location_id"] is None and rest > 0:
        raise Conflict(f"{rest} are kept at no location; give the part a location before making another place primary")
    db.execute("DELETE FROM part_allocations WHERE id = ?", [place.id])
    db.execute("UPDATE parts SET location_id = ?, updated_at = ? WHERE id = ?", [place.location_id, now, part_id])
    if part["location_id"] is not None and rest > 0:
        db.execute(
            "INSERT INTO part_allocations (id, part_id, location_id, quantity, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [str(uuid.uuid4()), part_id, part["location_id"], rest, now, now],
        )
    what = f"primary place is now {_path(db, place.location_id)}"
    stock.note(db, part_id, what=what, source="api", actor=actor, now=now)


def _move(
    db: sqlite_utils.Database, part_id: str, data: Transfer, actor: Principal | None, now: str
) -> tuple[Allocation | None, Allocation, bool]:
    """Inside the caller's transaction: carry data.quantity from one place of the part to another."""
    if data.from_location_id == data.to_location_id:
        raise InvalidInput("must differ from from_location_id", "to_location_id")
    part = _part(db, part_id)
    _require_location(db, data.to_location_id, "to_location_id")
    source = _at(db, part_id, data.from_location_id)
    if source is None:
        raise InvalidInput(f"{part['part_name']} is not kept at location {data.from_location_id}", "from_location_id")
    where_from, where_to = _path(db, data.from_location_id), _path(db, data.to_location_id)
    if source.quantity_at_location < data.quantity:
        raise NotEnoughThere(source.quantity_at_location, data.quantity, where_from)
    emptied = False
    if not source.is_primary_storage:
        left = source.quantity_at_location - data.quantity
        emptied = left == 0
        if emptied:  # as MakerMatrix does: a place a transfer empties is no longer the part's
            db.execute("DELETE FROM part_allocations WHERE id = ?", [source.id])
        else:
            db.execute("UPDATE part_allocations SET quantity = ?, updated_at = ? WHERE id = ?", [left, now, source.id])
    target = _at(db, part_id, data.to_location_id)
    if target is None:
        db.execute(
            "INSERT INTO part_allocations (id, part_id, location_id, quantity, notes, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [str(uuid.uuid4()), part_id, data.to_location_id, data.quantity, data.notes, now, now],
        )
    elif not target.is_primary_storage:
        db.execute(
            "UPDATE part_allocations SET quantity = quantity + ?, notes = coalesce(?, notes), updated_at = ? "
            "WHERE id = ?",
            [data.quantity, data.notes, now, target.id],
        )
    reason = f"moved {data.quantity} from {where_from} to {where_to}" + (f": {data.notes}" if data.notes else "")
    stock.transfer(
        db,
        part_id,
        quantity=data.quantity,
        from_location_id=data.from_location_id,
        to_location_id=data.to_location_id,
        reason=reason,
        source="api",
        actor=actor,
        now=now,
    )
    moved_to = _at(db, part_id, data.to_location_id)
    assert moved_to is not None
    return (None if emptied else _at(db, part_id, data.from_location_id)), moved_to, emptied


class AllocationService:
    def __init__(self, db: Database, clock: Clock, events: EventBus | None = None) -> None:
        self._db = db
        self._clock = clock
        self._events = events or EventBus(clock)

    async def list_for(self, part_id: str) -> AllocationSummary:
        return await self._db.read(lambda db: summary(db, part_id))

    async def kept_at(self, location_id: str) -> list[KeptHere]:
        return await self._db.read(lambda db: kept_at(db, location_id))

    async def _write(self, part_id: str, actor: Principal | None, what: str, apply: Any) -> Any:
        now = iso(self._clock())
        done = await self._db.write(lambda db: apply(db, now))
        self._events.entity("updated", "part", part_id, None, actor, changes={"allocations": what})
        return done

    async def create(self, part_id: str, data: AllocationCreate, actor: Principal | None) -> Allocation:
        """New stock kept at a new place of the part (MakerMatrix: the total grows by the quantity)."""

        def apply(db: sqlite_utils.Database, now: str) -> Allocation:
            part = _part(db, part_id)
            _require_location(db, data.location_id, "location_id")
            if _at(db, part_id, data.location_id) is not None:
                raise Conflict("The part is already kept there; change that place's count or transfer to it")
            where = _path(db, data.location_id)
            total = part["quantity"] + data.quantity
            _set_total(
                db, part_id, total, f"added {data.quantity} at {where}", actor, now, to_location_id=data.location_id
            )
            db.execute(
                "INSERT INTO part_allocations (id, part_id, location_id, quantity, notes, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [str(uuid.uuid4()), part_id, data.location_id, data.quantity, data.notes, now, now],
            )
            made = _at(db, part_id, data.location_id)
            assert made is not None
            if data.is_primary:
                _make_primary(db, part_id, made, actor, now)
                made = _at(db, part_id, data.location_id)
                assert made is not None
            return made

        done: Allocation = await self._write(part_id, actor, "created", apply)
        return done

    async def update(
        self, part_id: str, allocation_id: str, data: AllocationUpdate, actor: Principal | None
    ) -> Allocation:
        """A new count at one place (the total follows, as a stock movement), notes, or making it primary."""

        def apply(db: sqlite_utils.Database, now: str) -> Allocation:
            place = _place(db, part_id, allocation_id)
            if data.is_primary is False and place.is_primary_storage:
                raise InvalidInput("make another place primary instead", "is_primary")
            where = _path(db, place.location_id)
            if data.quantity is not None and data.quantity != place.quantity_at_location:
                change = data.quantity - place.quantity_at_location
                total = _part(db, part_id)["quantity"] + change
                named = {"to_location_id" if change > 0 else "from_location_id": place.location_id}
                reason = f"counted {data.quantity} at {where}"
                if change > 0:  # the total grows before the place does, and shrinks after it (the rows fit the total)
                    _set_total(db, part_id, total, reason, actor, now, **named)
                if not place.is_primary_storage:
                    db.execute(
                        "UPDATE part_allocations SET quantity = ?, updated_at = ? WHERE id = ?",
                        [data.quantity, now, place.id],
                    )
                if change < 0:
                    _set_total(db, part_id, total, reason, actor, now, **named)
            if data.notes is not None and not place.is_primary_storage:
                db.execute(
                    "UPDATE part_allocations SET notes = ?, updated_at = ? WHERE id = ?", [data.notes, now, place.id]
                )
            if data.is_primary and not place.is_primary_storage:
                _make_primary(db, part_id, _place(db, part_id, allocation_id), actor, now)
                return summary(db, part_id).allocations[0]
            return _place(db, part_id, allocation_id)

        done: Allocation = await self._write(part_id, actor, "updated", apply)
        return done

    async def delete(self, part_id: str, allocation_id: str, actor: Principal | None) -> Removed:
        """The place and the stock kept there go (MakerMatrix); return_to_primary keeps the stock instead."""

        def apply(db: sqlite_utils.Database, now: str) -> Removed:
            place = _place(db, part_id, allocation_id)
            if place.is_primary_storage:
                raise Conflict("The primary place cannot be removed; make another place primary first")
            where = _path(db, place.location_id)
            db.execute("DELETE FROM part_allocations WHERE id = ?", [place.id])
            total = _part(db, part_id)["quantity"] - place.quantity_at_location
            held = place.quantity_at_location
            _set_total(
                db,
                part_id,
                total,
                f"{held} removed with the place {where}",
                actor,
                now,
                from_location_id=place.location_id,
            )
            if held == 0:
                stock.note(db, part_id, what=f"no longer kept at {where}", source="api", actor=actor, now=now)
            return Removed(allocation_id=allocation_id, deleted=True)

        done: Removed = await self._write(part_id, actor, "deleted", apply)
        return done

    async def return_to_primary(self, part_id: str, allocation_id: str, actor: Principal | None) -> Returned:
        def apply(db: sqlite_utils.Database, now: str) -> Returned:
            place = _place(db, part_id, allocation_id)
            if place.is_primary_storage:
                raise InvalidInput("this is the primary place already", "allocation_id")
            primary = _part(db, part_id)["location_id"]
            held = place.quantity_at_location
            where, home = _path(db, place.location_id), _path(db, primary)
            db.execute("DELETE FROM part_allocations WHERE id = ?", [place.id])
            if held:
                stock.transfer(
                    db,
                    part_id,
                    quantity=held,
                    from_location_id=place.location_id,
                    to_location_id=primary,
                    reason=f"returned {held} from {where} to {home}",
                    source="api",
                    actor=actor,
                    now=now,
                )
            else:
                stock.note(db, part_id, what=f"no longer kept at {where}", source="api", actor=actor, now=now)
            return Returned(
                allocation_id=allocation_id, quantity_returned=held, primary_location_id=primary, deleted=True
            )

        done: Returned = await self._write(part_id, actor, "returned", apply)
        return done

    async def transfer(self, part_id: str, data: Transfer, actor: Principal | None) -> Transferred:
        def apply(db: sqlite_utils.Database, now: str) -> Transferred:
            source, target, emptied = _move(db, part_id, data, actor, now)
            return Transferred(part_id, data.quantity, source, target, emptied)

        done: Transferred = await self._write(part_id, actor, "transferred", apply)
        return done

    async def split_to_cassette(self, part_id: str, data: SplitToCassette, actor: Principal | None) -> Split:
        """Some of the part into a cassette: a new one (a location of type cassette) or one that exists."""

        def apply(db: sqlite_utils.Database, now: str) -> Split:
            part = _part(db, part_id)
            if data.create_new_cassette:
                if not data.cassette_name:
                    raise InvalidInput("is required when create_new_cassette is true", "cassette_name")
                new = LocationCreate(
                    name=data.cassette_name,
                    parent_id=data.parent_location_id,
                    location_type="cassette",
                    emoji=data.cassette_emoji,
                    description=f"Container for {part['part_name']}",
                )
                cassette_id = locations.insert_location(db, new, now)
            else:
                if not data.cassette_id:
                    raise InvalidInput("is required when create_new_cassette is false", "cassette_id")
                cassette_id = data.cassette_id
                _require_location(db, cassette_id, "cassette_id")
            move = Transfer(
                from_location_id=data.from_location_id,
                to_location_id=cassette_id,
                quantity=data.quantity,
                notes=data.notes,
            )
            _, target, _ = _move(db, part_id, move, actor, now)
            cassette = locations.view(db, cassette_id)
            return Split(part_id, cassette, target, data.create_new_cassette, data.quantity)

        done: Split = await self._write(part_id, actor, "split", apply)
        if done.cassette_created:
            self._events.entity("created", "location", done.cassette.id, done.cassette.name, actor)
        return done
