"""Logging in and out, refresh-token rotation, and turning credentials into a Principal."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import uuid
from pathlib import Path
from typing import Literal

import sqlite_utils

from makermatrix_edge.accounts import store
from makermatrix_edge.accounts.models import Principal, TokenPair, UserView
from makermatrix_edge.accounts.passwords import PasswordHasher, check_password
from makermatrix_edge.accounts.roles import ADMIN_ROLE
from makermatrix_edge.accounts.throttle import LoginThrottle
from makermatrix_edge.accounts.tokens import TokenIssuer
from makermatrix_edge.clock import Clock, iso, parse_iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import DiskFull, NotFound, TooManyRequests, Unauthorized

log = logging.getLogger(__name__)

BAD_LOGIN = "Incorrect username or password"
INITIAL_PASSWORD_FILE = "initial-admin-password"
KEY_TOUCH_SECONDS = 60
SessionEnd = Literal["ended", "password_reset", "password_changed", "disabled"]


def hash_api_key(key: str) -> str:
    # API keys are 256-bit random strings, so a fast hash is enough (unlike passwords).
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class AuthService:
    def __init__(
        self,
        db: Database,
        hasher: PasswordHasher,
        tokens: TokenIssuer,
        throttle: LoginThrottle,
        clock: Clock,
    ) -> None:
        self._db = db
        self._hasher = hasher
        self._tokens = tokens
        self._throttle = throttle
        self._clock = clock

    # -- first start ---------------------------------------------------------------
    def ensure_admin(self, data_dir: Path, env_password: str | None) -> Path | None:
        """Create the 'admin' account on first start (blocking; runs before serving).

        Returns the file holding a generated password, or None when nothing was generated.
        """
        if self._db.read_sync(lambda db: store.one(db, "SELECT id FROM users LIMIT 1")) is not None:
            return None
        generated = not env_password
        password = env_password or secrets.token_urlsafe(12)
        if not generated:
            check_password(password, 8, "MAKERMATRIX_EDGE_ADMIN_PASSWORD")
        hashed = self._hasher.hash_sync(password)
        now = iso(self._clock())

        def create(db: sqlite_utils.Database) -> None:
            user_id = str(uuid.uuid4())
            db.execute(
                "INSERT INTO users (id, username, email, hashed_password, password_change_required, "
                "created_at, updated_at) VALUES (?, 'admin', NULL, ?, ?, ?, ?)",
                [user_id, hashed, int(generated), now, now],
            )
            store.set_roles(db, user_id, store.role_ids(db, [ADMIN_ROLE]).values())

        self._db.write_sync(create)
        if not generated:
            log.info("created user admin with the password from MAKERMATRIX_EDGE_ADMIN_PASSWORD")
            return None
        path = data_dir / INITIAL_PASSWORD_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(password + "\n")
        os.chmod(path, 0o600)
        log.warning("created user admin with a random password; it is in %s (change it after logging in)", path)
        return path

    # -- login / refresh / logout ------------------------------------------------------
    async def _verify(self, username: str, password: str, client: str) -> str:
        """Check a login (throttled); returns the user id."""
        # The slot is taken before the slow check, so a parallel burst cannot outrun the count.
        attempt, wait = self._throttle.reserve(username, client)
        if attempt is None:
            raise TooManyRequests(f"Too many failed logins; try again in {wait} s", wait)
        try:
            row = await self._db.read(lambda db: store.user_by_username(db, username.strip()))
            ok = await self._hasher.verify(password, row["hashed_password"] if row else None)
            if not ok or row is None or not row["is_active"]:
                attempt.failed()
                if row is None:  # the "name" may be a password typed into the wrong field: never log it
                    log.info("login failed: unknown username tried, client=%s", client)
                else:
                    log.info("login failed user=%s client=%s", row["username"], client)
                raise Unauthorized(BAD_LOGIN)
            attempt.succeeded()
        finally:
            attempt.release()
        user_id = row["id"]
        now = iso(self._clock())
        try:
            await self._db.write(lambda db: db.execute("UPDATE users SET last_login = ? WHERE id = ?", [now, user_id]))
        except DiskFull as exc:  # a full disk must not lock everyone out: the login stands, unrecorded
            log.warning("last_login of %s not recorded: %s", row["username"], exc.message)
        log.info("login ok user=%s client=%s", row["username"], client)
        return str(user_id)

    async def login(self, username: str, password: str, client: str) -> TokenPair:
        """Log in: an access token and a refresh token (for the cookie or a mobile app)."""
        return await self._issue_pair(await self._verify(username, password, client))

    async def login_access_only(self, username: str, password: str, client: str) -> str:
        """Log in for clients that only keep an access token (the ALORA face)."""
        return await self.access_token_for(await self._verify(username, password, client))

    async def access_token_for(self, user_id: str, *, seconds: int | None = None) -> str:
        row = await self._db.read(lambda db: store.user_by_id(db, user_id))
        if row is None or not row["is_active"]:
            raise Unauthorized("This account is disabled")
        return self._tokens.issue(user_id, row["token_version"], "access", seconds=seconds).token

    async def user_number(self, user_id: str) -> int:
        """The stable integer id of a user (the ALORA face's user id)."""
        row = await self._db.read(lambda db: store.one(db, "SELECT seq FROM users WHERE id = ?", [user_id]))
        if row is None:
            raise NotFound("User not found")
        return int(row["seq"])

    async def _issue_pair(self, user_id: str) -> TokenPair:
        def issue(db: sqlite_utils.Database, record: bool = True) -> tuple[str, str, UserView]:
            row = store.user_by_id(db, user_id)
            if row is None or not row["is_active"]:
                raise Unauthorized("This account is disabled")
            access = self._tokens.issue(user_id, row["token_version"], "access")
            refresh = self._tokens.issue(user_id, row["token_version"], "refresh")
            if record:
                db.execute(
                    "INSERT INTO refresh_tokens (jti, user_id, issued_at, expires_at) VALUES (?, ?, ?, ?)",
                    [refresh.claims.jti, user_id, iso(refresh.claims.iat), iso(refresh.claims.exp)],
                )
            return access.token, refresh.token, store.user_view(db, row)

        try:
            access, refresh, user = await self._db.write(issue)
        except DiskFull as exc:
            # The access token needs no row, so the login still works; the refresh token is not
            # recorded, so it is refused when used ("log in again") rather than trusted unrecorded.
            log.warning("refresh token for %s not recorded: %s", user_id, exc.message)
            access, refresh, user = await self._db.read(lambda db: issue(db, record=False))
        return TokenPair(
            access_token=access,
            refresh_token=refresh,
            expires_in=self._tokens.ttl("access"),
            refresh_expires_in=self._tokens.ttl("refresh"),
            user=user,
        )

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Exchange a refresh token for a new pair; the old refresh token stops working (rotation)."""
        claims = self._tokens.decode(refresh_token, "refresh")
        now = iso(self._clock())

        def rotate(db: sqlite_utils.Database) -> None:
            row = store.one(db, "SELECT user_id, revoked_at FROM refresh_tokens WHERE jti = ?", [claims.jti])
            user = store.user_by_id(db, claims.sub)
            if row is None or row["revoked_at"] is not None or row["user_id"] != claims.sub:
                raise Unauthorized("Invalid refresh token: this session ended; log in again")
            if user is None or not user["is_active"] or user["token_version"] != claims.ver:
                raise Unauthorized("Invalid refresh token: this session ended; log in again")
            db.execute("UPDATE refresh_tokens SET revoked_at = ? WHERE jti = ?", [now, claims.jti])
            db.execute("DELETE FROM refresh_tokens WHERE expires_at < ?", [now])

        await self._db.write(rotate)
        return await self._issue_pair(claims.sub)

    async def logout(self, refresh_token: str | None) -> None:
        """Revoke the refresh token if one is given and valid; logging out never fails."""
        if not refresh_token:
            return
        try:
            claims = self._tokens.decode(refresh_token, "refresh")
        except Unauthorized:
            return
        now = iso(self._clock())
        await self._db.write(
            lambda db: db.execute(
                "UPDATE refresh_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL", [now, claims.jti]
            )
        )

    def page_mac(self, purpose: str, value: str) -> str:
        """A keyed MAC for the phone pages (CSRF token, flash cookie): unforgeable without data_dir/secret.key."""
        return self._tokens.mac(purpose, value)

    def session_id(self, refresh_token: str) -> str | None:
        """The id (jti) of a validly signed, unexpired refresh token; None otherwise. No database read."""
        try:
            return self._tokens.decode(refresh_token, "refresh").jti
        except Unauthorized:
            return None

    async def session_end(self, refresh_token: str | None) -> SessionEnd | None:
        """Why a page session is over (the login page says it); None for a session that is live or absent."""
        if not refresh_token:
            return None
        try:
            claims = self._tokens.decode(refresh_token, "refresh")
        except Unauthorized:
            return "ended"  # expired, or signed by a key this daemon no longer has

        def load(db: sqlite_utils.Database) -> SessionEnd | None:
            user = store.user_by_id(db, claims.sub)
            if user is None or not user["is_active"]:
                return "disabled"
            if user["token_version"] != claims.ver:  # only a new password (or deactivation) bumps it
                return "password_reset" if user["password_change_required"] else "password_changed"
            row = store.one(db, "SELECT revoked_at FROM refresh_tokens WHERE jti = ?", [claims.jti])
            return "ended" if row is None or row["revoked_at"] is not None else None

        return await self._db.read(load)

    # -- credentials -> principal ----------------------------------------------------------
    async def principal_from_refresh(self, refresh_token: str) -> Principal:
        """The phone page's session: a live refresh token names its user, without rotating it."""
        claims = self._tokens.decode(refresh_token, "refresh")

        def live(db: sqlite_utils.Database) -> bool:
            row = store.one(db, "SELECT user_id, revoked_at FROM refresh_tokens WHERE jti = ?", [claims.jti])
            return row is not None and row["revoked_at"] is None and row["user_id"] == claims.sub

        if not await self._db.read(live):
            raise Unauthorized("Session ended; log in again")
        return await self._principal(claims.sub, claims.ver, claims.exp)

    async def authenticate_token(self, token: str) -> Principal:
        claims = self._tokens.decode(token, "access")
        return await self._principal(claims.sub, claims.ver, claims.exp)

    async def _principal(self, user_id: str, version: int, expires_at: float) -> Principal:
        def load(db: sqlite_utils.Database) -> Principal:
            row = store.user_by_id(db, user_id)
            if row is None:
                raise Unauthorized("This account no longer exists")
            if not row["is_active"]:
                raise Unauthorized("This account is disabled")
            if row["token_version"] != version:
                raise Unauthorized("Session ended (password changed); log in again")
            roles = store.roles_of(db, row["id"])
            return Principal(
                user_id=row["id"],
                username=row["username"],
                roles=tuple(r.name for r in roles),
                permissions=store.permissions_of(roles),
                via="token",
                password_change_required=bool(row["password_change_required"]),
                expires_at=expires_at,
            )

        return await self._db.read(load)

    async def authenticate_api_key(self, key: str) -> Principal:
        digest = hash_api_key(key)
        now_ts = self._clock()

        def load(db: sqlite_utils.Database) -> tuple[Principal, str, bool]:
            row = store.one(db, "SELECT * FROM api_keys WHERE key_hash = ?", [digest])
            if row is None or row["revoked_at"] is not None:
                raise Unauthorized("Invalid API key")
            if row["expires_at"] is not None and row["expires_at"] <= iso(now_ts):
                raise Unauthorized("API key expired")
            user = store.user_by_id(db, row["user_id"])
            if user is None or not user["is_active"]:
                raise Unauthorized("The owner of this API key is disabled")
            roles = store.roles_of(db, user["id"])
            # A key never has more than its owner has today, even if the owner was demoted.
            granted = store.permissions_of(roles) & store.permissions_of_key(row)
            principal = Principal(
                user_id=user["id"],
                username=user["username"],
                roles=tuple(r.name for r in roles),
                permissions=granted,
                via="api_key",
                expires_at=parse_iso(row["expires_at"]) if row["expires_at"] is not None else None,
                key_id=str(row["id"]),
            )
            stale = row["last_used_at"] is None or row["last_used_at"] < iso(now_ts - KEY_TOUCH_SECONDS)
            return principal, row["id"], stale

        principal, key_id, stale = await self._db.read(load)
        if stale:  # at most one write a minute per key, however fast a scanner calls
            when = iso(now_ts)
            await self._db.write(
                lambda db: db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [when, key_id])
            )
        return principal

    async def me(self, principal: Principal) -> UserView:
        def load(db: sqlite_utils.Database) -> UserView:
            row = store.user_by_id(db, principal.user_id)
            if row is None:
                raise NotFound("User not found")
            return store.user_view(db, row)

        return await self._db.read(load)
