"""Printing a label from the part and location pages: sizes that fit the loaded tape first, failures in red."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, post
from litestar.params import FromPath
from litestar.response import Redirect

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.devices.printer.media import label_size
from makermatrix_edge.errors import DomainError
from makermatrix_edge.httpkit.own_host import machine_names, own_base
from makermatrix_edge.labels import models as m
from makermatrix_edge.labels.job_words import said
from makermatrix_edge.labels.templates import Template as LabelTemplate
from makermatrix_edge.services import Services
from makermatrix_edge.web import flash
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.render import Form, back
from makermatrix_edge.web.stock import whole


class PrintForm(msgspec.Struct):
    template: str = ""
    copies: str = "1"


class Choice(msgspec.Struct):
    id: str
    name: str
    width_mm: int | None
    fits: bool


def _width(size_name: str) -> int | None:
    try:
        return label_size(size_name).width_mm
    except DomainError:
        return None


async def loaded_width(services: Services) -> int | None:
    """The loaded tape's width as last reported (no device round trip: pages never wait on the printer)."""
    status = await services.labels.status(refresh=False)
    return status.media.width_mm if status.media else None


def printer_note(status: m.PrinterStatusView) -> str | None:
    """What the print form says before Print is tapped when the printer, as last seen, cannot print."""
    why = f" ({status.reason})" if status.reason else ""
    if status.state == "disabled":
        return "Printing is turned off in the settings."
    if status.state in ("offline", "error"):
        return f"Printer offline{why}: check its power, cable and cover; Print works once it is back."
    return None


async def choices(services: Services, kind: str) -> tuple[list[Choice], int | None, bool]:
    """The templates for `kind`, those fitting the loaded tape first; and whether the default fits."""
    loaded = await loaded_width(services)
    found: list[LabelTemplate] = [t for t in await services.labels.templates.list() if t.kind == kind]
    out = [
        Choice(id=t.id, name=t.name, width_mm=(w := _width(t.label_size)), fits=loaded is not None and w == loaded)
        for t in found
    ]
    out.sort(key=lambda c: not c.fits)  # stable: the store's order within each group
    default_fits = loaded is None or _width(services.labels.cfg.default_label) == loaded
    return out, loaded, default_fits


async def advice(services: Services, template_id: str | None) -> str:
    """What to do about a failed print: the tape to load, or the template to choose instead."""
    loaded = await loaded_width(services)
    if template_id:
        wanted = _width((await services.labels.templates.get(template_id)).label_size)
    else:
        wanted = _width(services.labels.cfg.default_label)
    if loaded is not None and wanted is not None and loaded != wanted:
        return f"Load {wanted} mm tape, or choose a template marked for the loaded {loaded} mm tape."
    return "Check the printer (power, cover closed, tape loaded) on the Printer page, then print again."


def qr_base(request: Request[Any, Any, Any], services: Services) -> str | None:
    """The address the phone used (http://192.168.1.20:8080) for label QR codes, when it names this daemon.

    None (the configured [server] public_url, or http://<hostname>.local) for any other Host header:
    it is the client's to choose, so a forged one must not end up printed on a label.
    """
    server = request.scope.get("server")
    arrived_on = (str(server[0]), int(server[1])) if server and server[1] is not None else None
    cfg = services.settings.server
    return own_base(
        request.headers.get("host", ""),
        request.url.scheme,
        arrived_on,
        cfg.public_url,
        machine_names(),
        (cfg.port,),
    )


def _request(form: PrintForm) -> m.PrintRequest:
    # The range is the print service's (labels max_copies), the one limit the page's field shows too.
    copies = whole(form.copies or "1", "copies")
    return m.PrintRequest(copies=copies, template=form.template.strip() or None, wait=True)


async def _print(
    request: Request[Any, Any, Any],
    services: Services,
    principal: Principal,
    kind: Literal["part", "location", "tool"],
    entity_id: str,
    form: PrintForm,
) -> Redirect:
    """Print and wait; a failure goes back to the page in red, with what to do about it."""
    base_url = qr_base(request, services)
    job = await services.labels.print_entity(kind, entity_id, _request(form), principal, base_url=base_url)
    url = f"/{kind[0]}/{entity_id}"  # /p/, /l/ or /t/
    if job.state == "failed":
        text = f"{said(job)}. {await advice(services, form.template.strip() or None)}"
        return flash.redirect(
            request,
            url,
            flash.Flash(error=text, action=request.url.path, kept={"template": form.template, "copies": form.copies}),
        )
    return back(request, url, said(job))


class PrintPages(Controller):
    @post("/p/{part_id:str}/print", opt=page_access("printer:use"), status_code=303)
    async def print_part(
        self, request: Req, part_id: FromPath[str], data: Annotated[PrintForm, Form], principal: User, services: Svc
    ) -> Redirect:
        return await _print(request, services, principal, "part", part_id, data)

    @post("/l/{location_id:str}/print", opt=page_access("printer:use"), status_code=303)
    async def print_location(
        self, request: Req, location_id: FromPath[str], data: Annotated[PrintForm, Form], principal: User, services: Svc
    ) -> Redirect:
        return await _print(request, services, principal, "location", location_id, data)

    @post("/t/{tool_id:str}/print", opt=page_access("printer:use"), status_code=303)
    async def print_tool(
        self, request: Req, tool_id: FromPath[str], data: Annotated[PrintForm, Form], principal: User, services: Svc
    ) -> Redirect:
        return await _print(request, services, principal, "tool", tool_id, data)
