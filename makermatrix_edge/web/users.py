"""The users page (admin): add a user, change a role, deactivate and reactivate, reset a password."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.passwords import check_password
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.errors import Conflict, InvalidInput
from makermatrix_edge.services import Services
from makermatrix_edge.web.render import Form, back, form_error, page
from makermatrix_edge.web.session import check_csrf, require

_ERRORS = (InvalidInput, Conflict)
_LABELS = {
    "username": "User names",
    "password": "The password",
    "new_password": "The new password",
    "current_password": "The current password",
    "roles": "",
}


class NewUserForm(msgspec.Struct):
    csrf_token: str = ""
    username: str = ""
    password: str = ""
    role: str = "user"


class RoleForm(msgspec.Struct):
    csrf_token: str = ""
    role: str = ""


class ActiveForm(msgspec.Struct):
    csrf_token: str = ""
    active: str = ""  # "1" reactivates, "0" deactivates
    confirm: str = ""  # "1" once the person said yes on the confirmation page


class PasswordForm(msgspec.Struct):
    csrf_token: str = ""
    password: str = ""
    confirm: str = ""


class OwnPasswordForm(msgspec.Struct):
    csrf_token: str = ""
    current_password: str = ""
    new_password: str = ""


def only_admin(users: list[Any]) -> str | None:
    """The id of the single active admin, when there is just one (it cannot be deactivated or demoted)."""
    admins = [u.id for u in users if u.is_active and ADMIN in u.permissions]  # as the last-admin rule counts
    return admins[0] if len(admins) == 1 else None


def password_rule(services: Services) -> str:
    return f"At least {services.settings.accounts.min_password_length} characters (at most 72 bytes)."


class UserPages(Controller):
    async def _page(
        self,
        request: Request[Any, Any, Any],
        services: Services,
        principal: Principal,
        error: str | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        users = await services.users.list_users()
        return page(
            request,
            "users.html",
            principal,
            status_code=status_code,
            users=users,
            only_admin=only_admin(users),
            rule=password_rule(services),
            roles=[r.name for r in await services.users.roles()],
            can_write=principal.can("users:write"),
            me=principal.user_id,
            error=error,
            v=values or {"role": "user"},
        )

    def _confirm(
        self,
        request: Request[Any, Any, Any],
        principal: Principal,
        action: str,
        username: str,
        what: str,
        fields: dict[str, str] | None = None,
    ) -> Template:
        """Destructive changes ask once, on a page of their own, with a red button and a way out."""
        return page(
            request, "confirm.html", principal, action=action, username=username, what=what, fields=fields or {}
        )

    @post("/account/password", status_code=200)
    async def own_password(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[OwnPasswordForm, Form],
        services: NamedDependency[Services],
    ) -> Template | Redirect:
        """Anyone changes their own password with the current one; every session (this one too) ends."""
        check_csrf(request, data.csrf_token)
        principal = await require(request, services)
        try:
            await services.users.change_password(
                principal.user_id,
                actor=principal,
                current_password=data.current_password,
                new_password=data.new_password,
            )
        except _ERRORS as exc:
            error, status = form_error(exc, _LABELS)
            if principal.can("users:read"):
                return await self._page(request, services, principal, error, status_code=status)
            raise
        return back(request, "/login", "Password changed. Log in with the new one.")

    @get("/users")
    async def users(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Template:
        principal = await require(request, services, "users:read")
        return await self._page(request, services, principal)

    @post("/users/new", status_code=200)
    async def add(
        self, request: Request[Any, Any, Any], data: Annotated[NewUserForm, Form], services: NamedDependency[Services]
    ) -> Template | Redirect:
        check_csrf(request, data.csrf_token)
        principal = await require(request, services, "users:write")
        try:
            made = await services.users.register(
                username=data.username,
                password=data.password,
                email=None,
                roles=[data.role.strip() or "user"],
                actor=principal,
                open_registration=False,
            )
        except _ERRORS as exc:
            values = {"username": data.username, "role": data.role}
            error, status = form_error(exc, _LABELS)
            return await self._page(request, services, principal, error, values, status)
        return back(request, "/users", f"Added {made.username} ({data.role})")

    @post("/users/{user_id:str}/role", status_code=200)
    async def role(
        self,
        request: Request[Any, Any, Any],
        user_id: FromPath[str],
        data: Annotated[RoleForm, Form],
        services: NamedDependency[Services],
    ) -> Template | Redirect:
        check_csrf(request, data.csrf_token)
        principal = await require(request, services, "users:write")
        try:
            done = await services.users.update(user_id, actor=principal, roles=[data.role.strip()])
        except _ERRORS as exc:
            error, status = form_error(exc, _LABELS)
            return await self._page(request, services, principal, error, status_code=status)
        return back(request, "/users", f"{done.username} is now {data.role.strip()}")

    @post("/users/{user_id:str}/active", status_code=200)
    async def active(
        self,
        request: Request[Any, Any, Any],
        user_id: FromPath[str],
        data: Annotated[ActiveForm, Form],
        services: NamedDependency[Services],
    ) -> Template | Redirect:
        check_csrf(request, data.csrf_token)
        principal = await require(request, services, "users:write")
        on = data.active.strip() == "1"
        if not on and data.confirm != "1":
            user = await services.users.get(user_id)
            return self._confirm(request, principal, f"/users/{user_id}/active", user.username, "deactivate")
        try:
            done = await services.users.update(user_id, actor=principal, is_active=on)
        except _ERRORS as exc:
            error, status = form_error(exc, _LABELS)
            return await self._page(request, services, principal, error, status_code=status)
        return back(request, "/users", f"{done.username} can log in again" if on else f"{done.username} is deactivated")

    @post("/users/{user_id:str}/password", status_code=200)
    async def password(
        self,
        request: Request[Any, Any, Any],
        user_id: FromPath[str],
        data: Annotated[PasswordForm, Form],
        services: NamedDependency[Services],
    ) -> Template | Redirect:
        check_csrf(request, data.csrf_token)
        principal = await require(request, services, "users:write")
        if data.confirm != "1":
            try:  # a password the rule refuses is told now, not after "are you sure?"
                check_password(data.password, services.settings.accounts.min_password_length, "new_password")
            except InvalidInput as exc:
                error, status = form_error(exc, _LABELS)
                return await self._page(request, services, principal, error, status_code=status)
            user = await services.users.get(user_id)
            kept = {"password": data.password}
            return self._confirm(request, principal, f"/users/{user_id}/password", user.username, "password", kept)
        try:
            await services.users.change_password(
                user_id, actor=principal, current_password=None, new_password=data.password
            )
        except _ERRORS as exc:
            error, status = form_error(exc, _LABELS)
            return await self._page(request, services, principal, error, status_code=status)
        user = await services.users.get(user_id)
        return back(request, "/users", f"New password set for {user.username}; their sessions have ended")
