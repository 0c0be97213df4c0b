"""The part page /p/<id> (stock buttons, history, equivalents, label printing) and the location page /l/<id>."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from makermatrix_edge.inventory.models import Movement
from makermatrix_edge.labels import models as m
from makermatrix_edge.services import Services
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.orders import import_links, order_title
from makermatrix_edge.web.pages import live_token
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.place_picker import picker
from makermatrix_edge.web.printing import choices, printer_note, qr_base
from makermatrix_edge.web.render import page
from makermatrix_edge.web.suppliers import supplier_panel

HISTORY_SIZE = 15


async def print_context(services: Services, kind: str) -> dict[str, Any]:
    templates, loaded, default_fits = await choices(services, kind)
    note = printer_note(await services.labels.status(refresh=False))
    return {
        "templates": templates,
        "loaded_mm": loaded,
        "default_fits": default_fits,
        "printer_note": note,
        "max_copies": services.labels.cfg.max_copies,  # the field offers what the print service takes
    }


def merged(movements: list[Movement], changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stock movements and moves/edits in one list, newest first (the page shows HISTORY_SIZE)."""
    rows: list[dict[str, Any]] = [
        {"delta": mv.delta, "after": mv.quantity_after, "what": mv.reason, "who": mv.username or mv.source,
         "at": mv.created_at, "moved": mv.moved}
        for mv in movements
    ]  # fmt: skip
    rows += [
        {"delta": None, "what": c["what"], "who": c["username"] or c["source"], "at": c["created_at"]} for c in changes
    ]
    rows.sort(key=lambda r: (str(r["at"]), r["delta"] is None), reverse=True)
    return rows[:HISTORY_SIZE]


class PartPages(Controller):
    @get("/p/{part_id:str}", opt=page_access("parts:read"))
    async def part(
        self, request: Req, part_id: FromPath[str], principal: User, services: Svc, at: FromQuery[str] = ""
    ) -> Template:
        """`at` (a place's id) marks the place a cassette's label led here from."""
        part = await services.parts.get(part_id=part_id)
        can_move = principal.can("parts:write") and part.location_id is not None
        history, history_total = await services.parts.history(part.id, 1, HISTORY_SIZE)
        changes = await services.parts.changes(part.id, HISTORY_SIZE)
        path = await services.locations.path(part.location_id) if part.location_id else []
        equivalents = await services.equivalents.list_for(part.id)
        suggestions = await services.equivalents.suggest(part.id, 5)
        ordered, _ = await services.orders.part_history(part.id)
        return page(
            request,
            "part.html",
            principal,
            part=part,
            history=merged(history, changes),
            history_total=history_total,
            location_path=path,
            equivalents=equivalents,
            suggestions=suggestions,
            orders=[(o, order_title(o.supplier, o.order_number)) for o in ordered],
            order_links=import_links(ordered),
            datasheet=part.additional_properties.get("datasheet_url") or part.additional_properties.get("datasheet"),
            **await print_context(services, "part"),
            can_write=principal.can("parts:write"),
            at=at,
            move_to=can_move,
            to_pick=await picker(services, leave_out=part.location_id) if can_move else None,
            parent_pick=await picker(services) if can_move else None,
            can_new_cassette=can_move and principal.can("locations:write"),
            can_delete=principal.can("parts:delete"),
            can_print=principal.can("printer:use"),
            live_token=await live_token(services, principal),
            sp=await supplier_panel(services, part, principal),
        )

    @get("/p/{part_id:str}/label.png", opt=page_access("printer:use"))
    async def part_label(
        self, request: Req, part_id: FromPath[str], services: Svc, template: FromQuery[str] = ""
    ) -> Response[bytes]:
        req = m.PreviewRequest(part_id=part_id, template_id=template or None)
        image, _ = await services.labels.preview(req, qr_base(request, services))
        return Response(image, media_type="image/png", headers={"Cache-Control": "no-store"})


class LocationPages(Controller):
    @get("/l/{location_id:str}", opt=page_access("locations:read"))
    async def location(
        self, request: Req, location_id: FromPath[str], principal: User, services: Svc
    ) -> Template | Redirect:
        details = await services.locations.details(location_id)
        kept = await services.allocations.kept_at(location_id)
        if details.location.location_type == "cassette" and len(kept) == 1 and not details.subtree_parts_count:
            # A cassette holds a strip of one part: its label opens that part at this place.
            return Redirect(f"/p/{kept[0].part_id}?at={kept[0].allocation_id}", status_code=303)
        return page(
            request,
            "location.html",
            principal,
            d=details,
            kept=kept,
            **await print_context(services, "location"),
            can_print=principal.can("printer:use"),
            can_edit=principal.can("locations:write"),
        )

    @get("/l/{location_id:str}/label.png", opt=page_access("printer:use"))
    async def location_label(
        self, request: Req, location_id: FromPath[str], services: Svc, template: FromQuery[str] = ""
    ) -> Response[bytes]:
        req = m.PreviewRequest(location_id=location_id, template_id=template or None)
        image, _ = await services.labels.preview(req, qr_base(request, services))
        return Response(image, media_type="image/png", headers={"Cache-Control": "no-store"})
