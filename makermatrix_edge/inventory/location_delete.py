"""What deleting a location would touch: the preview shown before the delete, and the delete's answer."""

from __future__ import annotations

import sqlite3

import msgspec
import sqlite_utils

NAMES_SHOWN = 20


class HierarchyNode(msgspec.Struct):
    id: str
    name: str
    description: str | None
    children: list[HierarchyNode]


class DeletePreview(msgspec.Struct):
    location_id: str
    name: str
    path: str
    child_locations: int
    affected_parts: int
    affected_part_names: list[str]
    # MakerMatrix's names for the same answer, which its front end and tests read:
    affected_parts_count: int
    affected_locations_count: int
    location_ids_to_delete: list[str]
    location_hierarchy: HierarchyNode


class DeleteResult(msgspec.Struct):
    deleted_locations: int
    parts_unassigned: int
    message: str


def delete_preview(db: sqlite_utils.Database, row: sqlite3.Row, ids: list[str]) -> DeletePreview:
    """`row` is the location, `ids` its subtree (itself first)."""
    marks = ",".join("?" * len(ids))
    count = db.execute(f"SELECT count(*) FROM parts WHERE location_id IN ({marks})", ids).fetchone()[0]
    names = [
        r[0]
        for r in db.execute(
            f"SELECT part_name FROM parts WHERE location_id IN ({marks}) ORDER BY part_name LIMIT {NAMES_SHOWN}", ids
        )
    ]
    return DeletePreview(
        location_id=row["id"],
        name=row["name"],
        path=row["path"],
        child_locations=len(ids) - 1,
        affected_parts=count,
        affected_part_names=names,
        affected_parts_count=count,
        affected_locations_count=len(ids),
        location_ids_to_delete=ids,
        location_hierarchy=_hierarchy(db, row["id"], ids),
    )


def _hierarchy(db: sqlite_utils.Database, location_id: str, ids: list[str]) -> HierarchyNode:
    """The subtree as nested nodes, built from one read of its rows (no query per level)."""
    marks = ",".join("?" * len(ids))
    rows = db.execute(f"SELECT id, name, description, parent_id FROM locations WHERE id IN ({marks})", ids)
    nodes: dict[str, HierarchyNode] = {}
    parents: dict[str, str | None] = {}
    for node_id, name, description, parent_id in rows:
        nodes[node_id] = HierarchyNode(node_id, name, description, [])
        parents[node_id] = parent_id
    for node_id in ids:  # children in the order the subtree query gives them
        parent = parents.get(node_id)
        if node_id != location_id and parent in nodes:
            nodes[str(parent)].children.append(nodes[node_id])
    return nodes[location_id]
