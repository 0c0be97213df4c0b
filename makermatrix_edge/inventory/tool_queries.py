"""SQL for tools: loading them as views (with location, who has them, categories and tags) and their records."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

import sqlite_utils

from makermatrix_edge.errors import NotFound
from makermatrix_edge.inventory.models import CategoryRef, LocationRef
from makermatrix_edge.inventory.tag_queries import CHUNK, tags_for
from makermatrix_edge.inventory.tool_models import CheckoutView, MaintenanceView, ToolView

# The open check-out (at most one: a partial unique index) says who has the tool and since when.
TOOL_SELECT = (
    "SELECT t.*, l.name AS loc_name, l.path AS loc_path, l.location_type AS loc_type, "
    "c.username AS co_user, c.checked_out_at AS co_at, c.expected_return_date AS co_due "
    "FROM tools t LEFT JOIN locations l ON l.id = t.location_id "
    "LEFT JOIN tool_checkouts c ON c.tool_id = t.id AND c.returned_at IS NULL"
)


def _categories(db: sqlite_utils.Database, tool_ids: Sequence[str]) -> dict[str, list[CategoryRef]]:
    out: dict[str, list[CategoryRef]] = {i: [] for i in tool_ids}
    for start in range(0, len(tool_ids), CHUNK):
        chunk = list(tool_ids[start : start + CHUNK])
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            "SELECT tc.tool_id, c.id, c.name, c.description FROM tool_categories tc "
            f"JOIN categories c ON c.id = tc.category_id WHERE tc.tool_id IN ({marks}) ORDER BY c.name",
            chunk,
        ).fetchall()
        for r in rows:
            out[r[0]].append(CategoryRef(id=r[1], name=r[2], description=r[3]))
    return out


def to_views(db: sqlite_utils.Database, rows: Iterable[sqlite3.Row]) -> list[ToolView]:
    materialized = list(rows)
    ids = [r["id"] for r in materialized]
    cats = _categories(db, ids)
    tags = tags_for(db, "tool", ids)
    return [
        ToolView(
            id=r["id"],
            tool_name=r["tool_name"],
            tool_number=r["tool_number"],
            description=r["description"],
            manufacturer=r["manufacturer"],
            model_number=r["model_number"],
            tool_type=r["tool_type"],
            supplier=r["supplier"],
            supplier_part_number=r["supplier_part_number"],
            supplier_url=r["supplier_url"],
            product_url=r["product_url"],
            image_url=r["image_url"],
            emoji=r["emoji"],
            additional_properties=json.loads(r["additional_properties"]),
            condition=r["condition"],
            last_maintenance_date=r["last_maintenance_date"],
            next_maintenance_date=r["next_maintenance_date"],
            maintenance_notes=r["maintenance_notes"],
            is_checked_out=r["co_user"] is not None,
            checked_out_by=r["co_user"],
            checked_out_at=r["co_at"],
            expected_return_date=r["co_due"],
            purchase_date=r["purchase_date"],
            purchase_price=r["purchase_price"],
            current_value=r["current_value"],
            is_checkable=bool(r["is_checkable"]),
            is_calibrated_tool=bool(r["is_calibrated_tool"]),
            is_consumable=bool(r["is_consumable"]),
            exclude_from_analytics=True,
            quantity=r["quantity"],
            location=(
                LocationRef(id=r["location_id"], name=r["loc_name"], path=r["loc_path"], location_type=r["loc_type"])
                if r["location_id"] and r["loc_name"] is not None
                else None
            ),
            location_id=r["location_id"],
            categories=cats[r["id"]],
            tags=tags[r["id"]],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
        )
        for r in materialized
    ]


def tool_view(db: sqlite_utils.Database, tool_id: str) -> ToolView:
    views = to_views(db, db.execute(f"{TOOL_SELECT} WHERE t.id = ?", [tool_id]).fetchall())
    if not views:
        raise NotFound(f"Tool with ID '{tool_id}' not found")
    return views[0]


def maintenance_view(row: sqlite3.Row) -> MaintenanceView:
    return MaintenanceView(
        id=row["id"],
        tool_id=row["tool_id"],
        maintenance_date=row["maintenance_date"],
        maintenance_type=row["maintenance_type"],
        performed_by=row["performed_by"],
        notes=row["notes"],
        next_maintenance_date=row["next_maintenance_date"],
        cost=row["cost"],
        created_at=row["created_at"],
    )


def checkouts(db: sqlite_utils.Database, tool_id: str, limit: int) -> list[CheckoutView]:
    rows = db.execute(
        "SELECT * FROM tool_checkouts WHERE tool_id = ? ORDER BY id DESC LIMIT ?", [tool_id, limit]
    ).fetchall()
    return [
        CheckoutView(
            username=r["username"],
            checked_out_at=r["checked_out_at"],
            expected_return_date=r["expected_return_date"],
            notes=r["notes"],
            checked_out_by=r["checked_out_by"],
            returned_at=r["returned_at"],
            returned_by=r["returned_by"],
            return_condition=r["return_condition"],
            return_notes=r["return_notes"],
        )
        for r in rows
    ]
