"""GET /api/dashboard/summary: MakerMatrix's inventory overview, in one read transaction.

Low stock here is what it is everywhere in this daemon: below the part's own minimum
(MakerMatrix counts fewer than 10 units). Every list is bounded, so a large inventory answers small.
"""

from __future__ import annotations

import msgspec
import sqlite_utils

from makermatrix_edge.db.gateway import Database

TOP = 10  # the most, least and low stocked lists, as MakerMatrix
MAX_GROUPS = 100  # categories, locations, suppliers listed at most

# Every place of a part, as text: its location's path, then its other places' paths.
_WHERE = (
    "(SELECT group_concat(path, ', ') FROM (SELECT l.path FROM locations l WHERE l.id = p.location_id "
    "UNION ALL SELECT l.path FROM part_allocations a JOIN locations l ON l.id = a.location_id WHERE a.part_id = p.id))"
)


class Summary(msgspec.Struct):
    total_parts: int
    total_units: int
    total_categories: int
    total_locations: int
    parts_with_location: int
    parts_without_location: int
    low_stock_count: int
    zero_stock_count: int


class Group(msgspec.Struct, omit_defaults=True):
    part_count: int
    total_quantity: int
    category: str | None = None
    location: str | None = None
    location_id: str | None = None
    supplier: str | None = None


class StockedPart(msgspec.Struct, omit_defaults=True):
    id: str
    part_name: str
    part_number: str | None
    supplier: str
    quantity: int
    min_quantity: int
    location: str | None = None
    location_name: str | None = None


class DashboardSummary(msgspec.Struct):
    summary: Summary
    parts_by_category: list[Group]
    parts_by_location: list[Group]
    parts_by_supplier: list[Group]
    most_stocked_parts: list[StockedPart]
    least_stocked_parts: list[StockedPart]
    low_stock_parts: list[StockedPart]


def _count(db: sqlite_utils.Database, sql: str) -> int:
    return int(db.execute(sql).fetchone()[0] or 0)


def _parts(db: sqlite_utils.Database, where: str, order: str, low: bool = False) -> list[StockedPart]:
    # The ten first, then their places: the places' text is worked out for ten rows, not for every tie.
    rows = db.execute(
        f"SELECT p.id, p.part_name, p.part_number, coalesce(p.supplier, 'Unknown'), p.quantity, p.min_quantity, "
        f"coalesce({_WHERE}, 'No Location') FROM (SELECT * FROM parts p WHERE {where} ORDER BY {order} "
        f"LIMIT {TOP}) p ORDER BY {order}"
    ).fetchall()
    if low:
        return [StockedPart(r[0], r[1], r[2], r[3], r[4], r[5], location_name=r[6]) for r in rows]
    return [StockedPart(r[0], r[1], r[2], r[3], r[4], r[5], location=r[6]) for r in rows]


def _by_location(db: sqlite_utils.Database) -> list[Group]:
    """Parts and units in each place: a location holds its parts' rest plus the allocations kept there.

    Three grouped reads over indexes, combined here (one query over every place of every part cost
    ~0.3 s at 20 000 parts).
    """
    counts: dict[str, list[int]] = {}
    for loc, n, units in db.execute(
        "SELECT location_id, count(*), sum(quantity) FROM parts WHERE location_id IS NOT NULL GROUP BY location_id"
    ):
        counts[loc] = [n, units]
    for loc, away in db.execute(  # what a location's parts keep elsewhere is not in it
        # CROSS JOIN: walk the few allocations and look each part up (the planner chose to scan every part)
        "SELECT p.location_id, sum(a.quantity) FROM part_allocations a CROSS JOIN parts p ON p.id = a.part_id "
        "WHERE p.location_id IS NOT NULL GROUP BY p.location_id"
    ):
        counts[loc][1] -= away
    for loc, n, units in db.execute(
        "SELECT location_id, count(*), sum(quantity) FROM part_allocations GROUP BY location_id"
    ):  # a part never has an allocation at its own location (a trigger), so the counts add
        here = counts.setdefault(loc, [0, 0])
        here[0] += n
        here[1] += units
    names = {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, name, path FROM locations")}
    known = [(loc, c) for loc, c in counts.items() if loc in names]
    known.sort(key=lambda item: (-item[1][0], names[item[0]][1]))
    return [Group(c[0], c[1], location=names[loc][0], location_id=loc) for loc, c in known[:MAX_GROUPS]]


def summary(db: sqlite_utils.Database) -> DashboardSummary:
    parts = _count(db, "SELECT count(*) FROM parts")
    placed = _count(db, "SELECT count(*) FROM parts WHERE location_id IS NOT NULL")
    counts = Summary(
        total_parts=parts,
        total_units=_count(db, "SELECT sum(quantity) FROM parts"),
        total_categories=_count(db, "SELECT count(*) FROM categories"),
        total_locations=_count(db, "SELECT count(*) FROM locations"),
        parts_with_location=placed,
        parts_without_location=parts - placed,
        low_stock_count=_count(db, "SELECT count(*) FROM parts WHERE quantity < min_quantity"),
        zero_stock_count=_count(db, "SELECT count(*) FROM parts WHERE quantity = 0"),
    )
    categories = db.execute(
        "SELECT coalesce(c.name, 'Uncategorized'), count(p.id), coalesce(sum(p.quantity), 0) FROM parts p "
        "LEFT JOIN part_categories pc ON pc.part_id = p.id LEFT JOIN categories c ON c.id = pc.category_id "
        f"GROUP BY c.id ORDER BY count(p.id) DESC, c.name LIMIT {MAX_GROUPS}"
    ).fetchall()
    locations = _by_location(db)
    suppliers = db.execute(
        "SELECT supplier, count(*), sum(quantity) FROM parts WHERE supplier IS NOT NULL "
        f"GROUP BY supplier ORDER BY count(*) DESC, supplier LIMIT {MAX_GROUPS}"
    ).fetchall()
    return DashboardSummary(
        summary=counts,
        parts_by_category=[Group(r[1], r[2], category=r[0]) for r in categories],
        parts_by_location=locations,
        parts_by_supplier=[Group(r[1], r[2], supplier=r[0]) for r in suppliers],
        most_stocked_parts=_parts(db, "1", "p.quantity DESC, p.part_name"),
        least_stocked_parts=_parts(db, "p.quantity > 0", "p.quantity, p.part_name"),
        low_stock_parts=_parts(db, "p.quantity < p.min_quantity AND p.quantity > 0", "p.quantity, p.part_name", True),
    )


class DashboardService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def summary(self) -> DashboardSummary:
        return await self._db.read(summary)
