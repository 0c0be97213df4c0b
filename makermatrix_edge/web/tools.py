"""The shared tools on the phone: /tools (find one, see who has what), /tools/new (add one at the bench) and
/t/<id> (its state, check out, return).

A tool label's QR opens /t/<id>, so a phone's own camera lands here. A double tap on "Check out" or
"Return" cannot change anything twice: the second one finds the tool already yours, or already back.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import Conflict, InvalidInput, Refused
from makermatrix_edge.inventory.tool_models import ToolCheckout, ToolCreate, ToolReturn, ToolSearch, ToolView
from makermatrix_edge.labels import models as m
from makermatrix_edge.services import Services
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.parts import print_context
from makermatrix_edge.web.place_picker import chosen_place, picker
from makermatrix_edge.web.printing import qr_base
from makermatrix_edge.web.render import Form, back, form_error, page

CONDITIONS = {"excellent": "Excellent", "good": "Good", "fair": "Fair", "poor": "Poor",
              "needs_repair": "Needs repair", "out_of_service": "Out of service"}  # fmt: skip
HISTORY_SIZE = 15


class CheckoutForm(msgspec.Struct):
    notes: str = ""


class ReturnForm(msgspec.Struct):
    condition: str = ""
    notes: str = ""


class NewToolForm(msgspec.Struct):
    """The bench's few fields; the rest (supplier, price, categories...) stay with the API and the app."""

    tool_name: str = ""
    tool_number: str = ""
    description: str = ""
    location_id: str = ""
    location_id_q: str = ""  # typed in the place picker's search, maybe not tapped
    condition: str = "good"
    checkable: str = ""  # the checkbox: "yes" when ticked, absent when not


NEW_LABELS = {"tool_name": "The name", "tool_number": "The tool number", "condition": "The condition"}


async def _create(services: Services, form: NewToolForm) -> ToolCreate:
    """The form as the API's create body: the same Struct, so the same limits and control-character check."""
    if form.condition not in CONDITIONS:
        raise InvalidInput("must be one of the listed conditions", "condition")
    fields = {
        "tool_name": form.tool_name.strip(),
        "tool_number": form.tool_number.strip() or None,
        "description": form.description.strip() or None,
        "location_id": await chosen_place(services, form.location_id.strip(), form.location_id_q),
        "condition": form.condition,
        "is_checkable": form.checkable == "yes",
    }
    return msgspec.convert(fields, ToolCreate)


def _notes(text: str) -> str | None:
    text = text.strip()
    if len(text) > 1000:
        raise InvalidInput("must be at most 1000 characters", "notes")
    return text or None


