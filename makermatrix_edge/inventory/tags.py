"""Tags on parts and tools: create, find, list, edit, delete, attach and detach, bulk, merge, clean up.

Every write is one transaction that also writes its history line (item_changes for the tag,
part_changes for a part it is put on or taken off, item_changes for a tool).
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import msgspec
import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db import sql
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Conflict, InvalidInput, NotFound, Refused
from makermatrix_edge.inventory import queries, stock, tool_queries
from makermatrix_edge.inventory.tag_models import (
    TagBulk,
    TagCleanup,
    TagCreate,
    TagFilter,
    TagMerge,
    TagPage,
    TagUpdate,
    TagView,
    TagWithItems,
    tag_color,
    tag_name,
)
from makermatrix_edge.inventory.tag_queries import (
    ITEMS,
    LINKS,
    TAG_SELECT,
    Kind,
    find_tag,
    note_item,
    require_item,
    tag_view,
)
from makermatrix_edge.inventory.tool_models import PartsByTag, ToolsByTag
from makermatrix_edge.runtime.events import EventBus

_SORTS = {"name": "name COLLATE NOCASE", "usage_count": "usage_count", "created_at": "created_at",
          "updated_at": "updated_at", "last_used_at": "last_used_at"}  # fmt: skip
MAX_ITEMS_SHOWN = 200  # include_items lists at most this many parts and tools each


def _pages(total: int, size: int) -> int:
    return (total + size - 1) // size


def _unique(exc: sqlite3.IntegrityError, name: str) -> Exception:
    return Conflict(f"Tag '{name}' already exists") if "tags.name" in str(exc) else exc


def _by_name(db: sqlite_utils.Database, name: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(f"{TAG_SELECT} WHERE name = ?", [name]).fetchone()
    return row


def _with_items(db: sqlite_utils.Database, row: sqlite3.Row) -> TagWithItems:
    view = tag_view(row)
    parts = db.execute(
        "SELECT p.id, p.part_name, p.part_number, p.manufacturer, p.description FROM part_tags pt "
        "JOIN parts p ON p.id = pt.part_id WHERE pt.tag_id = ? ORDER BY p.part_name LIMIT ?",
        [view.id, MAX_ITEMS_SHOWN],
    ).fetchall()
    tools = db.execute(
        "SELECT t.id, t.tool_name, t.tool_number, t.manufacturer, t.description FROM tool_tags tt "
        "JOIN tools t ON t.id = tt.tool_id WHERE tt.tag_id = ? ORDER BY t.tool_name LIMIT ?",
        [view.id, MAX_ITEMS_SHOWN],
    ).fetchall()
    return TagWithItems(
        **msgspec.structs.asdict(view),
        parts=[dict(r) for r in parts],
        tools=[dict(r) for r in tools],
    )


def _link(db: sqlite_utils.Database, tag: sqlite3.Row, kind: Kind, item_id: str, actor: Principal | None,
          now: str) -> bool:  # fmt: skip
    """Put the tag on the item; False when it was already there (nothing written)."""
    require_item(db, kind, item_id)
    table, column = LINKS[kind]
    added = db.execute(
        f"INSERT OR IGNORE INTO {table} ({column}, tag_id, added_at, added_by) VALUES (?, ?, ?, ?)",
        [item_id, tag["id"], now, actor.username if actor else None],
    ).rowcount
    if not added:
        return False
    db.execute("UPDATE tags SET last_used_at = ? WHERE id = ?", [now, tag["id"]])
    _note(db, kind, item_id, f"tagged #{tag['name']}", actor, now)
    return True


def _unlink(db: sqlite_utils.Database, tag: sqlite3.Row, kind: Kind, item_id: str, actor: Principal | None,
            now: str) -> bool:  # fmt: skip
    table, column = LINKS[kind]
    gone = db.execute(f"DELETE FROM {table} WHERE {column} = ? AND tag_id = ?", [item_id, tag["id"]]).rowcount
    if gone:
        _note(db, kind, item_id, f"untagged #{tag['name']}", actor, now)
    return bool(gone)


def _note(db: sqlite_utils.Database, kind: Kind, item_id: str, what: str, actor: Principal | None, now: str) -> None:
    if kind == "part":
        stock.note(db, item_id, what=what, source="api", actor=actor, now=now)
    else:
        note_item(db, "tool", item_id, what, actor, now)


class TagService:
    def __init__(self, db: Database, clock: Clock, events: EventBus | None = None) -> None:
        self._db = db
        self._clock = clock
        self._events = events or EventBus(clock)

    def _told(self, action: str, tag: TagView, actor: Principal | None) -> TagView:
        """Publish entity_<action> for /ws/events (after the commit) and hand the tag back."""
        self._events.entity(action, "tag", tag.id, tag.name, actor, entity_data=tag)
        return tag

    async def create(self, data: TagCreate, actor: Principal | None) -> TagView:
        name = tag_name(data.name)
        color = tag_color(data.color)
        now = iso(self._clock())
        new_id = str(uuid.uuid4())

        def insert(db: sqlite_utils.Database) -> TagView:
            try:
                db.execute(
                    "INSERT INTO tags (id, name, color, description, icon, is_system, created_by, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [new_id, name, color, data.description, data.icon, int(data.is_system),
                     None if data.is_system or actor is None else actor.username, now, now],
                )  # fmt: skip
            except sqlite3.IntegrityError as exc:
                raise _unique(exc, name) from None
            note_item(db, "tag", new_id, f"created #{name}", actor, now)
            return tag_view(find_tag(db, new_id))

        return self._told("created", await self._db.write(insert), actor)

    async def get(self, tag_id: str, include_items: bool = False) -> TagView:
        def run(db: sqlite_utils.Database) -> TagView:
            row = find_tag(db, tag_id)
            return _with_items(db, row) if include_items else tag_view(row)

        return await self._db.read(run)

    async def get_by_name(self, name: str, include_items: bool = False) -> TagView:
        wanted = name.strip().removeprefix("#")

        def run(db: sqlite_utils.Database) -> TagView:
            row = _by_name(db, wanted)
            if row is None:
                raise NotFound(f"Tag with name '{wanted}' not found")
            return _with_items(db, row) if include_items else tag_view(row)

        return await self._db.read(run)

    async def list_tags(self, f: TagFilter) -> TagPage:
        where: list[str] = []
        params: list[Any] = []
        if f.search and f.search.strip():
            term = f"%{f.search.strip().removeprefix('#').lower()}%"
            where.append("(lower(name) LIKE ? OR lower(coalesce(description, '')) LIKE ?)")
            params += [term, term]
        for column, value in (("is_active", f.is_active), ("is_system", f.is_system)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(int(value))
        if f.min_usage is not None:
            where.append("usage_count >= ?")
            params.append(f.min_usage)
        if f.max_usage is not None:
            where.append("usage_count <= ?")
            params.append(f.max_usage)
        if f.has_color is not None:
            where.append("color IS NOT NULL" if f.has_color else "color IS NULL")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        order = f"{_SORTS.get(f.sort_by, _SORTS['name'])} {'DESC' if f.sort_order == 'desc' else 'ASC'}, seq"

        def run(db: sqlite_utils.Database) -> TagPage:
            total = int(db.execute(f"SELECT count(*) FROM ({TAG_SELECT}){clause}", params).fetchone()[0])
            rows = db.execute(
                f"SELECT * FROM ({TAG_SELECT}){clause} ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, f.page_size, (f.page - 1) * f.page_size],
            ).fetchall()
            return TagPage([tag_view(r) for r in rows], total, f.page, f.page_size, _pages(total, f.page_size))

        return await self._db.read(run)

    async def update(self, tag_id: str, data: TagUpdate, actor: Principal | None) -> TagView:
        # As MakerMatrix: a null leaves the field as it is (a tag's name and flags cannot be "cleared").
        changes: dict[str, Any] = {
            f: getattr(data, f) for f in data.__struct_fields__ if getattr(data, f) not in (None, msgspec.UNSET)
        }
        if "name" in changes:
            changes["name"] = tag_name(changes["name"])
        if "color" in changes:
            changes["color"] = tag_color(changes["color"])
        if "is_active" in changes:
            changes["is_active"] = int(changes["is_active"])
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> TagView:
            before = tag_view(find_tag(db, tag_id))
            try:
                sql.update(db, "tags", changes, where="id = ?", params=[tag_id], now=now)
            except sqlite3.IntegrityError as exc:
                raise _unique(exc, str(changes.get("name"))) from None
            after = tag_view(find_tag(db, tag_id))
            edited = [k.replace("_", " ") for k in changes if getattr(before, k) != getattr(after, k)]
            if edited:
                note_item(db, "tag", tag_id, f"edited: {', '.join(edited)}", actor, now)
            return after

        return self._told("updated", await self._db.write(apply), actor)

    async def delete(self, tag_id: str, actor: Principal | None) -> TagView:
        """Delete the tag; the parts and tools that carried it stay (each notes it in its history)."""
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> TagView:
            row = find_tag(db, tag_id)
            if row["is_system"]:
                raise Refused(f"Cannot delete system tag '{row['name']}'")
            _drop(db, row, actor, now)
            return tag_view(row)

        return self._told("deleted", await self._db.write(apply), actor)

    async def attach(self, tag_id: str, kind: Kind, item_id: str, actor: Principal | None) -> bool:
        """True when the tag was put on; False when the item already had it (MakerMatrix answers success)."""
        now = iso(self._clock())
        return await self._db.write(lambda db: _link(db, find_tag(db, tag_id), kind, item_id, actor, now))

    async def detach(self, tag_id: str, kind: Kind, item_id: str, actor: Principal | None) -> None:
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> None:
            if not _unlink(db, find_tag(db, tag_id), kind, item_id, actor, now):
                require_item(db, kind, item_id)
                raise Refused(f"Tag is not assigned to this {ITEMS[kind][1].lower()}")

        await self._db.write(apply)

    async def tags_of(self, kind: Kind, item_id: str) -> list[TagView]:
        table, column = LINKS[kind]

        def run(db: sqlite_utils.Database) -> list[TagView]:
            require_item(db, kind, item_id)
            rows = db.execute(
                f"SELECT * FROM ({TAG_SELECT}) WHERE id IN (SELECT tag_id FROM {table} WHERE {column} = ?) "
                "ORDER BY name COLLATE NOCASE",
                [item_id],
            ).fetchall()
            return [tag_view(r) for r in rows]

        return await self._db.read(run)

    async def parts_of(self, tag_id: str, page: int, page_size: int) -> PartsByTag:
        def run(db: sqlite_utils.Database) -> PartsByTag:
            tag = tag_view(find_tag(db, tag_id))
            rows = db.execute(
                f"{queries.PART_SELECT} JOIN part_tags pt ON pt.part_id = p.id WHERE pt.tag_id = ? "
                "ORDER BY p.part_name LIMIT ? OFFSET ?",
                [tag_id, page_size, (page - 1) * page_size],
            ).fetchall()
            parts = queries.to_views(db, rows)
            total = tag.parts_count
            return PartsByTag(parts, total, page, page_size, _pages(total, page_size), tag)

        return await self._db.read(run)

    async def tools_of(self, tag_id: str, page: int, page_size: int) -> ToolsByTag:
        def run(db: sqlite_utils.Database) -> ToolsByTag:
            tag = tag_view(find_tag(db, tag_id))
            rows = db.execute(
                f"{tool_queries.TOOL_SELECT} JOIN tool_tags tt ON tt.tool_id = t.id WHERE tt.tag_id = ? "
                "ORDER BY t.tool_name LIMIT ? OFFSET ?",
                [tag_id, page_size, (page - 1) * page_size],
            ).fetchall()
            tools = tool_queries.to_views(db, rows)
            total = tag.tools_count
            return ToolsByTag(tools, total, page, page_size, _pages(total, page_size), tag)

        return await self._db.read(run)

    async def bulk(self, op: TagBulk, actor: Principal | None) -> dict[str, list[dict[str, str]]]:
        """Every (item, tag) pair in one transaction; an unknown item is reported failed, the rest still done."""
        now = iso(self._clock())
        kind: Kind = op.item_type

        def apply(db: sqlite_utils.Database) -> dict[str, list[dict[str, str]]]:
            tags = [find_tag(db, t) for t in dict.fromkeys(op.tag_ids)]
            result: dict[str, list[dict[str, str]]] = {"successful": [], "failed": [], "skipped": []}
            for item_id in dict.fromkeys(op.item_ids):
                for tag in tags:
                    pair = {"item_id": item_id, "tag_id": tag["id"]}
                    try:
                        if op.operation == "add":
                            done = _link(db, tag, kind, item_id, actor, now)
                        else:
                            require_item(db, kind, item_id)
                            done = _unlink(db, tag, kind, item_id, actor, now)
                    except NotFound as exc:
                        result["failed"].append({**pair, "error": exc.message})
                        continue
                    result["successful" if done else "skipped"].append(pair)
            return result

        return await self._db.write(apply)

    async def merge(self, req: TagMerge, actor: Principal | None) -> dict[str, Any]:
        sources = list(dict.fromkeys(req.source_tag_ids))
        if req.target_tag_id in sources:
            raise InvalidInput("the target tag cannot also be a source", "source_tag_ids")
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> dict[str, Any]:
            target = find_tag(db, req.target_tag_id)
            rows = [find_tag(db, s) for s in sources]
            if req.delete_sources and any(r["is_system"] for r in rows):
                raise Refused("Cannot delete system tag " + ", ".join(f"'{r['name']}'" for r in rows if r["is_system"]))
            moved = {"part": 0, "tool": 0}
            for row in rows:
                for kind, (table, column) in LINKS.items():
                    for (item_id,) in db.execute(f"SELECT {column} FROM {table} WHERE tag_id = ?", [row["id"]]):
                        moved[kind] += _link(db, target, kind, item_id, actor, now)
                if req.delete_sources:
                    _drop(db, row, actor, now)
            names = ", ".join(f"#{r['name']}" for r in rows)
            note_item(db, "tag", target["id"], f"merged {names} into it", actor, now)
            return {
                "target_tag": tag_view(find_tag(db, target["id"])),
                "merged_parts": moved["part"],
                "merged_tools": moved["tool"],
                "deleted_tags": len(rows) if req.delete_sources else 0,
            }

        return await self._db.write(apply)

    async def cleanup(self, req: TagCleanup, actor: Principal | None) -> dict[str, list[str]]:
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> dict[str, list[str]]:
            removed: list[str] = []
            if req.remove_unused:
                for row in db.execute(f"{TAG_SELECT} WHERE usage_count = 0 AND is_system = 0 ORDER BY name").fetchall():
                    _drop(db, row, actor, now)
                    removed.append(row["name"])
            return {"removed_tags": removed, "merged_tags": [], "errors": []}

        return await self._db.write(apply)

    async def statistics(self) -> dict[str, Any]:
        def run(db: sqlite_utils.Database) -> dict[str, Any]:
            total, active, system, unused = db.execute(
                f"SELECT count(*), coalesce(sum(is_active), 0), coalesce(sum(is_system), 0), "
                f"coalesce(sum(usage_count = 0), 0) FROM ({TAG_SELECT})"
            ).fetchone()
            most = db.execute(f"{TAG_SELECT} ORDER BY usage_count DESC, name LIMIT 10").fetchall()
            recent = db.execute(
                f"{TAG_SELECT} WHERE last_used_at IS NOT NULL ORDER BY last_used_at DESC LIMIT 10"
            ).fetchall()
            return {
                "total_tags": total,
                "active_tags": active,
                "system_tags": system,
                "user_tags": total - system,
                "unused_tags": unused,
                "most_used_tags": [tag_view(r) for r in most],
                "recently_used_tags": [tag_view(r) for r in recent],
            }

        return await self._db.read(run)


def _drop(db: sqlite_utils.Database, tag: sqlite3.Row, actor: Principal | None, now: str) -> None:
    """Delete a tag; each part and tool that carried it notes the change in its own history."""
    for kind, (table, column) in LINKS.items():
        for (item_id,) in db.execute(f"SELECT {column} FROM {table} WHERE tag_id = ?", [tag["id"]]).fetchall():
            _note(db, kind, item_id, f"untagged #{tag['name']} (tag deleted)", actor, now)
    db.execute("DELETE FROM tags WHERE id = ?", [tag["id"]])
    note_item(db, "tag", tag["id"], f"deleted #{tag['name']}", actor, now)
