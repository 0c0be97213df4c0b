"""Roles an admin defines beside the built-in ones (MakerMatrix's /api/users/roles/* routes)."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Sequence

import sqlite_utils

from makermatrix_edge.accounts import store
from makermatrix_edge.accounts.models import RoleView
from makermatrix_edge.accounts.roles import PERMISSIONS, ROLE_NAMES, role_key
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Conflict, InvalidInput, NotFound

ROLE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_. -]{0,49}$")
_AREAS = {p.split(":", 1)[0] for p in PERMISSIONS if ":" in p}


def check_permissions(permissions: Sequence[str]) -> list[str]:
    """Known permission strings only, 'area:*' for a whole area; unknown ones are refused by name."""
    for perm in permissions:
        area, _, what = perm.partition(":")
        if perm not in PERMISSIONS and not (what == "*" and area in _AREAS):
            raise InvalidInput(f"unknown permission {perm!r}", "permissions")
    return sorted(set(permissions))


def _row(db: sqlite_utils.Database, role_id: str) -> RoleView:
    row = store.one(db, "SELECT id, name, description, permissions FROM roles WHERE id = ?", [role_id])
    if row is None:
        raise NotFound(f"No role with id {role_id}")
    return RoleView(row["id"], row["name"], row["description"], json.loads(row["permissions"]))


def _custom(view: RoleView, what: str) -> None:
    # The built-in roles are what the daemon's own rules (first admin, the last-admin check) rely on.
    if role_key(view.name) in {role_key(n) for n in ROLE_NAMES}:
        raise Conflict(f"The built-in role '{view.name}' cannot be {what}; create a role of your own instead")


class RoleService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, role_id: str) -> RoleView:
        return await self._db.read(lambda db: _row(db, role_id))

    async def get_by_name(self, name: str) -> RoleView:
        def load(db: sqlite_utils.Database) -> RoleView:
            role = store.roles_by_key(db).get(role_key(name))
            if role is None:
                raise NotFound(f"No role named {name!r}")
            return role

        return await self._db.read(load)

    async def create(self, name: str, description: str | None, permissions: Sequence[str] | None) -> RoleView:
        label = name.strip()
        if not ROLE_NAME_RE.match(label):
            raise InvalidInput("use 1-50 letters, digits, spaces, '.', '_' or '-'", "name")
        perms = check_permissions(permissions or [])
        role_id = str(uuid.uuid4())

        def insert(db: sqlite_utils.Database) -> RoleView:
            try:
                db.execute(
                    "INSERT INTO roles (id, name, description, permissions) VALUES (?, ?, ?, ?)",
                    [role_id, label, (description or "").strip(), json.dumps(perms)],
                )
            except sqlite3.IntegrityError:
                raise Conflict(f"A role named '{label}' already exists") from None
            return _row(db, role_id)

        return await self._db.write(insert)

    async def update(self, role_id: str, description: str | None, permissions: Sequence[str] | None) -> RoleView:
        perms = check_permissions(permissions) if permissions is not None else None

        def apply(db: sqlite_utils.Database) -> RoleView:
            _custom(_row(db, role_id), "changed")
            if description is not None:
                db.execute("UPDATE roles SET description = ? WHERE id = ?", [description.strip(), role_id])
            if perms is not None:
                db.execute("UPDATE roles SET permissions = ? WHERE id = ?", [json.dumps(perms), role_id])
            if not store.active_admin_ids(db):
                raise Conflict("This change would leave no active admin")
            return _row(db, role_id)

        return await self._db.write(apply)

    async def delete(self, role_id: str) -> RoleView:
        def remove(db: sqlite_utils.Database) -> RoleView:
            view = _row(db, role_id)
            _custom(view, "deleted")
            holders = int(db.execute("SELECT count(*) FROM user_roles WHERE role_id = ?", [role_id]).fetchone()[0])
            if holders:
                raise Conflict(f"{holders} user(s) hold the role '{view.name}'; take it from them first")
            db.execute("DELETE FROM roles WHERE id = ?", [role_id])
            return view

        return await self._db.write(remove)
