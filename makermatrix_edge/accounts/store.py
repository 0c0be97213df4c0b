"""SQL for accounts. Plain functions on a sqlite_utils.Database; they run on the db threads."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from makermatrix_edge.accounts.models import ApiKeyView, RoleView, UserView
from makermatrix_edge.accounts.roles import ADMIN, expand, role_key

USER_COLUMNS = (
    "id, username, email, hashed_password, is_active, password_change_required, "
    "token_version, created_at, updated_at, last_login"
)


def one(db: sqlite_utils.Database, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None:
    row = db.execute(sql, list(params)).fetchone()
    return dict(row) if row is not None else None


def user_by_id(db: sqlite_utils.Database, user_id: str) -> dict[str, Any] | None:
    return one(db, f"SELECT {USER_COLUMNS} FROM users WHERE id = ?", [user_id])


def user_by_username(db: sqlite_utils.Database, username: str) -> dict[str, Any] | None:
    return one(db, f"SELECT {USER_COLUMNS} FROM users WHERE username = ?", [username])


def roles_of(db: sqlite_utils.Database, user_id: str) -> list[RoleView]:
    rows = db.execute(
        "SELECT r.id, r.name, r.description, r.permissions FROM roles r "
        "JOIN user_roles ur ON ur.role_id = r.id WHERE ur.user_id = ? ORDER BY r.name",
        [user_id],
    ).fetchall()
    return [
        RoleView(id=r["id"], name=r["name"], description=r["description"], permissions=json.loads(r["permissions"]))
        for r in rows
    ]


def all_roles(db: sqlite_utils.Database) -> list[RoleView]:
    rows = db.execute("SELECT id, name, description, permissions FROM roles ORDER BY name").fetchall()
    return [
        RoleView(id=r["id"], name=r["name"], description=r["description"], permissions=json.loads(r["permissions"]))
        for r in rows
    ]


def permissions_of(roles: list[RoleView]) -> frozenset[str]:
    return expand(p for role in roles for p in role.permissions)


def permissions_of_key(row: dict[str, Any]) -> frozenset[str]:
    return expand(json.loads(row["permissions"]))


def user_view(db: sqlite_utils.Database, row: dict[str, Any]) -> UserView:
    roles = roles_of(db, row["id"])
    return UserView(
        id=row["id"],
        username=row["username"],
        email=row["email"],
        is_active=bool(row["is_active"]),
        password_change_required=bool(row["password_change_required"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        last_login=row["last_login"],
        roles=roles,
        permissions=sorted(permissions_of(roles)),
    )


def roles_by_key(db: sqlite_utils.Database) -> dict[str, RoleView]:
    """Every role under its canonical name (roles.role_key)."""
    return {role_key(r.name): r for r in all_roles(db)}


def role_ids(db: sqlite_utils.Database, names: Iterable[str]) -> dict[str, str]:
    """Map role names (compared by role_key) to ids; unknown names are absent."""
    known = roles_by_key(db)
    return {name: known[role_key(name)].id for name in dict.fromkeys(names) if role_key(name) in known}


def set_roles(db: sqlite_utils.Database, user_id: str, role_id_list: Iterable[str]) -> None:
    db.execute("DELETE FROM user_roles WHERE user_id = ?", [user_id])
    for role_id in role_id_list:
        db.execute("INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)", [user_id, role_id])


def active_admin_ids(db: sqlite_utils.Database) -> set[str]:
    """Active users holding the 'admin' permission through any role."""
    rows = db.execute(
        "SELECT DISTINCT u.id, r.permissions FROM users u JOIN user_roles ur ON ur.user_id = u.id "
        "JOIN roles r ON r.id = ur.role_id WHERE u.is_active = 1"
    ).fetchall()
    return {r["id"] for r in rows if ADMIN in json.loads(r["permissions"])}


def api_key_view(row: dict[str, Any]) -> ApiKeyView:
    return ApiKeyView(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        user_id=row["user_id"],
        permissions=json.loads(row["permissions"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        last_used_at=row["last_used_at"],
        revoked=row["revoked_at"] is not None,
    )
