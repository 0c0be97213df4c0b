"""Move a part: the place picker (recent places first, the named place first in a search), or a label scanned.

The answer says where it came from and offers Undo for a minute, as a stock change does (web/stock.py).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from makermatrix_edge.errors import Conflict, InvalidInput
from makermatrix_edge.httpkit.admission import photo_admission
from makermatrix_edge.httpkit.uploads import SCAN_PHOTO_BODY_LIMIT
from makermatrix_edge.inventory.models import PartUpdate, PartView
from makermatrix_edge.services import Services
from makermatrix_edge.web.flash import Undo
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.photos import PHOTO_LIMIT_WORDS, PhotoData, scan_upload
from makermatrix_edge.web.place_picker import picker
from makermatrix_edge.web.render import Form, back, page
from makermatrix_edge.web.session import csrf_token
from makermatrix_edge.web.stock import spend_undo


class MoveForm(msgspec.Struct):
    location_id: str = ""


class UndoMoveForm(msgspec.Struct):
    back_to: str = ""
    moved_to: str = ""
    at: str = ""
    sig: str = ""


class MovePages(Controller):
    @get("/p/{part_id:str}/move", opt=page_access("parts:write"))
    async def move_page(
        self, request: Req, part_id: FromPath[str], principal: User, services: Svc, q: FromQuery[str] = ""
    ) -> Template:
        part = await services.parts.get(part_id=part_id)
        found = await picker(services, q, leave_out=part.location_id)
        return page(request, "move.html", principal, part=part, p=found, mode="move", field="location_id")

    @post("/p/{part_id:str}/move", opt=page_access("parts:write"), status_code=303)
    async def move(
        self, request: Req, part_id: FromPath[str], data: Annotated[MoveForm, Form], principal: User, services: Svc
    ) -> Redirect:
        return await self._move_to(request, services, principal, part_id, data.location_id.strip() or None)

    @post(
        "/p/{part_id:str}/move/scan",
        opt=page_access("parts:write", PHOTO_LIMIT_WORDS),
        status_code=303,
        request_max_body_size=SCAN_PHOTO_BODY_LIMIT,
        middleware=[photo_admission],
    )
    async def move_by_label(
        self, request: Req, part_id: FromPath[str], data: PhotoData, principal: User, services: Svc
    ) -> Redirect:
        """A photo of a location's label: the part moves there."""
        results = await scan_upload(services, data.file, "take a photo of the location's label first")
        places = [r.location for r in results if r.location is not None]
        if not places:
            raise InvalidInput("No location label in the photo. Hold the phone closer to the label and try again.")
        return await self._move_to(request, services, principal, part_id, places[0].id)

    async def _move_to(
        self, request: Request[Any, Any, Any], services: Services, principal: Any, part_id: str, target: str | None
    ) -> Redirect:
        before = await services.parts.get(part_id=part_id)
        done = await services.parts.update(before.id, PartUpdate(location_id=target), principal, source="phone")
        where = _path(done)
        if before.location_id == done.location_id:
            return back(request, f"/p/{done.id}", f"It is in {where} already")
        at = float(services.clock())
        came, went = before.location_id or "", done.location_id or ""
        undo = Undo(done.id, 0, at, _signature(request, services, done.id, came, went, at), came, went)
        return back(request, f"/p/{done.id}", f"Moved from {_path(before)} to {where}", undo)

    @post("/p/{part_id:str}/move/undo", opt=page_access("parts:write"), status_code=303)
    async def undo_move(
        self, request: Req, part_id: FromPath[str], data: Annotated[UndoMoveForm, Form], principal: User, services: Svc
    ) -> Redirect:
        """Put the part back where the move took it from, if it is still where the move put it."""
        try:
            at = float(data.at)
        except ValueError:
            raise InvalidInput("This undo button is broken; reload the page") from None
        sig = _signature(request, services, part_id, data.back_to, data.moved_to, at)
        with spend_undo(request, services, sig, data.sig, at):
            now = await services.parts.get(part_id=part_id)
            if (now.location_id or "") != data.moved_to:
                raise Conflict(f"It was moved again since (it is in {_path(now)}); move it by hand")
            update = PartUpdate(location_id=data.back_to or None)
            done = await services.parts.update(now.id, update, principal, source="phone")
        return back(request, f"/p/{done.id}", f"Moved back to {_path(done)}")


def _path(part: PartView) -> str:
    return part.location.path if part.location else "no location"


def _signature(
    request: Request[Any, Any, Any], services: Services, part_id: str, came: str, went: str, at: float
) -> str:
    # Tied to the session through its CSRF token, as a stock change's undo is (web/stock.py).
    return services.auth.page_mac("undo-move", f"{part_id}|{came}|{went}|{at!r}|{csrf_token(request)}")
