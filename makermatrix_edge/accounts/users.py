"""User accounts: registration, updates, passwords, deletion — with the last-admin rule."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Sequence
from typing import Any

import sqlite_utils

from makermatrix_edge.accounts import store
from makermatrix_edge.accounts.models import Principal, RoleView, UserView
from makermatrix_edge.accounts.passwords import PasswordHasher, check_password
from makermatrix_edge.accounts.roles import ADMIN, role_key
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db import sql
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from makermatrix_edge.runtime.events import EventBus, sessions_revoked_event

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
DEFAULT_ROLE = "user"


class WrongCurrentPassword(InvalidInput):
    """The password given as the current one is not it (MakerMatrix answers 400, not a field problem's 422)."""


def check_username(username: str) -> str:
    name = username.strip()
    if not USERNAME_RE.match(name):
        raise InvalidInput(
            "use 2-64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit", "username"
        )
    return name


def check_email(email: str | None) -> str | None:
    if email is None or email.strip() == "":
        return None
    value = email.strip()
    if not EMAIL_RE.match(value):
        raise InvalidInput("is not an email address", "email")
    return value


def _ensure_admin_left(db: sqlite_utils.Database, what: str) -> None:
    if not store.active_admin_ids(db):
        raise Conflict(f"Cannot {what}: it is the last active admin. Make another user admin first.")


def _end_sessions(db: sqlite_utils.Database, user_id: str, now: str) -> None:
    """Invalidate every access and refresh token the user holds."""
    db.execute("UPDATE users SET token_version = token_version + 1 WHERE id = ?", [user_id])
    db.execute("UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", [now, user_id])


def _guard_admin_target(db: sqlite_utils.Database, user_id: str, actor: Principal | None) -> None:
    """Only an admin acting with admin rights may change an admin (a narrowed key is not enough)."""
    if actor is not None and actor.can(ADMIN):
        return
    if ADMIN in store.permissions_of(store.roles_of(db, user_id)):
        raise Forbidden("Only an admin acting with admin rights can change an admin account (an API key needs 'admin')")


def _check_grant(actor: Principal, roles: Sequence[RoleView], held: set[str]) -> None:
    """Nobody hands out a role carrying a permission they do not hold themselves (admin holds all).

    Judged on the roles' permissions, never their names, so 'Admin' or a custom role holding
    'admin' is the same as 'admin'. Roles the user already holds (`held`, ids) are not a grant.
    """
    for role in roles:
        if role.id in held:
            continue
        missing = store.permissions_of([role]) - actor.permissions
        if ADMIN in missing:
            raise Forbidden(f"Only an admin acting with admin rights can give the role '{role.name}'")
        if missing:
            listed = ", ".join(sorted(missing)[:3]) + (" ..." if len(missing) > 3 else "")
            raise Forbidden(f"You cannot give the role '{role.name}': it carries {listed}, which you do not hold")


def _unique_violation(exc: sqlite3.IntegrityError, username: str, email: str | None) -> Conflict:
    text = str(exc)
    if "users.email" in text:
        return Conflict(f"The email '{email}' is already used by another account")
    return Conflict(f"The username '{username}' is already taken")


class UserService:
    def __init__(
        self,
        db: Database,
        hasher: PasswordHasher,
        clock: Clock,
        *,
        min_password_length: int,
        events: EventBus | None = None,
    ) -> None:
        self._db = db
        self._hasher = hasher
        self._clock = clock
        self._min_password = min_password_length
        self._events = events

    def _sessions_ended(self, user_id: str, reason: str) -> None:
        """Tell live connections (WebSockets) of this user to close; call after the commit."""
        if self._events is not None:
            self._events.publish(sessions_revoked_event(user_id, reason, timestamp=self._clock()))

    def _resolve_roles(self, db: sqlite_utils.Database, names: Sequence[str]) -> list[RoleView]:
        known = store.roles_by_key(db)
        picked: dict[str, RoleView] = {}
        for name in names:
            role = known.get(role_key(name))
            if role is None:
                listed = ", ".join(sorted(r.name for r in known.values()))
                raise InvalidInput(f"unknown role {name!r} (known: {listed})", "roles")
            picked[role.id] = role
        return list(picked.values())

    async def register(
        self,
        *,
        username: str,
        password: str,
        email: str | None,
        roles: Sequence[str] | None,
        actor: Principal | None,
        open_registration: bool,
    ) -> UserView:
        is_admin_call = actor is not None and actor.can("users:write")
        if not is_admin_call:
            if not open_registration:
                if actor is None:
                    raise Unauthorized("Registration is closed: log in as an admin to add users")
                raise Forbidden("Registration is closed: only an admin can add users")
            roles = [DEFAULT_ROLE]  # a self-registered user never chooses its own role
        role_names = list(roles) if roles else [DEFAULT_ROLE]
        name = check_username(username)
        mail = check_email(email)
        check_password(password, self._min_password)
        hashed = await self._hasher.hash(password)
        now = iso(self._clock())

        def create(db: sqlite_utils.Database) -> UserView:
            wanted = self._resolve_roles(db, role_names)
            if is_admin_call:
                assert actor is not None
                _check_grant(actor, wanted, set())
            user_id = str(uuid.uuid4())
            try:
                db.execute(
                    "INSERT INTO users (id, username, email, hashed_password, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [user_id, name, mail, hashed, now, now],
                )
            except sqlite3.IntegrityError as exc:
                raise _unique_violation(exc, name, mail) from None
            store.set_roles(db, user_id, [r.id for r in wanted])
            row = store.user_by_id(db, user_id)
            assert row is not None
            return store.user_view(db, row)

        return await self._db.write(create)

    async def list_users(self) -> list[UserView]:
        def load(db: sqlite_utils.Database) -> list[UserView]:
            rows = db.execute(f"SELECT {store.USER_COLUMNS} FROM users ORDER BY username").fetchall()
            return [store.user_view(db, dict(r)) for r in rows]

        return await self._db.read(load)

    async def get(self, user_id: str) -> UserView:
        def load(db: sqlite_utils.Database) -> UserView:
            row = store.user_by_id(db, user_id)
            if row is None:
                raise NotFound(f"No user with id {user_id}")
            return store.user_view(db, row)

        return await self._db.read(load)

    async def get_by_username(self, username: str) -> UserView:
        def load(db: sqlite_utils.Database) -> UserView:
            row = store.user_by_username(db, username)
            if row is None:
                raise NotFound(f"No user named {username!r}")
            return store.user_view(db, row)

        return await self._db.read(load)

    async def roles(self) -> list[RoleView]:
        return await self._db.read(store.all_roles)

    async def update(
        self,
        user_id: str,
        *,
        actor: Principal,
        username: str | None = None,
        email: str | None = None,
        is_active: bool | None = None,
        roles: Sequence[str] | None = None,
    ) -> UserView:
        if (is_active is not None or roles is not None) and not actor.can("users:write"):
            raise Forbidden("Only an admin can change roles or activate and deactivate accounts")
        name = check_username(username) if username is not None else None
        mail = check_email(email) if email is not None else None
        now = iso(self._clock())
        ended: list[str] = []  # why this user's live connections must close, if they must

        def apply(db: sqlite_utils.Database) -> UserView:
            row = store.user_by_id(db, user_id)
            if row is None:
                raise NotFound(f"No user with id {user_id}")
            _guard_admin_target(db, user_id, actor)
            changes: dict[str, Any] = {}
            if name is not None:
                changes["username"] = name
            if email is not None:
                changes["email"] = mail
            if is_active is not None:
                changes["is_active"] = int(is_active)
            if changes:
                try:
                    sql.update(db, "users", changes, where="id = ?", params=[user_id], now=now)
                except sqlite3.IntegrityError as exc:
                    raise _unique_violation(exc, name or row["username"], mail) from None
            if roles is not None:
                current = store.roles_of(db, user_id)
                wanted = self._resolve_roles(db, roles)
                held = {r.id for r in current}
                if {r.id for r in wanted} != held:  # sending the roles one already has changes nothing
                    if actor.user_id == user_id:
                        raise Forbidden("You cannot change your own roles; another admin has to")
                    _check_grant(actor, wanted, held)
                    store.set_roles(db, user_id, [r.id for r in wanted])
                    db.execute("UPDATE users SET updated_at = ? WHERE id = ?", [now, user_id])
                    if store.permissions_of(store.roles_of(db, user_id)) != store.permissions_of(current):
                        ended[:] = ["Your roles changed; reconnect"]
            _ensure_admin_left(db, "remove admin rights from or deactivate this user")
            if is_active is False and row["is_active"]:
                _end_sessions(db, user_id, now)
                ended[:] = ["This account was deactivated"]
            fresh = store.user_by_id(db, user_id)
            assert fresh is not None
            return store.user_view(db, fresh)

        view = await self._db.write(apply)
        if ended:
            self._sessions_ended(user_id, ended[0])
        return view

    async def change_password(
        self, user_id: str, *, actor: Principal, current_password: str | None, new_password: str
    ) -> None:
        """Set a new password and end every session of that user."""
        check_password(new_password, self._min_password, "new_password")
        is_self = actor.user_id == user_id
        if not is_self and not actor.can("users:write"):
            raise Forbidden("You can only change your own password")

        def load(db: sqlite_utils.Database) -> dict[str, Any]:
            found = store.user_by_id(db, user_id)
            if found is None:
                raise NotFound(f"No user with id {user_id}")
            _guard_admin_target(db, user_id, actor)
            return found

        row = await self._db.read(load)
        if is_self:
            if not current_password:
                raise InvalidInput("is required to change your own password", "current_password")
            if not await self._hasher.verify(current_password, row["hashed_password"]):
                raise WrongCurrentPassword("is not your current password", "current_password")
        hashed = await self._hasher.hash(new_password)

        def store_it(db: sqlite_utils.Database) -> None:
            _guard_admin_target(db, user_id, actor)  # again: roles may have changed during the hash
            self._store_password(db, user_id, hashed, must_change=not is_self)

        await self._db.write(store_it)
        self._sessions_ended(user_id, "Password changed; log in again")

    def _store_password(self, db: sqlite_utils.Database, user_id: str, hashed: str, *, must_change: bool) -> None:
        now = iso(self._clock())
        db.execute(
            "UPDATE users SET hashed_password = ?, password_change_required = ?, updated_at = ? WHERE id = ?",
            [hashed, int(must_change), now, user_id],
        )
        _end_sessions(db, user_id, now)

    def set_password_offline(self, username: str, new_password: str) -> UserView:
        """For `makermatrix-edge users set-password` on the Pi: no actor, no current password."""
        check_password(new_password, self._min_password)
        hashed = self._hasher.hash_sync(new_password)

        def apply(db: sqlite_utils.Database) -> UserView:
            row = store.user_by_username(db, username)
            if row is None:
                raise NotFound(f"No user named {username!r}")
            self._store_password(db, row["id"], hashed, must_change=False)
            fresh = store.user_by_id(db, row["id"])
            assert fresh is not None
            return store.user_view(db, fresh)

        return self._db.write_sync(apply)

    async def delete(self, user_id: str, *, actor: Principal) -> UserView:
        def remove(db: sqlite_utils.Database) -> UserView:
            row = store.user_by_id(db, user_id)
            if row is None:
                raise NotFound(f"No user with id {user_id}")
            _guard_admin_target(db, user_id, actor)
            view = store.user_view(db, row)
            db.execute("DELETE FROM users WHERE id = ?", [user_id])
            _ensure_admin_left(db, "delete this user")
            return view

        view = await self._db.write(remove)
        self._sessions_ended(user_id, "This account was deleted")
        return view
