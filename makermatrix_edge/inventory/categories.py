"""Categories: a tree of names; parts link to any number of them."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db import sql
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import BadRequest, Conflict, InvalidInput, NotFound
from makermatrix_edge.inventory.activity import CATEGORIES_CLEARED
from makermatrix_edge.inventory.component_models import AloraCategory, AloraCategoryCreate, AloraCategoryUpdate
from makermatrix_edge.inventory.models import CategoryCreate, CategoryUpdate, CategoryView, provided
from makermatrix_edge.runtime.events import EventBus

_SELECT = (
    "SELECT c.*, (SELECT count(*) FROM part_categories pc WHERE pc.category_id = c.id) AS part_count FROM categories c"
)


def _view(row: sqlite3.Row) -> CategoryView:
    return CategoryView(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        parent_id=row["parent_id"],
        part_count=row["part_count"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _find(db: sqlite_utils.Database, category_id: str | None, name: str | None) -> sqlite3.Row:
    if category_id:
        row: sqlite3.Row | None = db.execute(f"{_SELECT} WHERE c.id = ?", [category_id]).fetchone()
        if row is None:
            raise NotFound(f"No category with id {category_id}")
        return row
    if name:
        named: sqlite3.Row | None = db.execute(f"{_SELECT} WHERE c.name = ?", [name.strip()]).fetchone()
        if named is None:
            raise NotFound(f"No category named '{name}'")
        return named
    # 400 as MakerMatrix answers it (the request names no category), not a field's value problem (422)
    raise BadRequest("Either category_id or name must be provided")


def _check_parent(db: sqlite_utils.Database, category_id: str | None, parent_id: str | None) -> None:
    """The parent must exist and must not be the category itself or one of its descendants."""
    if parent_id is None:
        return
    if db.execute("SELECT 1 FROM categories WHERE id = ?", [parent_id]).fetchone() is None:
        raise InvalidInput(f"no category with id {parent_id}", "parent_id")
    if category_id is None:
        return
    ancestors = db.execute(
        "WITH RECURSIVE up(id) AS (SELECT ? UNION SELECT c.parent_id FROM categories c JOIN up ON c.id = up.id "
        "WHERE c.parent_id IS NOT NULL) SELECT 1 FROM up WHERE id = ?",
        [parent_id, category_id],
    ).fetchone()
    if ancestors is not None:
        raise InvalidInput("a category cannot be placed under itself or one of its subcategories", "parent_id")


def _unique(exc: sqlite3.IntegrityError, name: str) -> Exception:
    return Conflict(f"A category named '{name}' already exists") if "categories.name" in str(exc) else exc


class CategoryService:
    def __init__(self, db: Database, clock: Clock, events: EventBus | None = None) -> None:
        self._db = db
        self._clock = clock
        self._events = events or EventBus(clock)

    async def list_categories(self) -> list[CategoryView]:
        return await self._db.read(lambda db: [_view(r) for r in db.execute(f"{_SELECT} ORDER BY c.name")])

    async def get(self, *, category_id: str | None = None, name: str | None = None) -> CategoryView:
        return await self._db.read(lambda db: _view(_find(db, category_id, name)))

    async def add(self, data: CategoryCreate) -> CategoryView:
        name = data.name.strip()
        if not name:
            raise InvalidInput("must not be empty", "name")
        now = iso(self._clock())
        new_id = str(uuid.uuid4())

        def insert(db: sqlite_utils.Database) -> CategoryView:
            _check_parent(db, None, data.parent_id)
            try:
                db.execute(
                    "INSERT INTO categories (id, name, description, parent_id, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [new_id, name, data.description, data.parent_id, now, now],
                )
            except sqlite3.IntegrityError as exc:
                raise _unique(exc, name) from None
            return _view(_find(db, new_id, None))

        done = await self._db.write(insert)
        self._events.entity("created", "category", done.id, done.name, None, entity_data=done)
        return done

    async def update(self, category_id: str, data: CategoryUpdate) -> CategoryView:
        changes: dict[str, Any] = provided(data)
        if "name" in changes:
            changes["name"] = str(changes["name"]).strip()
            if not changes["name"]:
                raise InvalidInput("must not be empty", "name")
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> CategoryView:
            _find(db, category_id, None)
            if "parent_id" in changes:
                _check_parent(db, category_id, changes["parent_id"])
            if changes:
                try:
                    sql.update(db, "categories", changes, where="id = ?", params=[category_id], now=now)
                except sqlite3.IntegrityError as exc:
                    raise _unique(exc, str(changes.get("name"))) from None
            return _view(_find(db, category_id, None))

        done = await self._db.write(apply)
        self._events.entity("updated", "category", done.id, done.name, None, entity_data=done)
        return done

    async def remove(self, *, category_id: str | None = None, name: str | None = None) -> CategoryView:
        """Delete one category; its parts stay (without it) and its subcategories move up a level."""

        def apply(db: sqlite_utils.Database) -> CategoryView:
            row = _find(db, category_id, name)
            view = _view(row)
            db.execute("UPDATE categories SET parent_id = ? WHERE parent_id = ?", [row["parent_id"], row["id"]])
            db.execute("DELETE FROM categories WHERE id = ?", [row["id"]])
            return view

        done = await self._db.write(apply)
        self._events.entity("deleted", "category", done.id, done.name, None)
        return done

    async def delete_all(self, actor: Principal | None = None) -> int:
        """Delete every category; each part that had one gets a line in its history (parts stay)."""
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> int:
            db.execute(
                "INSERT INTO part_changes (part_id, what, source, user_id, username, created_at) "
                "SELECT DISTINCT part_id, ?, 'api', ?, ?, ? FROM part_categories",
                [CATEGORIES_CLEARED, actor.user_id if actor else None, actor.username if actor else None, now],
            )
            db.execute("UPDATE categories SET parent_id = NULL")
            return int(db.execute("DELETE FROM categories").rowcount)

        done = await self._db.write(apply)
        self._events.entity("deleted", "category", None, None, actor, changes={"deleted_categories": done})
        return done


def _alora(row: sqlite3.Row) -> AloraCategory:
    return AloraCategory(id=row["seq"], name=row["name"], description=row["description"], status=row["status"])


class AloraCategoryService:
    """Categories as the ALORA face sees them: integer ids, a status, soft delete."""

    def __init__(self, db: Database, clock: Clock, events: EventBus | None = None) -> None:
        self._db = db
        self._clock = clock
        self._events = events or EventBus(clock)

    async def list_categories(self, status: str | None) -> list[AloraCategory]:
        status = _status(status) if status is not None else None

        def run(db: sqlite_utils.Database) -> list[AloraCategory]:
            if status is None:
                return [_alora(r) for r in db.execute("SELECT * FROM categories ORDER BY seq")]
            return [_alora(r) for r in db.execute("SELECT * FROM categories WHERE status = ? ORDER BY seq", [status])]

        return await self._db.read(run)

    async def get(self, seq: int) -> AloraCategory:
        return await self._db.read(lambda db: _alora(_by_seq(db, seq)))

    async def create(self, data: AloraCategoryCreate) -> AloraCategory:
        name = data.name.strip()
        if not name:
            raise BadRequest("Category name must not be empty")
        now = iso(self._clock())
        new_id = str(uuid.uuid4())

        def insert(db: sqlite_utils.Database) -> AloraCategory:
            try:
                db.execute(
                    "INSERT INTO categories (id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    [new_id, name, data.description, now, now],
                )
            except sqlite3.IntegrityError:
                raise Conflict(f"Category with name '{name}' already exists") from None
            return _alora(db.execute("SELECT * FROM categories WHERE id = ?", [new_id]).fetchone())

        done = await self._db.write(insert)
        self._events.entity("created", "category", str(done.id), done.name, None, entity_data=done)
        return done

    async def update(self, seq: int, data: AloraCategoryUpdate) -> AloraCategory:
        changes: dict[str, Any] = {}
        if data.name is not None:
            changes["name"] = data.name.strip()
            if not changes["name"]:
                raise BadRequest("Category name must not be empty")
        if data.description is not None:
            changes["description"] = data.description
        if data.status is not None:
            changes["status"] = _status(data.status)
        if not changes:
            raise BadRequest("No fields provided for update")
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> AloraCategory:
            row = _by_seq(db, seq)
            try:
                sql.update(db, "categories", changes, where="seq = ?", params=[seq], now=now)
            except sqlite3.IntegrityError:
                raise Conflict(f"Category with name '{changes.get('name', row['name'])}' already exists") from None
            return _alora(_by_seq(db, seq))

        done = await self._db.write(apply)
        self._events.entity("updated", "category", str(done.id), done.name, None, entity_data=done)
        return done

    async def soft_delete(self, seq: int) -> None:
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> None:
            _by_seq(db, seq)
            db.execute("UPDATE categories SET status = 'INACTIVE', updated_at = ? WHERE seq = ?", [now, seq])

        await self._db.write(apply)
        self._events.entity("updated", "category", str(seq), None, None, changes={"status": "INACTIVE"})


def _by_seq(db: sqlite_utils.Database, seq: int) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute("SELECT * FROM categories WHERE seq = ?", [seq]).fetchone()
    if row is None:
        raise NotFound(f"Category {seq} not found")
    return row


def _status(value: str) -> str:
    status = value.strip().upper()
    if status not in ("ACTIVE", "INACTIVE"):
        raise BadRequest(f"Invalid status '{value}': use ACTIVE or INACTIVE")
    return status
