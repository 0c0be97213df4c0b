"""One guard for every API route: who is calling (JWT or API key) and may they do this.

Each route declares its rule in `opt` through `access()`. A route without one is refused,
so a forgotten declaration fails closed, and a test checks that every route has one.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.handlers.base import BaseRouteHandler

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import Forbidden, Unauthorized
from makermatrix_edge.services import Services

PUBLIC = "public"  # no credentials looked at
OPTIONAL = "optional"  # credentials used when present (e.g. registration)
AUTHENTICATED = "authenticated"  # any valid credentials
ACCESS_KEY = "access"


def access(rule: str, *, or_self: str | None = None, or_self_username: str | None = None) -> dict[str, Any]:
    """The `opt` for a route: PUBLIC, OPTIONAL, AUTHENTICATED or a permission such as 'parts:read'.

    or_self / or_self_username name a path parameter; a caller whose own id / username it is
    passes without the permission.
    """
    return {ACCESS_KEY: rule, "or_self": or_self, "or_self_username": or_self_username}


def _credentials(connection: ASGIConnection[Any, Any, Any, Any]) -> tuple[str, str] | None:
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return "token", value.strip()
    if scheme.lower() == "apikey" and value.strip():
        return "api_key", value.strip()
    api_key = connection.headers.get("x-api-key", "").strip()
    if api_key:
        return "api_key", api_key
    token = connection.query_params.get("token")  # WebSockets cannot send headers from a browser
    if token and connection.scope["type"] == ScopeType.WEBSOCKET:
        return ("api_key", token) if token.startswith("mme_") else ("token", token)
    return None


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    creds = _credentials(connection)
    if creds is None:
        return None
    services: Services = connection.app.state.services
    kind, value = creds
    if kind == "token":
        return await services.auth.authenticate_token(value)
    return await services.auth.authenticate_api_key(value)


NOT_LOGGED_IN = "Not authenticated: log in first, then send 'Authorization: Bearer <token>' or 'X-API-Key: <key>'"


async def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    rule = handler.opt.get(ACCESS_KEY)
    if rule is None:
        raise Forbidden("This route declares no access rule and is closed")
    if rule == PUBLIC:
        return
    principal = await authenticate(connection)
    connection.scope.setdefault("state", {})["principal"] = principal
    if rule == OPTIONAL:
        return
    if principal is None:
        raise Unauthorized(NOT_LOGGED_IN)
    if rule == AUTHENTICATED or principal.can(rule):
        return
    self_param = handler.opt.get("or_self")
    if self_param and str(connection.path_params.get(self_param, "")) == principal.user_id:
        return
    name_param = handler.opt.get("or_self_username")
    if name_param and str(connection.path_params.get(name_param, "")).lower() == principal.username.lower():
        return
    raise Forbidden(f"You need the '{rule}' permission for this")


def current_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    principal = optional_principal(connection)
    if principal is None:
        raise Unauthorized("Not authenticated: log in first")
    return principal


def optional_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    principal = connection.scope.get("state", {}).get("principal")
    return principal if isinstance(principal, Principal) else None
