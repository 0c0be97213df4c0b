"""Move several parts at once: parts ticked in a list, or an imported order's new parts, to one place.

The picker is the one a single part's move uses (web/place_picker.py); the move itself is one transaction
(PartService.move_many), each moved part noting it in its history. Sending the same move again
changes nothing (the parts are already there), so a double tap or a reload is harmless.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from makermatrix_edge.inventory.parts import MAX_MOVE
from makermatrix_edge.orders.models import PartPlace
from makermatrix_edge.services import Services
from makermatrix_edge.web import flash as fl
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.place_picker import picker
from makermatrix_edge.web.render import Form, back, page
from makermatrix_edge.web.session import safe_next

NOTHING_TICKED = "Tick the parts to move first (the box beside each part), then tap “Move selected to …”."


class MoveManyForm(msgspec.Struct):
    part_id: list[str] | str = msgspec.field(default_factory=list)
    order_id: str = ""
    location_id: str = ""
    next: str = ""


class Chosen(msgspec.Struct):
    id: str
    part_name: str
    location: str | None


def _ids(value: list[str] | str) -> list[str]:
    """A form sends one ticked box as a string, several as a list."""
    values = [value] if isinstance(value, str) else value
    return list(dict.fromkeys(v.strip()[:64] for v in values if v.strip()))[: MAX_MOVE + 1]


async def chosen_parts(services: Services, part_ids: list[str], order_id: str) -> list[Chosen]:
    """The parts to move, as they are now: the ticked ones that still exist, or the order's new parts."""
    if order_id:
        order = await services.orders.get_order(order_id)
        places = await services.orders.order_parts(order_id)
        created = dict.fromkeys(i.part_id for i in order.order_items or [] if i.action == "created" and i.part_id)
        return [_chosen(p, places[p]) for p in created if p in places]

    def load(db: Any) -> list[Chosen]:
        marks = ", ".join("?" * len(part_ids))
        rows = db.execute(
            f"SELECT p.id, p.part_name, l.path FROM parts p LEFT JOIN locations l ON l.id = p.location_id "
            f"WHERE p.id IN ({marks})",
            part_ids,
        ).fetchall()
        found = {r[0]: Chosen(id=r[0], part_name=r[1], location=r[2]) for r in rows}
        return [found[p] for p in part_ids if p in found]

    return await services.db.read(load) if part_ids else []


def _chosen(part_id: str, place: PartPlace) -> Chosen:
    return Chosen(id=part_id, part_name=place.part_name, location=place.location)


class MoveManyPages(Controller):
    @get("/parts/move", opt=page_access("parts:write"))
    async def pick_place(
        self,
        request: Req,
        principal: User,
        services: Svc,
        part_id: FromQuery[list[str] | None] = None,
        order_id: FromQuery[str] = "",
        q: FromQuery[str] = "",
        next: FromQuery[str] = "/",
    ) -> Template | Redirect:
        target = safe_next(next)
        ids = _ids(part_id or [])
        chosen = await chosen_parts(services, ids, order_id.strip()[:64])
        if not chosen:
            return fl.redirect(request, target, fl.Flash(error=NOTHING_TICKED))
        keep = [("order_id", order_id)] if order_id else [("part_id", c.id) for c in chosen]
        return page(
            request,
            "move_many.html",
            principal,
            chosen=chosen,
            keep=[*keep, ("next", target)],
            next=target,
            p=await picker(services, q),
            mode="move",
            field="location_id",
        )

    @post("/parts/move", opt=page_access("parts:write"), status_code=303)
    async def move(self, request: Req, data: Annotated[MoveManyForm, Form], principal: User, services: Svc) -> Redirect:
        target = safe_next(data.next)
        chosen = await chosen_parts(services, _ids(data.part_id), data.order_id.strip()[:64])
        if not chosen:
            return fl.redirect(request, target, fl.Flash(error=NOTHING_TICKED))
        place = data.location_id.strip() or None
        moved, where = await services.parts.move_many([c.id for c in chosen], place, principal, source="phone")
        n = len(chosen)
        said = f"Moved {n} part{'' if n == 1 else 's'} to {where}"
        if moved < n:
            said += f" ({n - moved} {'was' if n - moved == 1 else 'were'} there already)"
        return back(request, target, said)
