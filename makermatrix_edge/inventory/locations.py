"""Storage locations: a tree (room / shelf / drawer / bin) with a stored path per location."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import msgspec
import sqlite_utils

from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db import sql
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Conflict, InvalidInput, NotFound
from makermatrix_edge.inventory import queries, stock
from makermatrix_edge.inventory.location_delete import DeletePreview, DeleteResult, delete_preview
from makermatrix_edge.inventory.models import (
    LocationCreate,
    LocationNode,
    LocationUpdate,
    LocationView,
    PartView,
    provided,
)
from makermatrix_edge.runtime.events import EventBus

SEPARATOR = " / "
MAX_LOCATION_DEPTH = 32  # far past any bench; bounds every walk and answer that nests the tree
DETAIL_PARTS_LIMIT = 200
_SELECT = (
    "SELECT l.*, (SELECT count(*) FROM parts p WHERE p.location_id = l.id) AS part_count, "
    "(SELECT count(*) FROM locations c WHERE c.parent_id = l.id) AS children_count FROM locations l"
)


class LocationDetails(msgspec.Struct):
    location: LocationView
    path: list[LocationView]
    children: list[LocationView]
    parts_count: int
    subtree_parts_count: int
    subtree_locations_count: int
    parts: list[PartView]
    parts_truncated: bool


def _view(row: sqlite3.Row) -> LocationView:
    return LocationView(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        parent_id=row["parent_id"],
        location_type=row["location_type"],
        image_url=row["image_url"],
        emoji=row["emoji"],
        path=row["path"],
        part_count=row["part_count"],
        children_count=row["children_count"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _get_row(db: sqlite_utils.Database, location_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(f"{_SELECT} WHERE l.id = ?", [location_id]).fetchone()
    if row is None:
        raise NotFound(f"No location with id {location_id}")
    return row


def _subtree_ids(db: sqlite_utils.Database, location_id: str) -> list[str]:
    return [r[0] for r in db.execute(queries.location_subtree_sql(), [location_id])]


def _check_parent(db: sqlite_utils.Database, location_id: str | None, parent_id: str | None) -> str:
    """The path of the new parent ('' for the root); refuses a parent inside the location's own subtree."""
    if parent_id is None:
        return ""
    row = db.execute("SELECT path FROM locations WHERE id = ?", [parent_id]).fetchone()
    if row is None:
        raise InvalidInput(f"no location with id {parent_id}", "parent_id")
    if location_id is not None and parent_id in _subtree_ids(db, location_id):
        raise InvalidInput("a location cannot be moved under itself or one of its own children", "parent_id")
    levels = _levels(db, parent_id, "up") + (_levels(db, location_id, "down") if location_id is not None else 1)
    if levels > MAX_LOCATION_DEPTH:
        raise InvalidInput(
            f"locations nest at most {MAX_LOCATION_DEPTH} levels deep (room / shelf / drawer / bin is 4); "
            f"this would make {levels}",
            "parent_id",
        )
    return str(row[0])


_WALKS = {  # (first row, next rows) of a walk from a location, counting levels as it goes
    "up": (
        "SELECT parent_id, 1 FROM locations WHERE id = ?",
        "SELECT l.parent_id, w.n + 1 FROM locations l JOIN w ON l.id = w.id",
    ),
    "down": ("SELECT ?, 1", "SELECT l.id, w.n + 1 FROM locations l JOIN w ON l.parent_id = w.id"),
}


def _levels(db: sqlite_utils.Database, location_id: str, walk: str) -> int:
    """Up: how deep a location is (top level is 1). Down: how many levels it and its subtree span (a leaf is 1).
    Counting stops past the limit, so a cycle or a huge depth costs no more than that."""
    first, following = _WALKS[walk]
    sql = f"WITH RECURSIVE w(id, n) AS ({first} UNION ALL {following} WHERE w.n <= ?) SELECT max(n) FROM w"
    return int(db.execute(sql, [location_id, MAX_LOCATION_DEPTH]).fetchone()[0] or 1)


def _refresh_paths(db: sqlite_utils.Database, location_id: str, now: str) -> None:
    """Recompute the stored path of a location and everything below it (the search index follows)."""
    rows = db.execute(
        "WITH RECURSIVE t(id, path) AS ("
        " SELECT l.id, coalesce(p.path || ?, '') || l.name FROM locations l LEFT JOIN locations p ON p.id = l.parent_id"
        " WHERE l.id = ?"
        " UNION ALL SELECT c.id, t.path || ? || c.name FROM locations c JOIN t ON c.parent_id = t.id)"
        " SELECT id, path FROM t",
        [SEPARATOR, location_id, SEPARATOR],
    ).fetchall()
    for row in rows:
        db.execute(
            "UPDATE locations SET path = ?, updated_at = ? WHERE id = ? AND path != ?", [row[1], now, row[0], row[1]]
        )


