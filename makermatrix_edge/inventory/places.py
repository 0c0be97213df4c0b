"""The places of a part inside a write or read transaction: what each holds, and moving between them.

The part's location (the primary place) holds the quantity minus what its part_allocations rows
hold; the service (inventory/allocations.py) runs these, one transaction per intent.
"""

from __future__ import annotations

import sqlite3
import uuid

import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import Conflict, InvalidInput, NotFound
from makermatrix_edge.inventory import stock
from makermatrix_edge.inventory.allocation_models import (
    Allocation,
    AllocationSummary,
    KeptHere,
    PartBrief,
    Transfer,
)
from makermatrix_edge.inventory.models import LocationRef

_PLACES = (
    "SELECT a.id, a.location_id, a.quantity, a.notes, a.created_at, a.updated_at, l.name, l.path, l.location_type "
    "FROM part_allocations a JOIN locations l ON l.id = a.location_id WHERE a.part_id = ? ORDER BY a.seq"
)


class NotEnoughThere(InvalidInput):
    """Moving more out of a place than it holds."""

    def __init__(self, held: int, wanted: int, where: str) -> None:
        super().__init__(f"only {held} at {where}, cannot move {wanted}", "from_location_id")


def part_row(db: sqlite_utils.Database, part_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(
        "SELECT p.id, p.part_name, p.part_number, p.quantity, p.location_id, p.created_at, p.updated_at, "
        "l.name AS loc_name, l.path AS loc_path, l.location_type AS loc_type "
        "FROM parts p LEFT JOIN locations l ON l.id = p.location_id WHERE p.id = ?",
        [part_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"No part with id {part_id}")
    return row


def path_of(db: sqlite_utils.Database, location_id: str | None) -> str:
    if location_id is None:
        return "no location"
    row = db.execute("SELECT path FROM locations WHERE id = ?", [location_id]).fetchone()
    return str(row[0]) if row else "a deleted location"


def require_location(db: sqlite_utils.Database, location_id: str, field: str) -> None:
    if db.execute("SELECT 1 FROM locations WHERE id = ?", [location_id]).fetchone() is None:
        raise NotFound(f"No location with id {location_id} ({field})")


def summary(db: sqlite_utils.Database, part_id: str) -> AllocationSummary:
    part = part_row(db, part_id)
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


def place_of(db: sqlite_utils.Database, part_id: str, allocation_id: str) -> Allocation:
    found = next((a for a in summary(db, part_id).allocations if a.id == allocation_id), None)
    if found is None:
        raise NotFound(f"No allocation {allocation_id} of this part")
    return found


def place_at(db: sqlite_utils.Database, part_id: str, location_id: str) -> Allocation | None:
    return next((a for a in summary(db, part_id).allocations if a.location_id == location_id), None)


def set_total(
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


def make_primary(db: sqlite_utils.Database, part_id: str, place: Allocation, actor: Principal | None, now: str) -> None:
    """The place becomes the part's location; what the old primary place held becomes an allocation there."""
    part = part_row(db, part_id)
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
    what = f"primary place is now {path_of(db, place.location_id)}"
    stock.note(db, part_id, what=what, source="api", actor=actor, now=now)


def move(
    db: sqlite_utils.Database, part_id: str, data: Transfer, actor: Principal | None, now: str
) -> tuple[Allocation | None, Allocation, bool]:
    """Inside the caller's transaction: carry data.quantity from one place of the part to another."""
    if data.from_location_id == data.to_location_id:
        raise InvalidInput("must differ from from_location_id", "to_location_id")
    part = part_row(db, part_id)
    require_location(db, data.to_location_id, "to_location_id")
    source = place_at(db, part_id, data.from_location_id)
    if source is None:
        raise InvalidInput(f"{part['part_name']} is not kept at location {data.from_location_id}", "from_location_id")
    where_from, where_to = path_of(db, data.from_location_id), path_of(db, data.to_location_id)
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
    target = place_at(db, part_id, data.to_location_id)
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
    moved_to = place_at(db, part_id, data.to_location_id)
    assert moved_to is not None
    return (None if emptied else place_at(db, part_id, data.from_location_id)), moved_to, emptied
