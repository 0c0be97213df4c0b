"""Move a part: the place picker (recent places first, the named place first in a search), or a label scanned."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.httpkit.admission import photo_admission
from makermatrix_edge.httpkit.uploads import SCAN_PHOTO_BODY_LIMIT
from makermatrix_edge.inventory.models import PartUpdate
from makermatrix_edge.services import Services
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.photos import PHOTO_LIMIT_WORDS, PhotoData, scan_upload
from makermatrix_edge.web.place_picker import picker
from makermatrix_edge.web.render import Form, back, page


class MoveForm(msgspec.Struct):
    location_id: str = ""


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
        done = await services.parts.update(part_id, PartUpdate(location_id=target), principal, source="phone")
        where = done.location.path if done.location else "no location"
        return back(request, f"/p/{done.id}", f"Moved to {where}")