def _sibling_conflict(exc: sqlite3.IntegrityError, name: str) -> Exception:
    if "UNIQUE" in str(exc):
        return Conflict(f"There is already a location named '{name}' in the same place")
    return exc


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInput("must not be empty", "name")
    return cleaned


def find_or_create(db: sqlite_utils.Database, name: str, now: str) -> str:
    """The location a free-text name like "A2-B3" means: a top-level one of that name first, else any
    (the shortest path), else a new top-level location. Used by the ALORA face and imports."""
    cleaned = _clean_name(name)
    row = db.execute(
        "SELECT id FROM locations WHERE name = ? COLLATE NOCASE "
        "ORDER BY parent_id IS NOT NULL, length(path), path LIMIT 1",
        [cleaned],
    ).fetchone()
    if row is not None:
        return str(row[0])
    new_id = str(uuid.uuid4())
    db.execute(
        "INSERT INTO locations (id, name, path, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        [new_id, cleaned, cleaned, now, now],
    )
    return new_id


def insert_location(db: sqlite_utils.Database, data: LocationCreate, now: str) -> str:
    """Insert one location inside the caller's write transaction; returns its id."""
    name = _clean_name(data.name)
    image_url = queries.check_image_url(data.image_url)
    new_id = str(uuid.uuid4())
    parent_path = _check_parent(db, None, data.parent_id)
    path = f"{parent_path}{SEPARATOR}{name}" if parent_path else name
    try:
        db.execute(
            "INSERT INTO locations (id, name, description, parent_id, location_type, image_url, emoji, "
            "path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                new_id,
                name,
                data.description,
                data.parent_id,
                data.location_type.strip(),
                image_url,
                (data.emoji or "").strip() or None,
                path,
                now,
                now,
            ],
        )
    except sqlite3.IntegrityError as exc:
        raise _sibling_conflict(exc, name) from None
    return new_id


def view(db: sqlite_utils.Database, location_id: str) -> LocationView:
    return _view(_get_row(db, location_id))


