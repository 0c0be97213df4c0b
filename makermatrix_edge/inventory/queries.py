"""SQL shared by the inventory services: loading parts as views, categories by name, lookups."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import sqlite_utils

from makermatrix_edge.errors import BeyondLimit, InvalidInput
from makermatrix_edge.inventory.models import CategoryRef, DatasheetRef, LocationRef, PartView, PlaceRef
from makermatrix_edge.inventory.tag_queries import tags_for

PART_SELECT = (
    "SELECT p.*, l.name AS loc_name, l.path AS loc_path, l.location_type AS loc_type "
    "FROM parts p LEFT JOIN locations l ON l.id = p.location_id"
)
CHUNK = 500  # stay well below SQLite's bound-parameter limit
DATASHEET_URL = "/api/utility/static/datasheets/"


def categories_for(db: sqlite_utils.Database, part_ids: Sequence[str]) -> dict[str, list[CategoryRef]]:
    out: dict[str, list[CategoryRef]] = {pid: [] for pid in part_ids}
    for start in range(0, len(part_ids), CHUNK):
        chunk = list(part_ids[start : start + CHUNK])
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT pc.part_id, c.id, c.name, c.description FROM part_categories pc "
            f"JOIN categories c ON c.id = pc.category_id WHERE pc.part_id IN ({marks}) ORDER BY c.name",
            chunk,
        ).fetchall()
        for row in rows:
            out[row[0]].append(CategoryRef(id=row[1], name=row[2], description=row[3]))
    return out


def datasheets_for(db: sqlite_utils.Database, part_ids: Sequence[str]) -> dict[str, list[DatasheetRef]]:
    out: dict[str, list[DatasheetRef]] = {pid: [] for pid in part_ids}
    for start in range(0, len(part_ids), CHUNK):
        chunk = list(part_ids[start : start + CHUNK])
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            "SELECT id, part_id, filename, title, source_url, supplier, size_bytes, created_at FROM datasheets "
            f"WHERE part_id IN ({marks}) ORDER BY created_at DESC",
            chunk,
        ).fetchall()
        for r in rows:
            out[r["part_id"]].append(
                DatasheetRef(
                    id=r["id"],
                    filename=r["filename"],
                    title=r["title"],
                    url=DATASHEET_URL + r["filename"],
                    source_url=r["source_url"],
                    supplier=r["supplier"],
                    size_bytes=r["size_bytes"],
                    created_at=r["created_at"],
                )
            )
    return out


def other_places_for(db: sqlite_utils.Database, part_ids: Sequence[str]) -> dict[str, list[PlaceRef]]:
    """Each part's places other than its primary one (part_allocations), oldest first."""
    out: dict[str, list[PlaceRef]] = {pid: [] for pid in part_ids}
    for start in range(0, len(part_ids), CHUNK):
        chunk = list(part_ids[start : start + CHUNK])
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            "SELECT a.id, a.part_id, a.location_id, l.name, l.path, a.quantity, a.notes, a.updated_at "
            f"FROM part_allocations a JOIN locations l ON l.id = a.location_id WHERE a.part_id IN ({marks}) "
            "ORDER BY a.seq",
            chunk,
        ).fetchall()
        for r in rows:
            out[r[1]].append(PlaceRef(r[0], r[2], r[3], r[4], r[5], False, r[6], r[7]))
    return out


def places(row: sqlite3.Row, others: list[PlaceRef]) -> list[PlaceRef]:
    """The primary place (holding what the others do not) first, then the others; none for a part kept nowhere."""
    if row["location_id"] is None and not others:
        return []
    rest = row["quantity"] - sum(p.quantity_at_location for p in others)
    primary = PlaceRef(
        row["id"], row["location_id"], row["loc_name"], row["loc_path"], rest, True, None, row["updated_at"]
    )
    return [primary, *others]


def to_views(db: sqlite_utils.Database, rows: Iterable[sqlite3.Row]) -> list[PartView]:
    """Part rows (selected with PART_SELECT) as views, categories loaded in one query."""
    materialized = list(rows)
    cats = categories_for(db, [r["id"] for r in materialized])
    sheets = datasheets_for(db, [r["id"] for r in materialized])
    tags = tags_for(db, "part", [r["id"] for r in materialized])
    others = other_places_for(db, [r["id"] for r in materialized])
    views = []
    for r in materialized:
        location = (
            LocationRef(id=r["location_id"], name=r["loc_name"], path=r["loc_path"], location_type=r["loc_type"])
            if r["location_id"] and r["loc_name"] is not None
            else None
        )
        views.append(
            PartView(
                id=r["id"],
                part_name=r["part_name"],
                part_number=r["part_number"],
                manufacturer=r["manufacturer"],
                manufacturer_part_number=r["manufacturer_part_number"],
                description=r["description"],
                quantity=r["quantity"],
                min_quantity=r["min_quantity"],
                is_low_stock=r["quantity"] < r["min_quantity"],  # below the minimum, as ALORA counts a shortage
                supplier=r["supplier"],
                location_id=r["location_id"],
                location=location,
                image_url=r["image_url"],
                emoji=r["emoji"],
                unit_price=r["unit_price"],
                currency=r["currency"],
                additional_properties=json.loads(r["additional_properties"]),
                categories=cats[r["id"]],
                created_at=r["created_at"],
                updated_at=r["updated_at"],
                datasheets=sheets[r["id"]],
                tags=tags[r["id"]],
                allocations=places(r, others[r["id"]]),
            )
        )
    return views


