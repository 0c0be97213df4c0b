"""What the accounts services hand out: principals, users, roles, API keys, token pairs."""

from __future__ import annotations

from typing import Literal

import msgspec

from makermatrix_edge.accounts.roles import allows


class Principal(msgspec.Struct, frozen=True):
    """Who is calling, and what they may do (already narrowed for an API key)."""

    user_id: str
    username: str
    roles: tuple[str, ...]
    permissions: frozenset[str]
    via: Literal["token", "api_key"]
    password_change_required: bool = False
    expires_at: float | None = None  # when the credential stops working (a live WebSocket closes then)
    key_id: str | None = None  # the API key called with (its own Idempotency-Key namespace)

    def can(self, permission: str) -> bool:
        return allows(self.permissions, permission)


class RoleView(msgspec.Struct):
    id: str
    name: str
    description: str
    permissions: list[str]


class UserView(msgspec.Struct):
    id: str
    username: str
    email: str | None
    is_active: bool
    password_change_required: bool
    created_at: str
    updated_at: str
    last_login: str | None
    roles: list[RoleView]
    permissions: list[str]


class TokenPair(msgspec.Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    user: UserView


class ApiKeyView(msgspec.Struct):
    id: str
    name: str
    prefix: str
    user_id: str
    permissions: list[str]
    created_at: str
    expires_at: str | None
    last_used_at: str | None
    revoked: bool


class NewApiKey(ApiKeyView):
    """Answered once, at creation: the secret is never shown again.

    MakerMatrix clients read the secret at `api_key`; `key` carries the same string.
    """

    key: str
    api_key: str
