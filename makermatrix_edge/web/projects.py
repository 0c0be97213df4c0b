"""Projects on the phone: the list, a project's BOM with a "Build N" box that answers at once, its builds.

The box is a GET form (it works without script); build.js asks /projects/{id}/check as the number
changes and swaps the answer in. Starting, completing, cancelling and reversing a build are form
posts that come back to the project page with the result (or the refusal) said on it.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import Conflict, InvalidInput
from makermatrix_edge.projects.buildable import MAX_BOARDS
from makermatrix_edge.projects.models import ProjectCreate
from makermatrix_edge.services import Services
from makermatrix_edge.suppliers.carts import CartFile
from makermatrix_edge.web.boards import boards_asked
from makermatrix_edge.web.bom_choices import PIN, choices
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.render import Form, back, form_error, page

# HOOK(h24-bom): the BOM upload page. When a page route with this path exists, the project page
# shows "Import a BOM" linking to it (the same upload flow as orders, posting to the BOM service).
BOM_UPLOAD_ROUTE = "/projects/{project_id:str}/bom"


NEW_LABELS = {"name": "The project name", "description": "The description"}


class NewProjectForm(msgspec.Struct):
    name: str = ""
    description: str = ""


class BuildForm(msgspec.Struct):
    quantity: str = ""
    note: str = ""


class CompleteForm(msgspec.Struct):
    quantity: str = ""  # empty: every board not built yet


def boards(text: str, field: str = "quantity") -> int:
    try:
        n = int(text.strip())
    except ValueError:
        raise InvalidInput(f"must be a whole number of boards from 1 to {MAX_BOARDS}", field) from None
    if not 1 <= n <= MAX_BOARDS:
        raise InvalidInput(f"must be a whole number of boards from 1 to {MAX_BOARDS}", field)
    return n


def download(cart: CartFile) -> Response[bytes]:
    return Response(
        cart.content,
        media_type=cart.media_type,
        headers={"Content-Disposition": f'attachment; filename="{cart.filename}"', "Cache-Control": "no-store"},
    )


class ProjectPages(Controller):
    @get("/projects", opt=page_access("parts:read"))
    async def projects(self, request: Req, principal: User, services: Svc) -> Template:
        return await self._list(request, principal, services)

    async def _list(
        self, request: Req, principal: Principal, services: Services, error: str | None = None,
        typed: NewProjectForm | None = None, status_code: int = 200,
    ) -> Template:  # fmt: skip
        found = await services.builds.summaries()
        return page(
            request, "projects.html", principal, status_code, projects=found, error=error,
            typed=typed or NewProjectForm(), can_create=principal.can("projects:create"),
        )  # fmt: skip

    @post("/projects", opt=page_access("projects:create"), status_code=200)
    async def new_project(
        self, request: Req, data: Annotated[NewProjectForm, Form], principal: User, services: Svc
    ) -> Template | Redirect:
        """A duplicate name or a bad field keeps the user on the list, the form filled as they typed it."""
        fields = {"name": data.name.strip(), "description": data.description.strip() or None}
        try:
            made = await services.projects.add(msgspec.convert(fields, ProjectCreate))
        except (InvalidInput, Conflict, msgspec.ValidationError) as exc:
            error, status = form_error(exc, NEW_LABELS)
            if isinstance(exc, Conflict):  # the name, or its slug: "Timer Board" after "timer board"
                alike = "" if "with name" in exc.message else " (or one that differs only in case or punctuation)"
                error = (
                    f"A project named '{fields['name']}' already exists{alike}: choose another name, or open that one."
                )
            return await self._list(request, principal, services, error, data, status)
        return back(request, f"/projects/{made.id}", f"Project '{made.name}' made. Import its BOM next.")

    @get("/projects/{project_id:str}", opt=page_access("parts:read"))
    async def project(
        self, request: Req, project_id: FromPath[str], principal: User, services: Svc, n: FromQuery[str | None] = None,
        pick: FromQuery[str | None] = None, q: FromQuery[str | None] = None,
    ) -> Template:  # fmt: skip
        """`pick` and `q`: a BOM line's "Choose part" search (parts found by the words, to pin one)."""
        quantity, note = boards_asked(n)
        answer = await services.builds.buildable(project_id, quantity)
        builds = await services.builds.list_builds(answer.project_id)
        chosen = await choices(services, answer.project_id, principal, pick, q)
        upload = BOM_UPLOAD_ROUTE in request.app.route_handler_method_map and principal.can(PIN)
        return page(
            request, "project.html", principal, b=answer, builds=builds, bom_upload=upload,
            can_write=principal.can("parts:write"), max_boards=MAX_BOARDS, choices=chosen.lines,
            pick=chosen.pick, q=chosen.q, n_note=note,
        )  # fmt: skip

    @get("/projects/{project_id:str}/check", opt=page_access("parts:read"))
    async def check(
        self, request: Req, project_id: FromPath[str], principal: User, services: Svc, n: FromQuery[str | None] = None
    ) -> Template:
        """The Build box's answer alone, for build.js to swap in (with the number used, and why if changed)."""
        quantity, note = boards_asked(n)
        answer = await services.builds.buildable(project_id, quantity)
        return page(
            request, "_buildable.html", principal, b=answer, can_write=principal.can("parts:write"),
            choices=(await choices(services, answer.project_id, principal)).lines, n_note=note,
        )  # fmt: skip

    @get("/projects/{project_id:str}/reorder/{supplier:str}", opt=page_access("parts:read"))
    async def reorder(
        self, project_id: FromPath[str], supplier: FromPath[str], services: Svc, n: FromQuery[str | None] = None
    ) -> Response[bytes]:
        return download(await services.builds.shortage_cart(project_id, boards_asked(n)[0], supplier))

    @post("/projects/{project_id:str}/builds", opt=page_access("parts:write"), status_code=303)
    async def start(
        self, request: Req, project_id: FromPath[str], data: Annotated[BuildForm, Form], principal: User, services: Svc
    ) -> Redirect:
        build = await services.builds.start(project_id, boards(data.quantity), principal, data.note)
        return back(request, f"/projects/{build.project_id}?n={build.quantity}", build.message)

    @post("/builds/{build_id:str}/complete", opt=page_access("parts:write"), status_code=303)
    async def complete(
        self, request: Req, build_id: FromPath[str], data: Annotated[CompleteForm, Form], principal: User,
        services: Svc,
    ) -> Redirect:  # fmt: skip
        quantity = boards(data.quantity) if data.quantity.strip() else None
        build = await services.builds.complete(build_id, principal, quantity)
        return back(request, f"/projects/{build.project_id}", build.message)

    @post("/builds/{build_id:str}/cancel", opt=page_access("parts:write"), status_code=303)
    async def cancel(self, request: Req, build_id: FromPath[str], principal: User, services: Svc) -> Redirect:
        build = await services.builds.cancel(build_id, principal)
        return back(request, f"/projects/{build.project_id}", build.message)

    @post("/builds/{build_id:str}/reverse", opt=page_access("parts:write"), status_code=303)
    async def reverse(self, request: Req, build_id: FromPath[str], principal: User, services: Svc) -> Redirect:
        build = await services.builds.reverse(build_id, principal)
        return back(request, f"/projects/{build.project_id}", build.message)