def views_by_seq(db: sqlite_utils.Database, seqs: Sequence[int]) -> list[PartView]:
    """Part views for these integer ids, in the order given."""
    if not seqs:
        return []
    marks = ",".join("?" * len(seqs))
    rows = {r["seq"]: r for r in db.execute(f"{PART_SELECT} WHERE p.seq IN ({marks})", list(seqs))}
    return to_views(db, [rows[s] for s in seqs if s in rows])


def part_view(db: sqlite_utils.Database, part_id: str) -> PartView | None:
    rows = db.execute(f"{PART_SELECT} WHERE p.id = ?", [part_id]).fetchall()
    views = to_views(db, rows)
    return views[0] if views else None


def ensure_categories(db: sqlite_utils.Database, names: Iterable[str], now: str) -> list[str]:
    """Ids of the named categories (case-insensitive), creating the ones that do not exist."""
    ids: list[str] = []
    for raw in names:
        name = raw.strip()
        if not name:
            raise InvalidInput("category names must not be empty", "category_names")
        row = db.execute("SELECT id FROM categories WHERE name = ?", [name]).fetchone()
        if row is None:
            new_id = str(uuid.uuid4())
            db.execute(
                "INSERT INTO categories (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
                [new_id, name, now, now],
            )
            ids.append(new_id)
        elif row[0] not in ids:
            ids.append(row[0])
    return ids


def set_part_categories(db: sqlite_utils.Database, part_id: str, category_ids: Sequence[str]) -> None:
    current = {r[0] for r in db.execute("SELECT category_id FROM part_categories WHERE part_id = ?", [part_id])}
    wanted = set(category_ids)
    for gone in current - wanted:
        db.execute("DELETE FROM part_categories WHERE part_id = ? AND category_id = ?", [part_id, gone])
    for new in wanted - current:
        db.execute("INSERT INTO part_categories (part_id, category_id) VALUES (?, ?)", [part_id, new])


def require_location(db: sqlite_utils.Database, location_id: str | None, field: str = "location_id") -> None:
    if location_id is not None and db.execute("SELECT 1 FROM locations WHERE id = ?", [location_id]).fetchone() is None:
        raise InvalidInput(f"no location with id {location_id}", field)


def location_subtree_sql(param: str = "?") -> str:
    """SQL for the ids of a location and everything below it."""
    return (
        f"WITH RECURSIVE subtree(id) AS (SELECT id FROM locations WHERE id = {param} "
        "UNION SELECT l.id FROM locations l JOIN subtree s ON l.parent_id = s.id) SELECT id FROM subtree"
    )


MAX_PROPERTY_DEPTH = 32  # levels of dicts and lists, the properties object itself included


def _depth(value: Any) -> int:
    """How deeply dicts and lists nest (a loop, not recursion: the input is untrusted); stops past the limit."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack and deepest <= MAX_PROPERTY_DEPTH:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


MAX_PROPERTY_KEYS = 200
MAX_PROPERTIES_CHARS = 32_768


def encode_properties(props: dict[str, Any]) -> str:
    if _depth(props) > MAX_PROPERTY_DEPTH:
        raise BeyondLimit(f"must not nest deeper than {MAX_PROPERTY_DEPTH} levels", "additional_properties")
    text = json.dumps(props, ensure_ascii=False, separators=(",", ":"))
    if len(text) > MAX_PROPERTIES_CHARS:
        raise InvalidInput("must be at most 32 KB of JSON", "additional_properties")
    if len(props) > MAX_PROPERTY_KEYS:
        raise InvalidInput("must have at most 200 keys", "additional_properties")
    return text


def check_image_url(url: str | None) -> str | None:
    """Our own image URLs or http(s) links; nothing a browser would run (javascript:, data:)."""
    if url is None or url == "":
        return None
    if url.startswith("/") and not url.startswith("//"):
        return url
    if url.lower().startswith(("http://", "https://")):
        return url
    raise InvalidInput("must be a path like /api/utility/get_image/<id>.png or an http(s) URL", "image_url")
