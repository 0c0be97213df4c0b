"""The login session's cookie: the refresh token, set by an API login and by the login page alike."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from makermatrix_edge.accounts.models import TokenPair

REFRESH_COOKIE = "refresh_token"


def refresh_cookie(request: Request[Any, Any, Any], pair: TokenPair) -> Cookie:
    # Secure only over HTTPS: on a plain-HTTP LAN a Secure cookie would never be stored.
    return Cookie(
        key=REFRESH_COOKIE,
        value=pair.refresh_token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=pair.refresh_expires_in,
        path="/",
    )