class LocationService:
    def __init__(self, db: Database, clock: Clock, events: EventBus | None = None) -> None:
        self._db = db
        self._clock = clock
        self._events = events or EventBus(clock)

    async def list_flat(self) -> list[LocationView]:
        return await self._db.read(lambda db: [_view(r) for r in db.execute(f"{_SELECT} ORDER BY l.path")])

    async def tree(self) -> list[LocationNode]:
        flat = await self.list_flat()
        nodes = {
            v.id: LocationNode(
                id=v.id,
                name=v.name,
                description=v.description,
                parent_id=v.parent_id,
                location_type=v.location_type,
                image_url=v.image_url,
                emoji=v.emoji,
                path=v.path,
                part_count=v.part_count,
                children=[],
            )
            for v in flat
        }
        roots: list[LocationNode] = []
        for node in nodes.values():
            parent = nodes.get(node.parent_id) if node.parent_id else None
            (parent.children if parent else roots).append(node)
        return roots

    async def get(self, *, location_id: str | None = None, name: str | None = None) -> LocationView:
        def load(db: sqlite_utils.Database) -> LocationView:
            if location_id:
                return _view(_get_row(db, location_id))
            if not name:
                raise InvalidInput("give location_id or name", "location_id")
            rows = db.execute(
                f"{_SELECT} WHERE l.name = ? COLLATE NOCASE ORDER BY l.path LIMIT 6", [name.strip()]
            ).fetchall()
            if not rows:
                raise NotFound(f"No location named '{name}'")
            if len(rows) > 1:
                paths = "; ".join(r["path"] for r in rows[:5])
                raise Conflict(f"Several locations are named '{name}' ({paths}); ask by location_id")
            return _view(rows[0])

        return await self._db.read(load)

    async def add(self, data: LocationCreate) -> LocationView:
        now = iso(self._clock())
        done = await self._db.write(lambda db: view(db, insert_location(db, data, now)))
        self._events.entity("created", "location", done.id, done.name, None, entity_data=done)
        return done

    async def update(self, location_id: str, data: LocationUpdate) -> LocationView:
        changes: dict[str, Any] = provided(data)
        if "name" in changes:
            changes["name"] = _clean_name(changes["name"])
        if "image_url" in changes:
            changes["image_url"] = queries.check_image_url(changes["image_url"])
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> LocationView:
            current = _get_row(db, location_id)
            if "parent_id" in changes:
                _check_parent(db, location_id, changes["parent_id"])
            if changes:
                try:
                    sql.update(db, "locations", changes, where="id = ?", params=[location_id], now=now)
                except sqlite3.IntegrityError as exc:
                    raise _sibling_conflict(exc, changes.get("name", current["name"])) from None
                if "name" in changes or "parent_id" in changes:
                    _refresh_paths(db, location_id, now)
            return _view(_get_row(db, location_id))

        done = await self._db.write(apply)
        self._events.entity("updated", "location", done.id, done.name, None, entity_data=done)
        return done

    async def path(self, location_id: str) -> list[LocationView]:
        """Root to leaf."""

        def load(db: sqlite_utils.Database) -> list[LocationView]:
            chain = [_get_row(db, location_id)]
            seen = {location_id}
            while chain[-1]["parent_id"] and chain[-1]["parent_id"] not in seen:
                parent = db.execute(f"{_SELECT} WHERE l.id = ?", [chain[-1]["parent_id"]]).fetchone()
                if parent is None:
                    break
                seen.add(parent["id"])
                chain.append(parent)
            return [_view(r) for r in reversed(chain)]

        return await self._db.read(load)

    async def details(self, location_id: str) -> LocationDetails:
        path = await self.path(location_id)

        def load(db: sqlite_utils.Database) -> LocationDetails:
            row = _get_row(db, location_id)
            children = [_view(r) for r in db.execute(f"{_SELECT} WHERE l.parent_id = ? ORDER BY l.name", [location_id])]
            subtree = f"({queries.location_subtree_sql()})"
            subtree_count = db.execute(
                f"SELECT count(*) FROM parts WHERE location_id IN {subtree}", [location_id]
            ).fetchone()[0]
            rows = db.execute(
                f"{queries.PART_SELECT} WHERE p.location_id IN {subtree} ORDER BY l.path, p.part_name LIMIT ?",
                [location_id, DETAIL_PARTS_LIMIT],
            ).fetchall()
            return LocationDetails(
                location=_view(row),
                path=path,
                children=children,
                parts_count=row["part_count"],
                subtree_parts_count=subtree_count,
                subtree_locations_count=len(_subtree_ids(db, location_id)) - 1,
                parts=queries.to_views(db, rows),
                parts_truncated=subtree_count > DETAIL_PARTS_LIMIT,
            )

        return await self._db.read(load)

    async def preview_delete(self, location_id: str) -> DeletePreview:
        def load(db: sqlite_utils.Database) -> DeletePreview:
            return delete_preview(db, _get_row(db, location_id), _subtree_ids(db, location_id))

        return await self._db.read(load)

    async def delete(self, location_id: str) -> DeleteResult:
        """Delete a location and everything below it; the parts stay, without a location."""

        def apply(db: sqlite_utils.Database) -> DeleteResult:
            _get_row(db, location_id)
            ids = _subtree_ids(db, location_id)
            marks = ",".join("?" * len(ids))
            parts = db.execute(f"SELECT count(*) FROM parts WHERE location_id IN ({marks})", ids).fetchone()[0]
            kept = db.execute(  # other places of parts in here: their quantity goes back to the part's location
                "SELECT a.part_id, a.quantity, l.path FROM part_allocations a JOIN locations l ON l.id = a.location_id "
                f"WHERE a.location_id IN ({marks})",
                ids,
            ).fetchall()
            db.execute("DELETE FROM locations WHERE id = ?", [location_id])  # children go by ON DELETE CASCADE
            now = iso(self._clock())
            for part_id, held, path in kept:
                what = f"{path} was deleted; its {held} count at the primary place again"
                stock.note(db, part_id, what=what, source="api", actor=None, now=now)
            note = f"; {parts} parts no longer have a location" if parts else ""
            return DeleteResult(
                deleted_locations=len(ids), parts_unassigned=parts, message=f"Deleted {len(ids)} locations{note}"
            )

        done = await self._db.write(apply)
        self._events.entity(
            "deleted",
            "location",
            location_id,
            None,
            None,
            changes={"deleted_locations": done.deleted_locations, "parts_unassigned": done.parts_unassigned},
        )
        return done

    async def cleanup(self) -> int:
        """Move locations whose parent no longer exists to the top level; returns how many."""
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> int:
            orphans = [
                r[0]
                for r in db.execute(
                    "SELECT id FROM locations WHERE parent_id IS NOT NULL "
                    "AND parent_id NOT IN (SELECT id FROM locations)"
                )
            ]
            for orphan in orphans:
                db.execute("UPDATE locations SET parent_id = NULL WHERE id = ?", [orphan])
                _refresh_paths(db, orphan, now)
            return len(orphans)

        done = await self._db.write(apply)
        self._events.entity("updated", "location", None, None, None, changes={"repaired": done})
        return done
