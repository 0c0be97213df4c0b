"""/api/users: registration, listing, updates, passwords, deletion."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from makermatrix_edge.accounts.models import Principal, RoleView, UserView
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import OPTIONAL, access
from makermatrix_edge.services import Services
from makermatrix_edge.textcheck import CheckedText

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Password = Annotated[str, msgspec.Meta(max_length=1024)]
Email = Annotated[str, msgspec.Meta(max_length=320)]


class UserCreate(CheckedText, forbid_unknown_fields=True):
    unchecked_fields = frozenset({"password"})  # hashed, never stored as text

    username: Name
    password: Password
    email: Email | None = None
    roles: Annotated[list[Name], msgspec.Meta(max_length=10)] | None = None


class UserUpdate(CheckedText, forbid_unknown_fields=True):
    username: Name | None = None
    email: Email | None = None
    is_active: bool | None = None
    roles: Annotated[list[Name], msgspec.Meta(max_length=10)] | None = None


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    new_password: Password
    current_password: Password | None = None


@post(["/users/register", "/auth/register"], opt=access(OPTIONAL), tags=["users"], status_code=200)
async def register(
    data: JSONBody[UserCreate], services: NamedDependency[Services], maybe_principal: NamedDependency[Principal | None]
) -> Envelope[UserView]:
    """Admins add users with any role; with open registration anyone may add themselves as 'user'."""
    return await _register(data, services, maybe_principal)


@post(
    ["/users/register", "/auth/register"],
    opt=access(OPTIONAL),
    tags=["users"],
    status_code=200,
    include_in_schema=False,
)
async def register_unprefixed(
    data: JSONBody[UserCreate], services: NamedDependency[Services], maybe_principal: NamedDependency[Principal | None]
) -> Envelope[UserView]:
    """MakerMatrix still serves its user routes without /api too; its clients call register there (and the
    document's /auth/register)."""
    return await _register(data, services, maybe_principal)


async def _register(data: UserCreate, services: Services, maybe_principal: Principal | None) -> Envelope[UserView]:
    user = await services.users.register(
        username=data.username,
        password=data.password,
        email=data.email,
        roles=data.roles,
        actor=maybe_principal,
        open_registration=services.settings.accounts.open_registration,
    )
    return ok(user, f"User {user.username} registered")


class UsersController(Controller):
    path = "/users"
    tags = ["users"]

    @get("/all", opt=access("users:read"))
    async def all_users(self, services: NamedDependency[Services]) -> Envelope[list[UserView]]:
        users = await services.users.list_users()
        return ok(users, f"{len(users)} users")

    @get("/roles", opt=access("users:read"))
    async def roles(self, services: NamedDependency[Services]) -> Envelope[list[RoleView]]:
        return ok(await services.users.roles(), "Roles")

    @get("/by-username/{username:str}", opt=access("users:read", or_self_username="username"))
    async def by_username(self, username: FromPath[str], services: NamedDependency[Services]) -> Envelope[UserView]:
        return ok(await services.users.get_by_username(username), "User found")

    @get("/{user_id:str}", opt=access("users:read", or_self="user_id"))
    async def get_user(self, user_id: FromPath[str], services: NamedDependency[Services]) -> Envelope[UserView]:
        return ok(await services.users.get(user_id), "User found")

    @put("/{user_id:str}", opt=access("users:write", or_self="user_id"))
    async def update_user(
        self,
        user_id: FromPath[str],
        data: JSONBody[UserUpdate],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[UserView]:
        user = await services.users.update(
            user_id,
            actor=principal,
            username=data.username,
            email=data.email,
            is_active=data.is_active,
            roles=data.roles,
        )
        return ok(user, f"User {user.username} updated")

    @delete("/{user_id:str}", opt=access("users:delete"), status_code=200)
    async def delete_user(
        self, user_id: FromPath[str], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[UserView]:
        user = await services.users.delete(user_id, actor=principal)
        return ok(user, f"User {user.username} deleted")


class PasswordController(Controller):
    """PUT /api/users/{id}/password; apart so that the un-prefixed /users mount leaves the path to the phone's
    password form (POST /users/{id}/password), which Litestar would otherwise refuse as a second OPTIONS."""

    path = "/users"
    tags = ["users"]

    @put("/{user_id:str}/password", opt=access("users:write", or_self="user_id"))
    async def change_password(
        self,
        user_id: FromPath[str],
        data: JSONBody[PasswordChange],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[None]:
        await services.users.change_password(
            user_id, actor=principal, current_password=data.current_password, new_password=data.new_password
        )
        return ok(None, "Password changed; every session of this user has ended, log in again")
