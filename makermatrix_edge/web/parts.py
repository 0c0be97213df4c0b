"""The part page /p/<id> (stock buttons, history, equivalents, label printing) and the location page /l/<id>."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from makermatrix_edge.api.makermatrix.printer import said
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.labels import models as m
from makermatrix_edge.labels.templates import Template as LabelTemplate
from makermatrix_edge.services import Services
from makermatrix_edge.web.pages import Form, live_token
from makermatrix_edge.web.render import back, page
from makermatrix_edge.web.session import check_csrf, require
from makermatrix_edge.web.suppliers import supplier_panel

HISTORY_SIZE = 15


class AdjustForm(msgspec.Struct):
    csrf_token: str = ""
    delta: str = ""  # "-1" / "+1" from the buttons
    take: str = ""  # "take N" field
    add: str = ""  # "add N" field (receiving)


class PrintForm(msgspec.Struct):
    csrf_token: str = ""
    template: str = ""
    copies: str = "1"


def _whole(text: str, field: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput("must be a whole number", field) from None


def _delta(form: AdjustForm) -> tuple[int, str]:
    if form.take.strip():
        n = _whole(form.take, "take")
        if n < 1:
            raise InvalidInput("must be 1 or more", "take")
        return -n, "taken"
    if form.add.strip():
        n = _whole(form.add, "add")
        if n < 1:
            raise InvalidInput("must be 1 or more", "add")
        return n, "added"
    n = _whole(form.delta, "delta")
    return n, "taken" if n < 0 else "added"


async def _templates(services: Services, kind: str) -> list[LabelTemplate]:
    return [t for t in await services.labels.templates.list() if t.kind == kind]


def _print_request(form: PrintForm) -> m.PrintRequest:
    copies = _whole(form.copies or "1", "copies")
    if not 1 <= copies <= 100:
        raise InvalidInput("must be between 1 and 100", "copies")
    return m.PrintRequest(copies=copies, template=form.template.strip() or None, wait=True)


class PartPages(Controller):
    @get("/p/{part_id:str}")
    async def part(
        self, request: Request[Any, Any, Any], part_id: FromPath[str], services: NamedDependency[Services]
    ) -> Template:
        principal = await require(request, services, "parts:read")
        part = await services.parts.get(part_id=part_id)
        history, history_total = await services.parts.history(part.id, 1, HISTORY_SIZE)
        path = await services.locations.path(part.location_id) if part.location_id else []
        equivalents = await services.equivalents.list_for(part.id)
        suggestions = await services.equivalents.suggest(part.id, 5)
        return page(
            request,
            "part.html",
            principal,
            part=part,
            history=history,
            history_total=history_total,
            location_path=path,
            equivalents=equivalents,
            suggestions=suggestions,
            datasheet=part.additional_properties.get("datasheet_url") or part.additional_properties.get("datasheet"),
            templates=await _templates(services, "part"),
            can_write=principal.can("parts:write"),
            can_print=principal.can("printer:use"),
            live_token=await live_token(services, principal),
            sp=await supplier_panel(services, part, principal),
        )

    @post("/p/{part_id:str}/adjust", status_code=303)
    async def adjust(
        self,
        request: Request[Any, Any, Any],
        part_id: FromPath[str],
        data: Annotated[AdjustForm, Form],
        services: NamedDependency[Services],
    ) -> Redirect:
        check_csrf(request, data.csrf_token)
        principal = await require(request, services, "parts:write")
        delta, verb = _delta(data)
        done = await services.parts.adjust(part_id, delta, f"{verb} on the phone page", principal, source="phone")
        return back(f"/p/{done.id}", f"{verb.capitalize()} {abs(delta)}: {done.quantity} left")

    @get("/p/{part_id:str}/label.png")
    async def part_label(
        self,
        request: Request[Any, Any, Any],
        part_id: FromPath[str],
        services: NamedDependency[Services],
        template: FromQuery[str] = "",
    ) -> Response[bytes]:
        await require(request, services, "printer:use")
        image, _ = await services.labels.preview(m.PreviewRequest(part_id=part_id, template_id=template or None))
        return Response(image, media_type="image/png", headers={"Cache-Control": "no-store"})

    @post("/p/{part_id:str}/print", status_code=200)
    async def print_part(
        self,
        request: Request[Any, Any, Any],
        part_id: FromPath[str],
        data: Annotated[PrintForm, Form],
        services: NamedDependency[Services],
    ) -> Redirect:
        check_csrf(request, data.csrf_token)
        principal = await require(request, services, "printer:use")
        job = await services.labels.print_entity("part", part_id, _print_request(data), principal)
        return back(f"/p/{part_id}", said(job))


class LocationPages(Controller):
    @get("/l/{location_id:str}")
    async def location(
        self, request: Request[Any, Any, Any], location_id: FromPath[str], services: NamedDependency[Services]
    ) -> Template:
        principal = await require(request, services, "locations:read")
        details = await services.locations.details(location_id)
        return page(
            request,
            "location.html",
            principal,
            d=details,
            templates=await _templates(services, "location"),
            can_print=principal.can("printer:use"),
            can_edit=principal.can("locations:write"),
        )

    @get("/l/{location_id:str}/label.png")
    async def location_label(
        self,
        request: Request[Any, Any, Any],
        location_id: FromPath[str],
        services: NamedDependency[Services],
        template: FromQuery[str] = "",
    ) -> Response[bytes]:
        await require(request, services, "printer:use")
        req = m.PreviewRequest(location_id=location_id, template_id=template or None)
        image, _ = await services.labels.preview(req)
        return Response(image, media_type="image/png", headers={"Cache-Control": "no-store"})

    @post("/l/{location_id:str}/print", status_code=200)
    async def print_location(
        self,
        request: Request[Any, Any, Any],
        location_id: FromPath[str],
        data: Annotated[PrintForm, Form],
        services: NamedDependency[Services],
    ) -> Redirect:
        check_csrf(request, data.csrf_token)
        principal = await require(request, services, "printer:use")
        job = await services.labels.print_entity("location", location_id, _print_request(data), principal)
        return back(f"/l/{location_id}", said(job))
