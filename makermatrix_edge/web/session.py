"""The page session (the refresh-token cookie, read without rotating it) and CSRF for form posts.

CSRF is a double-submit token: a random value in a SameSite=Strict cookie that every form and
fetch() repeats in a field or header; a cross-site page can neither read the cookie nor set it.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.datastructures import Cookie

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.makermatrix.auth import REFRESH_COOKIE
from makermatrix_edge.errors import Forbidden, Unauthorized
from makermatrix_edge.services import Services

CSRF_COOKIE = "mm_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """No live page session: the answer is a redirect to /login?next=<the page asked for>."""

    def __init__(self, next_url: str) -> None:
        super().__init__("log in first")
        self.next_url = next_url


class CsrfFailed(Exception):
    """A form post without the page's CSRF token (or with a stale one)."""


def safe_next(value: str | None) -> str:
    """Only same-site paths: '/p/x' yes, '//evil.example' and 'http://...' no."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def here(request: Request[Any, Any, Any]) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def login_url(next_url: str) -> str:
    return "/login" if next_url == "/" else f"/login?next={quote(next_url, safe='/')}"


async def page_principal(request: Request[Any, Any, Any], services: Services) -> Principal | None:
    token = request.cookies.get(REFRESH_COOKIE)
    if not token:
        return None
    try:
        return await services.auth.principal_from_refresh(token)
    except Unauthorized:
        return None


async def require(request: Request[Any, Any, Any], services: Services, permission: str | None = None) -> Principal:
    """The logged-in user (or a redirect to the login page), holding `permission` when one is named."""
    principal = await page_principal(request, services)
    if principal is None:
        # A form post has no page to come back to: go back to the page it was posted from.
        target = here(request) if request.method == "GET" else safe_next(_referer_path(request))
        raise LoginRequired(target)
    if permission is not None and not principal.can(permission):
        raise Forbidden(f"Your account may not do this (it needs the '{permission}' permission)")
    return principal


def _referer_path(request: Request[Any, Any, Any]) -> str | None:
    referer = request.headers.get("referer", "")
    host = request.headers.get("host", "")
    for scheme in ("http://", "https://"):
        prefix = f"{scheme}{host}"
        if host and referer.startswith(prefix):
            return referer[len(prefix) :] or "/"
    return None


def csrf_token(request: Request[Any, Any, Any]) -> str:
    """The token the page's forms carry: the cookie's value, or a new one (set by csrf_cookie)."""
    existing = request.cookies.get(CSRF_COOKIE, "")
    if len(existing) >= 32:
        return existing
    state = request.scope.setdefault("state", {})
    if "new_csrf" not in state:
        state["new_csrf"] = secrets.token_urlsafe(32)
    return str(state["new_csrf"])


def csrf_cookie(request: Request[Any, Any, Any]) -> list[Cookie]:
    """The cookie to set when this request made a new token."""
    new = request.scope.get("state", {}).get("new_csrf")
    if not new:
        return []
    return [
        Cookie(
            key=CSRF_COOKIE,
            value=str(new),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    ]


def check_csrf(request: Request[Any, Any, Any], sent: str | None) -> None:
    expected = request.cookies.get(CSRF_COOKIE) or ""
    given = sent or request.headers.get(CSRF_HEADER) or ""
    if len(expected) < 32 or not secrets.compare_digest(expected.encode(), given.encode()):
        raise CsrfFailed()
