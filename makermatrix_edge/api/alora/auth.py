"""ALORA health, register, login (form fields) and me. Tokens are the same kind as /api/auth/login's."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.security import AUTHENTICATED, PUBLIC, access
from makermatrix_edge.errors import Conflict, Forbidden
from makermatrix_edge.httpkit.body import json_or_form
from makermatrix_edge.services import Services
from makermatrix_edge.textcheck import CheckedText


class Health(msgspec.Struct):
    message: str
    status: str


class Token(msgspec.Struct):
    access_token: str
    token_type: str = "bearer"


class Registration(CheckedText, forbid_unknown_fields=True):
    unchecked_fields = frozenset({"password"})  # hashed, never stored as text

    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    email: Annotated[str, msgspec.Meta(max_length=320)]
    password: Annotated[str, msgspec.Meta(max_length=1024)]


class Credentials(msgspec.Struct):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class Me(msgspec.Struct):
    id: int
    username: str
    email: str | None


@get("/", opt=access(PUBLIC))
async def health() -> Health:
    return Health(message="ALORA Backend API", status="running")


@post("/register", opt=access(PUBLIC), status_code=201)
async def register(data: JSONBody[Registration], services: NamedDependency[Services]) -> Token:
    """Self-registration, only when accounts.open_registration is on; the new user gets the 'user' role."""
    if not services.settings.accounts.open_registration:
        raise Forbidden("Registration is closed: an admin adds users (accounts.open_registration is off)")
    try:
        user = await services.users.register(
            username=data.username,
            password=data.password,
            email=data.email,
            roles=None,
            actor=None,
            open_registration=True,
        )
    except Conflict:
        raise Conflict("Username or email already registered") from None
    return Token(access_token=await services.auth.access_token_for(user.id))


@post("/login", opt=access(PUBLIC), status_code=200)
async def login(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Token:
    """Form fields username and password (JSON works too)."""
    creds = await json_or_form(request, Credentials)
    client = request.client.host if request.client else "unknown"
    return Token(access_token=await services.auth.login_access_only(creds.username, creds.password, client))


@get("/me", opt=access(AUTHENTICATED))
async def me(principal: NamedDependency[Principal], services: NamedDependency[Services]) -> Me:
    user = await services.auth.me(principal)
    return Me(id=await services.auth.user_number(user.id), username=user.username, email=user.email)
