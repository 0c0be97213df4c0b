"""Scan with the phone: a photo from the camera app (works over plain HTTP), its codes, receive the bag."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from makermatrix_edge.errors import Conflict, InvalidInput
from makermatrix_edge.httpkit.admission import photo_admission
from makermatrix_edge.httpkit.uploads import SCAN_PHOTO_BODY_LIMIT, read_capped
from makermatrix_edge.scanning.receive import ReceiveRequest, receive
from makermatrix_edge.services import Services
from makermatrix_edge.web.render import Form, back, page
from makermatrix_edge.web.scan_view import cards, last_receipt, preview
from makermatrix_edge.web.session import check_csrf, require


class PhotoForm(msgspec.Struct):
    file: UploadFile | None = None
    csrf_token: str = ""


class ReceiveForm(msgspec.Struct):
    csrf_token: str = ""
    payload: str = ""
    part_id: str = ""
    quantity: str = ""
    force: str = ""
    location_id: str = ""


class ScanPages(Controller):
    @get("/scan")
    async def scan_page(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Template:
        principal = await require(request, services, "parts:read")
        return page(request, "scan.html", principal, results=None, can_write=principal.can("parts:write"))

    @post("/scan", status_code=200, request_max_body_size=SCAN_PHOTO_BODY_LIMIT, middleware=[photo_admission])
    async def scan_photo(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[PhotoForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        services: NamedDependency[Services],
    ) -> Template:
        check_csrf(request, data.csrf_token)
        principal = await require(request, services, "parts:read")
        if data.file is None or not data.file.filename:
            raise InvalidInput("take or choose a photo first", "photo")
        content = await read_capped(data.file, services.scans.settings.max_image_bytes)
        results = await services.scans.scan_image(content)
        return page(request, "scan.html", principal, **await cards(services, results, principal.can("parts:write")))

    @post("/scan/receive", status_code=200)
    async def receive_bag(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[ReceiveForm, Form],
        services: NamedDependency[Services],
    ) -> Redirect | Template:
        check_csrf(request, data.csrf_token)
        principal = await require(request, services, "parts:write")
        quantity = None
        if data.quantity.strip():
            try:
                quantity = int(data.quantity)
            except ValueError:
                raise InvalidInput("must be a whole number", "quantity") from None
        try:
            req = ReceiveRequest(
                payload=data.payload,
                part_id=data.part_id.strip() or None,
                quantity=quantity,
                force=data.force == "1",
                location_id=data.location_id.strip() or None,
            )
            msgspec.convert(msgspec.to_builtins(req), ReceiveRequest)  # the same limits as the API's body
        except msgspec.ValidationError as exc:
            raise InvalidInput(str(exc)) from None
        try:
            done = await receive(services.scans, req, principal)
        except Conflict:
            if req.force or not await last_receipt(services, req.payload):
                raise
            # Received before (another phone, or the card was old): ask once, on the bag's own card.
            again = await preview(services, req.payload)
            return page(request, "scan.html", principal, **await cards(services, [again], True))
        verb = "Added" if done.action == "created" else "Received"
        return back(request, f"/p/{done.part.id}", f"{verb} {done.quantity_added}: {done.part.quantity} in stock")
