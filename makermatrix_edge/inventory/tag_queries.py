"""SQL shared by tags and tools: a tag with its live counts, the tags an item carries, an item's history."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Literal

import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import NotFound
from makermatrix_edge.inventory.tag_models import TagRef, TagView

Kind = Literal["part", "tool"]
# The link table and its item column for each kind of tagged item (names from code, never a request).
LINKS: dict[Kind, tuple[str, str]] = {"part": ("part_tags", "part_id"), "tool": ("tool_tags", "tool_id")}
ITEMS: dict[Kind, tuple[str, str]] = {"part": ("parts", "Part"), "tool": ("tools", "Tool")}
CHUNK = 500

# Counts come from the link tables every time: a stored count could drift from the links.
COUNTED = (
    "SELECT t.*, (SELECT count(*) FROM part_tags pt WHERE pt.tag_id = t.id) AS parts_count, "
    "(SELECT count(*) FROM tool_tags tt WHERE tt.tag_id = t.id) AS tools_count FROM tags t"
)
TAG_SELECT = f"SELECT *, parts_count + tools_count AS usage_count FROM ({COUNTED})"


def tag_view(row: sqlite3.Row) -> TagView:
    return TagView(
        id=row["id"],
        name=row["name"],
        color=row["color"],
        description=row["description"],
        icon=row["icon"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        created_by=row["created_by"],
        usage_count=row["usage_count"],
        parts_count=row["parts_count"],
        tools_count=row["tools_count"],
        last_used_at=row["last_used_at"],
        is_system=bool(row["is_system"]),
        is_active=bool(row["is_active"]),
    )


def find_tag(db: sqlite_utils.Database, tag_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(f"{TAG_SELECT} WHERE id = ?", [tag_id]).fetchone()
    if row is None:
        raise NotFound(f"Tag with ID '{tag_id}' not found")
    return row


def require_item(db: sqlite_utils.Database, kind: Kind, item_id: str) -> str:
    """The item's name, or NotFound in MakerMatrix's words."""
    table, label = ITEMS[kind]
    column = "part_name" if kind == "part" else "tool_name"
    row = db.execute(f"SELECT {column} FROM {table} WHERE id = ?", [item_id]).fetchone()
    if row is None:
        raise NotFound(f"{label} with ID '{item_id}' not found")
    return str(row[0])


def tags_for(db: sqlite_utils.Database, kind: Kind, item_ids: Sequence[str]) -> dict[str, list[TagRef]]:
    """The tags each item carries, by name, in one query per chunk."""
    table, column = LINKS[kind]
    out: dict[str, list[TagRef]] = {i: [] for i in item_ids}
    for start in range(0, len(item_ids), CHUNK):
        chunk = list(item_ids[start : start + CHUNK])
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT l.{column}, t.id, t.name, t.color, t.icon FROM {table} l JOIN tags t ON t.id = l.tag_id "
            f"WHERE l.{column} IN ({marks}) ORDER BY t.name",
            chunk,
        ).fetchall()
        for r in rows:
            out[r[0]].append(TagRef(id=r[1], name=r[2], color=r[3], icon=r[4]))
    return out


def note_item(
    db: sqlite_utils.Database,
    kind: Literal["tag", "tool"],
    item_id: str,
    what: str,
    actor: Principal | None,
    now: str,
    source: str = "api",
) -> None:
    """One line of a tag's or tool's history, written in the same transaction as the change."""
    db.execute(
        "INSERT INTO item_changes (kind, item_id, what, source, user_id, username, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [kind, item_id, what[:300], source, actor.user_id if actor else None, actor.username if actor else None, now],
    )


def item_history(
    db: sqlite_utils.Database, kind: Literal["tag", "tool"], item_id: str, limit: int
) -> list[dict[str, str]]:
    rows = db.execute(
        "SELECT what, source, username, created_at FROM item_changes WHERE kind = ? AND item_id = ? "
        "ORDER BY id DESC LIMIT ?",
        [kind, item_id, limit],
    ).fetchall()
    return [{"what": r[0], "source": r[1], "username": r[2] or "", "created_at": r[3]} for r in rows]
