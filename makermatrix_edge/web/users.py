"""The users page (admin): add a user, change a role, deactivate and reactivate, reset a password."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.passwords import check_password
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.errors import Conflict, InvalidInput
from makermatrix_edge.services import Services
from makermatrix_edge.web.guard import LOGIN, page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.render import Form, back, page, refused

_ERRORS = (InvalidInput, Conflict)
_LABELS = {
    "username": "User names",
    "password": "The password",
    "new_password": "The new password",
    "current_password": "The current password",
    "roles": "",
}


class NewUserForm(msgspec.Struct):
    username: str = ""
    password: str = ""
    role: str = "user"


class RoleForm(msgspec.Struct):
    role: str = ""


class ActiveForm(msgspec.Struct):
    active: str = ""  # "1" reactivates, "0" deactivates
    confirm: str = ""  # "1" once the person said yes on the confirmation page


class PasswordForm(msgspec.Struct):
    password: str = ""
    confirm: str = ""


class OwnPasswordForm(msgspec.Struct):
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
    ) -> Template:
        users = await services.users.list_users()
        return page(
            request,
            "users.html",
            principal,
            users=users,
            only_admin=only_admin(users),
            rule=password_rule(services),
            roles=[r.name for r in await services.users.roles()],
            can_write=principal.can("users:write"),
            me=principal.user_id,
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

    @post("/account/password", opt=page_access(LOGIN), status_code=303)
    async def own_password(
        self, request: Req, data: Annotated[OwnPasswordForm, Form], principal: User, services: Svc
    ) -> Redirect:
        """Anyone changes their own password with the current one; every session (this one too) ends."""
        try:
            await services.users.change_password(
                principal.user_id,
                actor=principal,
                current_password=data.current_password,
                new_password=data.new_password,
            )
        except _ERRORS as exc:
            if principal.can("users:read"):  # the form is on the users page; no password typed is kept
                return refused(request, "/users", exc, labels=_LABELS)
            raise
        return back(request, "/login", "Password changed. Log in with the new one.")

    @get("/users", opt=page_access("users:read"))
    async def users(self, request: Req, principal: User, services: Svc) -> Template:
        return await self._page(request, services, principal)

    @post("/users/new", opt=page_access("users:write"), status_code=303)
    async def add(self, request: Req, data: Annotated[NewUserForm, Form], principal: User, services: Svc) -> Redirect:
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
            return refused(request, "/users", exc, msgspec.structs.asdict(data), _LABELS)
        return back(request, "/users", f"Added {made.username} ({data.role})")

    @post("/users/{user_id:str}/role", opt=page_access("users:write"), status_code=303)
    async def role(
        self, request: Req, user_id: FromPath[str], data: Annotated[RoleForm, Form], principal: User, services: Svc
    ) -> Redirect:
        try:
            done = await services.users.update(user_id, actor=principal, roles=[data.role.strip()])
        except _ERRORS as exc:
            return refused(request, "/users", exc, msgspec.structs.asdict(data), _LABELS)
        return back(request, "/users", f"{done.username} is now {data.role.strip()}")

    @post("/users/{user_id:str}/active", opt=page_access("users:write"), status_code=200)
    async def active(
        self, request: Req, user_id: FromPath[str], data: Annotated[ActiveForm, Form], principal: User, services: Svc
    ) -> Template | Redirect:
        on = data.active.strip() == "1"
        if not on and data.confirm != "1":
            user = await services.users.get(user_id)
            return self._confirm(request, principal, f"/users/{user_id}/active", user.username, "deactivate")
        try:
            done = await services.users.update(user_id, actor=principal, is_active=on)
        except _ERRORS as exc:
            return refused(request, "/users", exc, labels=_LABELS)
        return back(request, "/users", f"{done.username} can log in again" if on else f"{done.username} is deactivated")

    @post("/users/{user_id:str}/password", opt=page_access("users:write"), status_code=200)
    async def password(
        self, request: Req, user_id: FromPath[str], data: Annotated[PasswordForm, Form], principal: User, services: Svc
    ) -> Template | Redirect:
        if data.confirm != "1":
            try:  # a password the rule refuses is told now, not after "are you sure?"
                check_password(data.password, services.settings.accounts.min_password_length, "new_password")
            except InvalidInput as exc:
                return refused(request, "/users", exc, labels=_LABELS)
            user = await services.users.get(user_id)
            kept = {"password": data.password}
            return self._confirm(request, principal, f"/users/{user_id}/password", user.username, "password", kept)
        try:
            await services.users.change_password(
                user_id, actor=principal, current_password=None, new_password=data.password
            )
        except _ERRORS as exc:
            return refused(request, "/users", exc, labels=_LABELS)
        user = await services.users.get(user_id)
        return back(request, "/users", f"New password set for {user.username}; their sessions have ended")
