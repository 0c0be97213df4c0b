"""/api/users/roles/*: roles an admin defines, and setting a user's roles or active state (MakerMatrix routes)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from makermatrix_edge.accounts.models import Principal, RoleView, UserView
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.services import Services
from makermatrix_edge.textcheck import CheckedText

Permission = Annotated[str, msgspec.Meta(max_length=64)]
Permissions = Annotated[list[Permission], msgspec.Meta(max_length=64)]
Description = Annotated[str, msgspec.Meta(max_length=500)]
RoleId = Annotated[str, msgspec.Meta(max_length=64)]


class RoleCreate(CheckedText, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    description: Description | None = None
    permissions: Permissions | None = None


class RoleUpdate(CheckedText, forbid_unknown_fields=True):
    description: Description | None = None
    permissions: Permissions | None = None


class UserRoles(msgspec.Struct, forbid_unknown_fields=True):
    role_ids: Annotated[list[RoleId], msgspec.Meta(min_length=1, max_length=10)]


class UserStatus(msgspec.Struct, forbid_unknown_fields=True):
    is_active: bool


class RolesController(Controller):
    path = "/users/roles"
    tags = ["users"]

    @post("/add_role", opt=access(ADMIN), status_code=200)
    async def add_role(self, data: JSONBody[RoleCreate], services: NamedDependency[Services]) -> Envelope[RoleView]:
        role = await services.roles.create(data.name, data.description, data.permissions)
        return ok(role, f"Role '{role.name}' created")

    @get("/by-name/{name:str}", opt=access("users:read"))
    async def by_name(self, name: FromPath[str], services: NamedDependency[Services]) -> Envelope[RoleView]:
        return ok(await services.roles.get_by_name(name), "Role found")

    @get("/{role_id:str}", opt=access("users:read"))
    async def get_role(self, role_id: FromPath[str], services: NamedDependency[Services]) -> Envelope[RoleView]:
        return ok(await services.roles.get(role_id), "Role found")

    @put("/{role_id:str}", opt=access(ADMIN))
    async def update_role(
        self, role_id: FromPath[str], data: JSONBody[RoleUpdate], services: NamedDependency[Services]
    ) -> Envelope[RoleView]:
        role = await services.roles.update(role_id, data.description, data.permissions)
        return ok(role, f"Role '{role.name}' updated")

    @delete("/{role_id:str}", opt=access(ADMIN), status_code=200)
    async def delete_role(self, role_id: FromPath[str], services: NamedDependency[Services]) -> Envelope[RoleView]:
        role = await services.roles.delete(role_id)
        return ok(role, f"Role '{role.name}' deleted")


class UserRolesController(Controller):
    path = "/users/{user_id:str}"
    tags = ["users"]

    @put("/roles", opt=access(ADMIN))
    async def set_roles(
        self,
        user_id: FromPath[str],
        data: JSONBody[UserRoles],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[UserView]:
        """Give the user exactly these roles (by id, as MakerMatrix clients send them)."""
        names = [(await services.roles.get(role_id)).name for role_id in data.role_ids]
        user = await services.users.update(user_id, actor=principal, roles=names)
        return ok(user, f"Roles of {user.username} set to {', '.join(names)}")

    @put("/status", opt=access(ADMIN))
    async def set_status(
        self,
        user_id: FromPath[str],
        data: JSONBody[UserStatus],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[UserView]:
        user = await services.users.update(user_id, actor=principal, is_active=data.is_active)
        return ok(user, f"User {user.username} {'activated' if data.is_active else 'deactivated'}")
