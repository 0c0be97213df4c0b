"""API keys for scripts and scanners: shown once, stored hashed, never more than the owner may do."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence

import msgspec
import sqlite_utils

from makermatrix_edge.accounts import store
from makermatrix_edge.accounts.auth import hash_api_key
from makermatrix_edge.accounts.models import ApiKeyView, NewApiKey, Principal
from makermatrix_edge.accounts.roles import PERMISSIONS, expand, role_key
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Forbidden, InvalidInput, NotFound

KEY_PREFIX = "mme_"
MAX_KEYS_PER_USER = 50


def _role_permissions(db: sqlite_utils.Database, names: Sequence[str]) -> list[str]:
    """The concrete permissions of the named roles; an unknown role is refused by name."""
    roles = store.roles_by_key(db)
    unknown = [n for n in names if role_key(n) not in roles]
    if unknown:
        known = ", ".join(sorted(r.name for r in roles.values()))
        raise InvalidInput(f"unknown role {unknown[0]!r} (known: {known})", "role_names")
    return sorted(expand(p for n in names for p in roles[role_key(n)].permissions))


class ApiKeyService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def create(
        self,
        actor: Principal,
        *,
        name: str,
        permissions: Sequence[str] | None,
        expires_in_days: int | None,
        role_names: Sequence[str] | None = None,
    ) -> NewApiKey:
        """A key limited to `permissions` plus those of the roles named (MakerMatrix's `role_names`)."""
        if actor.via == "api_key":
            raise Forbidden("An API key cannot create API keys; log in with a password")
        label = name.strip()
        if not 1 <= len(label) <= 100:
            raise InvalidInput("must be 1-100 characters", "name")
        if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
            raise InvalidInput("must be between 1 and 3650", "expires_in_days")
        if role_names:
            granted = await self._db.read(lambda db: _role_permissions(db, role_names))
            permissions = [*(permissions or []), *granted]
        wanted = sorted(set(permissions)) if permissions is not None else sorted(actor.permissions)
        if not wanted:
            raise InvalidInput("must name at least one permission", "permissions")
        for perm in wanted:
            if perm not in PERMISSIONS:
                raise InvalidInput(f"unknown permission {perm!r}", "permissions")
            if not actor.can(perm):
                raise Forbidden(f"You do not hold {perm!r}, so a key of yours cannot either")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        expires = iso(now + expires_in_days * 86400) if expires_in_days else None
        key_id = str(uuid.uuid4())

        def insert(db: sqlite_utils.Database) -> ApiKeyView:
            count = db.execute(
                "SELECT count(*) FROM api_keys WHERE user_id = ? AND revoked_at IS NULL", [actor.user_id]
            ).fetchone()[0]
            if count >= MAX_KEYS_PER_USER:
                raise InvalidInput(f"you already have {count} active keys; revoke some first", "name")
            db.execute(
                "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, permissions, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    key_id,
                    actor.user_id,
                    label,
                    key[: len(KEY_PREFIX) + 6],
                    hash_api_key(key),
                    json.dumps(wanted),
                    iso(now),
                    expires,
                ],
            )
            row = store.one(db, "SELECT * FROM api_keys WHERE id = ?", [key_id])
            assert row is not None
            return store.api_key_view(row)

        view = await self._db.write(insert)
        return NewApiKey(**msgspec.structs.asdict(view), key=key, api_key=key)

    async def list_keys(self, actor: Principal, *, all_users: bool) -> list[ApiKeyView]:
        if all_users and not actor.can("users:read"):
            raise Forbidden("Only an admin can list every user's keys")

        def load(db: sqlite_utils.Database) -> list[ApiKeyView]:
            if all_users:
                rows = db.execute("SELECT * FROM api_keys ORDER BY created_at DESC").fetchall()
            else:
                rows = db.execute(
                    "SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at DESC", [actor.user_id]
                ).fetchall()
            return [store.api_key_view(dict(r)) for r in rows]

        return await self._db.read(load)

    async def revoke(self, actor: Principal, key_id: str) -> ApiKeyView:
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> ApiKeyView:
            row = store.one(db, "SELECT * FROM api_keys WHERE id = ?", [key_id])
            # Someone else's key is reported as missing, not forbidden: ids are not to be probed.
            if row is None or (row["user_id"] != actor.user_id and not actor.can("users:write")):
                raise NotFound(f"No API key with id {key_id}")
            db.execute("UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", [now, key_id])
            fresh = store.one(db, "SELECT * FROM api_keys WHERE id = ?", [key_id])
            assert fresh is not None
            return store.api_key_view(fresh)

        return await self._db.write(apply)
