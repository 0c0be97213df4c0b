"""A part in several places: a reel in the store room and a strip in a bench cassette.

The part's quantity stays the running total of its stock movements. part_allocations splits it:
each row is some of it kept in another place; the part's own location (the primary place) holds
the rest. A transfer changes no total: it is one movement row (delta 0) naming both places. Stock
taken without naming a place comes from the primary place first (inventory/stock.py).
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Conflict, InvalidInput
from makermatrix_edge.inventory import locations, stock
from makermatrix_edge.inventory.allocation_models import (
    Allocation,
    AllocationCreate,
    AllocationSummary,
    AllocationUpdate,
    KeptHere,
    Removed,
    Returned,
    Split,
    SplitToCassette,
    Transfer,
    Transferred,
)
from makermatrix_edge.inventory.models import LocationCreate
from makermatrix_edge.inventory.places import (
    kept_at,
    make_primary,
    move,
    part_row,
    path_of,
    place_at,
    place_of,
    require_location,
    set_total,
    summary,
)
from makermatrix_edge.runtime.events import EventBus


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
            part = part_row(db, part_id)
            require_location(db, data.location_id, "location_id")
            if place_at(db, part_id, data.location_id) is not None:
                raise Conflict("The part is already kept there; change that place's count or transfer to it")
            where = path_of(db, data.location_id)
            total = part["quantity"] + data.quantity
            set_total(
                db, part_id, total, f"added {data.quantity} at {where}", actor, now, to_location_id=data.location_id
            )
            db.execute(
                "INSERT INTO part_allocations (id, part_id, location_id, quantity, notes, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [str(uuid.uuid4()), part_id, data.location_id, data.quantity, data.notes, now, now],
            )
            made = place_at(db, part_id, data.location_id)
            assert made is not None
            if data.is_primary:
                make_primary(db, part_id, made, actor, now)
                made = place_at(db, part_id, data.location_id)
                assert made is not None
            return made

        done: Allocation = await self._write(part_id, actor, "created", apply)
        return done

    async def update(
        self, part_id: str, allocation_id: str, data: AllocationUpdate, actor: Principal | None
    ) -> Allocation:
        """A new count at one place (the total follows, as a stock movement), notes, or making it primary."""

        def apply(db: sqlite_utils.Database, now: str) -> Allocation:
            place = place_of(db, part_id, allocation_id)
            if data.is_primary is False and place.is_primary_storage:
                raise InvalidInput("make another place primary instead", "is_primary")
            where = path_of(db, place.location_id)
            if data.quantity is not None and data.quantity != place.quantity_at_location:
                change = data.quantity - place.quantity_at_location
                total = part_row(db, part_id)["quantity"] + change
                named = {"to_location_id" if change > 0 else "from_location_id": place.location_id}
                reason = f"counted {data.quantity} at {where}"
                if change > 0:  # the total grows before the place does, and shrinks after it (the rows fit the total)
                    set_total(db, part_id, total, reason, actor, now, **named)
                if not place.is_primary_storage:
                    db.execute(
                        "UPDATE part_allocations SET quantity = ?, updated_at = ? WHERE id = ?",
                        [data.quantity, now, place.id],
                    )
                if change < 0:
                    set_total(db, part_id, total, reason, actor, now, **named)
            if data.notes is not None and not place.is_primary_storage and data.notes != place.notes:
                db.execute(
                    "UPDATE part_allocations SET notes = ?, updated_at = ? WHERE id = ?", [data.notes, now, place.id]
                )
                stock.note(db, part_id, what=f"notes at {where}: {data.notes}", source="api", actor=actor, now=now)
            if data.is_primary and not place.is_primary_storage:
                make_primary(db, part_id, place_of(db, part_id, allocation_id), actor, now)
                return summary(db, part_id).allocations[0]
            return place_of(db, part_id, allocation_id)

        done: Allocation = await self._write(part_id, actor, "updated", apply)
        return done

    async def delete(self, part_id: str, allocation_id: str, actor: Principal | None) -> Removed:
        """The place and the stock kept there go (MakerMatrix); return_to_primary keeps the stock instead."""

        def apply(db: sqlite_utils.Database, now: str) -> Removed:
            place = place_of(db, part_id, allocation_id)
            if place.is_primary_storage:
                raise Conflict("The primary place cannot be removed; make another place primary first")
            where = path_of(db, place.location_id)
            db.execute("DELETE FROM part_allocations WHERE id = ?", [place.id])
            total = part_row(db, part_id)["quantity"] - place.quantity_at_location
            held = place.quantity_at_location
            set_total(
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
            place = place_of(db, part_id, allocation_id)
            if place.is_primary_storage:
                raise InvalidInput("this is the primary place already", "allocation_id")
            primary = part_row(db, part_id)["location_id"]
            held = place.quantity_at_location
            where, home = path_of(db, place.location_id), path_of(db, primary)
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
            source, target, emptied = move(db, part_id, data, actor, now)
            return Transferred(part_id, data.quantity, source, target, emptied)

        done: Transferred = await self._write(part_id, actor, "transferred", apply)
        return done

    async def split_to_cassette(self, part_id: str, data: SplitToCassette, actor: Principal | None) -> Split:
        """Some of the part into a cassette: a new one (a location of type cassette) or one that exists."""

        def apply(db: sqlite_utils.Database, now: str) -> Split:
            part = part_row(db, part_id)
            if data.create_new_cassette:
                if not data.cassette_name:
                    raise InvalidInput("is needed to make a new cassette", "cassette_name")
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
                require_location(db, cassette_id, "cassette_id")
            into = Transfer(
                from_location_id=data.from_location_id,
                to_location_id=cassette_id,
                quantity=data.quantity,
                notes=data.notes,
            )
            _, target, _ = move(db, part_id, into, actor, now)
            cassette = locations.view(db, cassette_id)
            return Split(part_id, cassette, target, data.create_new_cassette, data.quantity)

        done: Split = await self._write(part_id, actor, "split", apply)
        if done.cassette_created:
            self._events.entity("created", "location", done.cassette.id, done.cassette.name, actor)
        return done
