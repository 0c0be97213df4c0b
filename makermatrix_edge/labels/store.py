"""Label templates: the built-in ones from code, users' own in the database."""

from __future__ import annotations

import builtins
import sqlite3
import uuid

import msgspec
import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Conflict, InvalidInput, NotFound
from makermatrix_edge.labels.templates import BUILTIN, BUILTIN_BY_ID, Template, TemplateBody, check


def _template(row: sqlite3.Row) -> Template:
    body = msgspec.json.decode(row["body"])
    return msgspec.convert(
        {**body, "id": row["id"], "created_at": row["created_at"], "updated_at": row["updated_at"]}, Template
    )


def _duplicate(exc: sqlite3.IntegrityError, name: str) -> Exception:
    return Conflict(f"A label template named '{name}' already exists") if "name" in str(exc) else exc


class TemplateStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def get_sync(self, db: sqlite_utils.Database, template_id: str) -> Template:
        if template_id in BUILTIN_BY_ID:
            return BUILTIN_BY_ID[template_id]
        row = db.execute(
            "SELECT * FROM label_templates WHERE id = ? OR name = ?", [template_id, template_id]
        ).fetchone()
        if row is None:
            raise NotFound(f"No label template '{template_id}'")
        return _template(row)

    async def get(self, template_id: str) -> Template:
        return await self._db.read(lambda db: self.get_sync(db, template_id))

    async def list(self) -> list[Template]:
        def load(db: sqlite_utils.Database) -> list[Template]:
            rows = db.execute("SELECT * FROM label_templates ORDER BY name").fetchall()
            return [*BUILTIN, *(_template(r) for r in rows)]

        return await self._db.read(load)

    async def create(self, body: TemplateBody, actor: Principal | None) -> Template:
        check(body)
        if any(t.name.lower() == body.name.strip().lower() for t in BUILTIN):
            raise Conflict(f"'{body.name}' is the name of a built-in template")
        now = iso(self._clock())
        new_id = str(uuid.uuid4())

        def insert(db: sqlite_utils.Database) -> Template:
            try:
                db.execute(
                    "INSERT INTO label_templates (id, name, body, created_by, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [new_id, body.name.strip(), msgspec.json.encode(body).decode(), actor and actor.user_id, now, now],
                )
            except sqlite3.IntegrityError as exc:
                raise _duplicate(exc, body.name) from None
            return self.get_sync(db, new_id)

        return await self._db.write(insert)

    async def update(self, template_id: str, body: TemplateBody) -> Template:
        if template_id in BUILTIN_BY_ID:
            raise Conflict("Built-in templates cannot be changed; create your own from it")
        check(body)
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> Template:
            try:
                done = db.execute(
                    "UPDATE label_templates SET name = ?, body = ?, updated_at = ? WHERE id = ?",
                    [body.name.strip(), msgspec.json.encode(body).decode(), now, template_id],
                ).rowcount
            except sqlite3.IntegrityError as exc:
                raise _duplicate(exc, body.name) from None
            if not done:
                raise NotFound(f"No label template '{template_id}'")
            return self.get_sync(db, template_id)

        return await self._db.write(apply)

    async def delete(self, template_id: str) -> Template:
        if template_id in BUILTIN_BY_ID:
            raise Conflict("Built-in templates cannot be deleted")

        def remove(db: sqlite_utils.Database) -> Template:
            found = self.get_sync(db, template_id)
            db.execute("DELETE FROM label_templates WHERE id = ?", [found.id])
            return found

        return await self._db.write(remove)

    async def duplicate(self, template_id: str, new_name: str, actor: Principal | None) -> Template:
        """A user's own copy of any template (built-in ones included) under a new name."""
        original = await self.get(template_id)
        fields = {k: v for k, v in msgspec.to_builtins(original).items() if k in TemplateBody.__struct_fields__}
        return await self.create(msgspec.convert({**fields, "name": new_name}, TemplateBody), actor)

    async def validate(self, raw: object) -> builtins.list[str]:
        """What is wrong with a template body, in words (empty: it can be saved)."""
        try:
            check(msgspec.convert(raw, TemplateBody))
        except (msgspec.ValidationError, InvalidInput) as exc:
            return [str(exc)]
        return []
