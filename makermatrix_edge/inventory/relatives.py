"""The related objects makermatrix-api.md's models carry: a location's parent and children, a category's parts.

Bounded: at most MAX_RELATED children or parts are listed (children_count and part_count give the
full numbers), so a drawer of 10 000 parts still answers in one small page.
"""

from __future__ import annotations

import msgspec
import sqlite_utils

from makermatrix_edge.db.gateway import Database
from makermatrix_edge.inventory.models import CategoryView, LocationView

MAX_RELATED = 100


class LocationBrief(msgspec.Struct):
    id: str
    name: str
    location_type: str
    path: str


class LocationWithRelatives(LocationView):
    parent: LocationBrief | None = None
    children: list[LocationBrief] = msgspec.field(default_factory=list)


class PartBrief(msgspec.Struct):
    id: str
    part_name: str
    part_number: str | None
    quantity: int


class CategoryWithParts(CategoryView):
    parts: list[PartBrief] = msgspec.field(default_factory=list)


def _brief(view: LocationView) -> LocationBrief:
    return LocationBrief(view.id, view.name, view.location_type, view.path)


def _extend(view: LocationView, parent: LocationBrief | None, children: list[LocationBrief]) -> LocationWithRelatives:
    fields = msgspec.structs.asdict(view)
    return LocationWithRelatives(**fields, parent=parent, children=children[:MAX_RELATED])


def flat_with_relatives(views: list[LocationView]) -> list[LocationWithRelatives]:
    """Every location of the full list with its parent and children, found in the list itself."""
    by_id = {v.id: v for v in views}
    children: dict[str, list[LocationBrief]] = {}
    for view in views:  # ordered by path, so children come in name order
        if view.parent_id:
            children.setdefault(view.parent_id, []).append(_brief(view))
    return [
        _extend(v, _brief(by_id[v.parent_id]) if v.parent_id in by_id else None, children.get(v.id, [])) for v in views
    ]


async def location_with_relatives(database: Database, view: LocationView) -> LocationWithRelatives:
    def load(db: sqlite_utils.Database) -> LocationWithRelatives:
        brief = "SELECT id, name, location_type, path FROM locations"
        parent_row = db.execute(f"{brief} WHERE id = ?", [view.parent_id]).fetchone() if view.parent_id else None
        rows = db.execute(f"{brief} WHERE parent_id = ? ORDER BY name LIMIT ?", [view.id, MAX_RELATED]).fetchall()
        parent = LocationBrief(*parent_row) if parent_row else None
        return _extend(view, parent, [LocationBrief(*r) for r in rows])

    return await database.read(load)


async def category_with_parts(database: Database, view: CategoryView) -> CategoryWithParts:
    def load(db: sqlite_utils.Database) -> CategoryWithParts:
        rows = db.execute(
            "SELECT p.id, p.part_name, p.part_number, p.quantity FROM part_categories pc "
            "JOIN parts p ON p.id = pc.part_id WHERE pc.category_id = ? ORDER BY p.part_name LIMIT ?",
            [view.id, MAX_RELATED],
        ).fetchall()
        return CategoryWithParts(**msgspec.structs.asdict(view), parts=[PartBrief(*r) for r in rows])

    return await database.read(load)
