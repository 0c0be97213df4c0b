"""The page session (the refresh-token cookie, read without rotating it) and CSRF for form posts.

CSRF: every form and fetch() repeats a token that is an HMAC (under the daemon's secret key) of the
login session's id, or before login of a random pre-session cookie; a chosen cookie is worthless.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request
from litestar.datastructures import Cookie

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import Forbidden, Unauthorized
from makermatrix_edge.httpkit.cookies import REFRESH_COOKIE
from makermatrix_edge.services import Services

CSRF_COOKIE = "mm_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """No live page session: the answer is a redirect to /login?next=<the page asked for>&why=<why it ended>."""

    def __init__(self, next_url: str, why: str | None = None) -> None:
        super().__init__("log in first")
        self.next_url = next_url
        self.why = why


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


def login_url(next_url: str, why: str | None = None) -> str:
    query = [f"next={quote(next_url, safe='/')}"] if next_url != "/" else []
    if why:
        query.append(f"why={quote(why)}")
    return "/login" + (f"?{'&'.join(query)}" if query else "")


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
        posted = request.method not in ("GET", "HEAD")
        target = safe_next(referer_path(request)) if posted else here(request)
        why = await services.auth.session_end(request.cookies.get(REFRESH_COOKIE))
        # No cookie at all: a form sent from one of our pages had a session when the page was shown.
        raise LoginRequired(target, why or ("ended" if posted else None))
    if permission is not None and not principal.can(permission):
        raise Forbidden(f"Your account may not do this (it needs the '{permission}' permission)")
    return principal


def referer_path(request: Request[Any, Any, Any]) -> str | None:
    """The same-site page a form was posted from (the Referer, sent to us by Referrer-Policy same-origin)."""
    parts = urlsplit(request.headers.get("referer", ""))
    host = request.headers.get("host", "")
    if not host or parts.scheme not in ("http", "https") or parts.netloc != host:
        return None
    return safe_next((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))


def same_site_post(request: Request[Any, Any, Any]) -> bool:
    """A post a page of ours sent (not another site's form): Referer ours, Origin and Sec-Fetch-Site agreeing.

    Used where the CSRF token cannot be checked (the session that token was tied to is gone).
    """
    if referer_path(request) is None:
        return False
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host", ""):
        return False
    return request.headers.get("sec-fetch-site", "same-origin") == "same-origin"


def _services(request: Request[Any, Any, Any]) -> Services:
    return request.app.state["services"]  # type: ignore[no-any-return]


def _binding(request: Request[Any, Any, Any]) -> str:
    """What the token is tied to: the login session's id, or before login the pre-session cookie."""
    refresh = request.cookies.get(REFRESH_COOKIE)
    if refresh:
        session = _services(request).auth.session_id(refresh)
        if session:
            return f"session:{session}"
    anonymous = request.cookies.get(CSRF_COOKIE, "")
    if len(anonymous) < 32:
        state = request.scope.setdefault("state", {})
        if "new_csrf" not in state:
            state["new_csrf"] = secrets.token_urlsafe(32)
        anonymous = str(state["new_csrf"])
    return f"anonymous:{anonymous}"


def csrf_token(request: Request[Any, Any, Any]) -> str:
    """The token the page's forms carry: an HMAC of the session id under the daemon's key.

    A cookie planted by another site (or a sibling subdomain) cannot be paired with a token the
    attacker computed, because only the daemon holds the key; a new login means a new token.
    """
    return _services(request).auth.page_mac("csrf", _binding(request))


def csrf_cookie(request: Request[Any, Any, Any]) -> list[Cookie]:
    """The pre-session cookie to set when this request made a new one."""
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
    given = sent or request.headers.get(CSRF_HEADER) or ""
    refresh = request.cookies.get(REFRESH_COOKIE)
    if not refresh and len(request.cookies.get(CSRF_COOKIE, "")) < 32:
        raise CsrfFailed()  # neither a session nor a pre-session: nothing the token could be tied to
    if not secrets.compare_digest(csrf_token(request).encode(), given.encode()):
        raise CsrfFailed()
