"""The shared tools on the phone: /tools (find one, see who has what) and /t/<id> (its state, check out, return).

A tool label's QR opens /t/<id>, so a phone's own camera lands here. A double tap on "Check out" or
"Return" cannot change anything twice: the second one finds the tool already yours, or already back.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from makermatrix_edge.errors import InvalidInput, Refused
from makermatrix_edge.inventory.tool_models import ToolCheckout, ToolReturn, ToolSearch
from makermatrix_edge.labels import models as m
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.parts import print_context
from makermatrix_edge.web.printing import qr_base
from makermatrix_edge.web.render import Form, back, page

CONDITIONS = {"excellent": "Excellent", "good": "Good", "fair": "Fair", "poor": "Poor",
              "needs_repair": "Needs repair", "out_of_service": "Out of service"}  # fmt: skip
HISTORY_SIZE = 15


class CheckoutForm(msgspec.Struct):
    notes: str = ""


class ReturnForm(msgspec.Struct):
    condition: str = ""
    notes: str = ""


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
        return page(request, "tools.html", principal, tools=found.tools, total=found.total, q=term)

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
