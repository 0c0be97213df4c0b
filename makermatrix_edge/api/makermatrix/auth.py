"""/api/auth (and /auth, as the document names it): login (JSON or form), mobile login and refresh, refresh with
rotation, logout, me."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from makermatrix_edge.accounts.models import Principal, TokenPair, UserView
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import AUTHENTICATED, PUBLIC, access
from makermatrix_edge.errors import BadRequest, Unauthorized
from makermatrix_edge.httpkit.body import json_or_form
from makermatrix_edge.httpkit.cookies import REFRESH_COOKIE, refresh_cookie
from makermatrix_edge.services import Services


class Credentials(msgspec.Struct):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class LoginFields(msgspec.Struct):
    """/auth/login's body: a missing or empty field is told apart (400), as MakerMatrix's login does."""

    username: Annotated[str, msgspec.Meta(max_length=128)] = ""
    password: Annotated[str, msgspec.Meta(max_length=1024)] = ""


class RefreshRequest(msgspec.Struct):
    refresh_token: str | None = None


class MobileRefresh(msgspec.Struct):
    refresh_token: Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


class LoginResponse(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int
    password_change_required: bool
    user: UserView
    status: str = "success"
    message: str = "Login successful"


class TokenData(msgspec.Struct, omit_defaults=True):
    access_token: str
    token_type: str
    expires_in: int
    password_change_required: bool
    refresh_token: str | None = None
    user: UserView | None = None


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _token_data(pair: TokenPair, *, with_refresh: bool) -> TokenData:
    return TokenData(
        access_token=pair.access_token,
        token_type="bearer",
        expires_in=pair.expires_in,
        password_change_required=pair.user.password_change_required,
        refresh_token=pair.refresh_token if with_refresh else None,
        user=pair.user if with_refresh else None,
    )


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/login", opt=access(PUBLIC), status_code=200)
    async def login(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services]
    ) -> Response[LoginResponse]:
        """Log in with JSON {username, password} or form fields; sets the refresh-token cookie."""
        creds = await json_or_form(request, LoginFields)
        if not creds.username or not creds.password:  # MakerMatrix's login answers these with 400
            raise BadRequest("Missing credentials: send a username and a password")
        pair = await services.auth.login(creds.username, creds.password, _client(request))
        body = LoginResponse(
            access_token=pair.access_token,
            token_type="bearer",
            expires_in=pair.expires_in,
            password_change_required=pair.user.password_change_required,
            user=pair.user,
        )
        return Response(body, cookies=[refresh_cookie(request, pair)])

    @post("/mobile-login", opt=access(PUBLIC), status_code=200)
    async def mobile_login(
        self, request: Request[Any, Any, Any], data: JSONBody[Credentials], services: NamedDependency[Services]
    ) -> Envelope[TokenData]:
        """JSON-only login for apps: both tokens in the body, no cookie."""
        pair = await services.auth.login(data.username, data.password, _client(request))
        return ok(_token_data(pair, with_refresh=True), "Login successful")

    @post("/refresh", opt=access(PUBLIC), status_code=200)
    async def refresh(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services]
    ) -> Response[Envelope[TokenData]]:
        """New access token from the refresh cookie (or a JSON {refresh_token}); the old one stops working."""
        body_token = None
        if (await request.body()).strip():
            body_token = (await json_or_form(request, RefreshRequest)).refresh_token
        token = body_token or request.cookies.get(REFRESH_COOKIE)
        if not token:
            raise Unauthorized("Refresh token missing: log in again")
        pair = await services.auth.refresh(token)
        envelope = ok(_token_data(pair, with_refresh=body_token is not None), "Token refreshed")
        return Response(envelope, cookies=[] if body_token else [refresh_cookie(request, pair)])

    @post("/mobile-refresh", opt=access(PUBLIC), status_code=200)
    async def mobile_refresh(
        self, data: JSONBody[MobileRefresh], services: NamedDependency[Services]
    ) -> Envelope[TokenData]:
        """JSON-only refresh for apps: the refresh token in the body, both new tokens back (the old one stops)."""
        pair = await services.auth.refresh(data.refresh_token)
        return ok(_token_data(pair, with_refresh=True), "Token refreshed successfully")

    @post("/logout", opt=access(PUBLIC), status_code=200)
    async def logout(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services]
    ) -> Response[Envelope[None]]:
        """Revoke the refresh token and clear the cookie."""
        body_token = None
        if (await request.body()).strip():
            body_token = (await json_or_form(request, RefreshRequest)).refresh_token
        await services.auth.logout(body_token or request.cookies.get(REFRESH_COOKIE))
        response: Response[Envelope[None]] = Response(ok(None, "Logout successful"))
        response.delete_cookie(REFRESH_COOKIE, path="/")
        return response

    @get("/me", opt=access(AUTHENTICATED))
    async def me(
        self, principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[UserView]:
        return ok(await services.auth.me(principal), "Current user")