class ToolPages(Controller):
    @get("/tools", opt=page_access("tools:read"))
    async def tools(self, request: Req, principal: User, services: Svc, q: FromQuery[str] = "") -> Template:
        term = q.strip()[:200]
        found = await services.tools.search(ToolSearch(search_term=term or None, page_size=100))
        return page(
            request, "tools.html", principal, tools=found.tools, total=found.total, q=term,
            can_add=principal.can("tools:write"),
        )  # fmt: skip

    async def _new_form(
        self, request: Req, services: Services, principal: Principal, form: NewToolForm,
        error: str | None = None, status_code: int = 200, same: ToolView | None = None,
    ) -> Template:  # fmt: skip
        """`same`: the tool that already has the name typed (the way on from a duplicate)."""
        pick = await picker(services, form.location_id_q, form.location_id or None)
        return page(
            request, "tool_form.html", principal, status_code, v=form, error=error, pick=pick,
            conditions=CONDITIONS, same=same,
        )  # fmt: skip

    @get("/tools/new", opt=page_access("tools:write"))
    async def new_tool(self, request: Req, principal: User, services: Svc) -> Template:
        return await self._new_form(request, services, principal, NewToolForm(checkable="yes"))

    # A refusal renders the form at its own address (GET /tools/new shows it too), not post/redirect/get:
    # a description of up to 4000 characters does not fit the one-time cookie that carries typed values.
    @post("/tools/new", opt=page_access("tools:write"), status_code=200)
    async def add_tool(
        self, request: Req, data: Annotated[NewToolForm, Form], principal: User, services: Svc
    ) -> Template | Redirect:
        try:
            made = await services.tools.create(await _create(services, data), principal)
        except (InvalidInput, Conflict, msgspec.ValidationError) as exc:
            error, status = form_error(exc, NEW_LABELS)
            same = None
            if isinstance(exc, Conflict):  # names are unique without regard to case: "drill" is "Drill"
                name = data.tool_name.strip()
                error = f"A tool named '{name}' already exists: choose another name, or open that one."
                found = await services.tools.search(ToolSearch(search_term=name, page_size=100))
                same = next((t for t in found.tools if t.tool_name.casefold() == name.casefold()), None)
            return await self._new_form(request, services, principal, data, error, status, same)
        return back(request, f"/t/{made.id}", f"Added tool '{made.tool_name}'")

    @get("/t/{tool_id:str}", opt=page_access("tools:read"))
    async def tool(self, request: Req, tool_id: FromPath[str], principal: User, services: Svc) -> Template:
        tool = await services.tools.get(tool_id)
        changes, checkouts = await services.tools.history(tool.id, HISTORY_SIZE)
        maintenance = await services.tools.maintenance(tool.id)
        return page(
            request,
            "tool.html",
            principal,
            tool=tool,
            changes=changes,
            checkouts=checkouts,
            maintenance=maintenance[:5],
            conditions=CONDITIONS,
            mine=tool.checked_out_by is not None and tool.checked_out_by.lower() == principal.username.lower(),
            can_use=principal.can("tools:use"),
            can_print=principal.can("printer:use"),
            **await print_context(services, "part"),
        )

    @post("/t/{tool_id:str}/checkout", opt=page_access("tools:use"), status_code=303)
    async def checkout(
        self, request: Req, tool_id: FromPath[str], data: Annotated[CheckoutForm, Form], principal: User, services: Svc
    ) -> Redirect:
        try:
            tool = await services.tools.checkout(tool_id, ToolCheckout(notes=_notes(data.notes)), principal)
        except Refused:
            now = await services.tools.get(tool_id)
            if now.checked_out_by and now.checked_out_by.lower() == principal.username.lower():
                return back(request, f"/t/{now.id}", "It is already checked out to you")
            raise
        return back(request, f"/t/{tool.id}", f"{tool.tool_name} is checked out to you")

    @post("/t/{tool_id:str}/return", opt=page_access("tools:use"), status_code=303)
    async def give_back(
        self, request: Req, tool_id: FromPath[str], data: Annotated[ReturnForm, Form], principal: User, services: Svc
    ) -> Redirect:
        condition = data.condition.strip() or None
        if condition is not None and condition not in CONDITIONS:
            raise InvalidInput("choose one of the listed conditions", "condition")
        form = msgspec.convert({"condition": condition, "notes": _notes(data.notes)}, ToolReturn)
        try:
            tool = await services.tools.give_back(tool_id, form, principal)
        except Refused:
            now = await services.tools.get(tool_id)
            if not now.is_checked_out:
                return back(request, f"/t/{now.id}", "It is already back")
            raise
        return back(request, f"/t/{tool.id}", f"{tool.tool_name} is back, thank you")

    @get("/t/{tool_id:str}/label.png", opt=page_access("printer:use"))
    async def label(
        self, request: Req, tool_id: FromPath[str], services: Svc, template: FromQuery[str] = ""
    ) -> Response[bytes]:
        req = m.PreviewRequest(tool_id=tool_id, template_id=template or None)
        image, _ = await services.labels.preview(req, qr_base(request, services))
        return Response(image, media_type="image/png", headers={"Cache-Control": "no-store"})
