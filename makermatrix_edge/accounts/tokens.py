"""JWT access and refresh tokens (HS256) and the signing key kept in data_dir/secret.key."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
import uuid
from pathlib import Path
from typing import Literal

import jwt
import msgspec

from makermatrix_edge.clock import Clock
from makermatrix_edge.errors import Unauthorized

TokenKind = Literal["access", "refresh"]
log = logging.getLogger(__name__)


class Claims(msgspec.Struct, frozen=True):
    sub: str
    jti: str
    iat: int
    exp: int
    typ: TokenKind
    ver: int


class IssuedToken(msgspec.Struct, frozen=True):
    token: str
    claims: Claims


def read_secret(path: Path) -> bytes:
    """The signing key in `path` (never creates it); ValueError if it is not a key."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("secret key %s was readable by others (mode %o); set to 0600", path, mode)
        path.chmod(0o600)
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (ValueError, UnicodeDecodeError):
        key = b""
    if len(key) < 32:
        raise ValueError(f"{path} does not hold a 32-byte hex key; delete it to make a new one (logs everyone out)")
    return key


def load_or_create_secret(path: Path) -> bytes:
    """Read the signing key, creating it (0600) on first start."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_secret(path)
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return key


class TokenIssuer:
    def __init__(self, secret: bytes, *, access_seconds: int, refresh_seconds: int, clock: Clock) -> None:
        self._secret = secret
        self._ttl: dict[TokenKind, int] = {"access": access_seconds, "refresh": refresh_seconds}
        self._clock = clock

    def ttl(self, kind: TokenKind) -> int:
        return self._ttl[kind]

    def mac(self, purpose: str, value: str) -> str:
        """An HMAC under the signing key, separated by purpose (the pages' CSRF tokens and flash cookies)."""
        key = hmac.new(self._secret, purpose.encode("utf-8"), hashlib.sha256).digest()
        return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def issue(self, user_id: str, version: int, kind: TokenKind, *, seconds: int | None = None) -> IssuedToken:
        """A signed token; `seconds` shortens the configured lifetime (never lengthens it)."""
        now = int(self._clock())
        ttl = min(seconds, self._ttl[kind]) if seconds is not None else self._ttl[kind]
        claims = Claims(sub=user_id, jti=uuid.uuid4().hex, iat=now, exp=now + ttl, typ=kind, ver=version)
        token = jwt.encode(msgspec.structs.asdict(claims), self._secret, algorithm="HS256")
        return IssuedToken(token=token, claims=claims)

    def decode(self, token: str, kind: TokenKind) -> Claims:
        """Verify signature, expiry and kind; raise Unauthorized with a reason a person understands."""
        try:
            raw = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                # Expiry is checked against our own clock below, not the library's.
                options={
                    "require": ["sub", "exp", "iat", "jti"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
            claims = msgspec.convert(raw, Claims)
        except (jwt.InvalidTokenError, msgspec.ValidationError):
            what = "refresh token" if kind == "refresh" else "token"  # MakerMatrix's clients look for these words
            raise Unauthorized(f"Invalid {what}; log in again") from None
        if claims.exp <= self._clock():
            raise Unauthorized("Token expired; log in again")
        if claims.typ != kind:
            if kind == "refresh":  # an access token sent to refresh
                raise Unauthorized("Invalid refresh token: this is an access token; log in again")
            article = "An" if claims.typ[:1] in "aeiou" else "A"
            raise Unauthorized(f"{article} {claims.typ} token cannot be used here")
        return claims
