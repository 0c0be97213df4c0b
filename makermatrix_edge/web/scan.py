"""Scan with the phone: a photo from the camera app (works over plain HTTP), its codes, receive the bag."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.response import Redirect, Template

from makermatrix_edge.errors import Conflict, InvalidInput
from makermatrix_edge.httpkit.admission import photo_admission
from makermatrix_edge.httpkit.uploads import SCAN_PHOTO_BODY_LIMIT
from makermatrix_edge.scanning.receive import ReceiveRequest, receive
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.photos import PHOTO_LIMIT_WORDS, PhotoData, scan_upload
from makermatrix_edge.web.render import Form, back, page
from makermatrix_edge.web.scan_view import cards, landing, last_receipt, preview


class ReceiveForm(msgspec.Struct):
    payload: str = ""
    part_id: str = ""
    quantity: str = ""
    force: str = ""
    location_id: str = ""


class ScanPages(Controller):
    @get("/scan", opt=page_access("parts:read"))
    async def scan_page(self, request: Req, principal: User) -> Template:
        return page(request, "scan.html", principal, results=None, can_write=principal.can("parts:write"))

    @post(
        "/scan",
        opt=page_access("parts:read", PHOTO_LIMIT_WORDS),
        status_code=200,
        request_max_body_size=SCAN_PHOTO_BODY_LIMIT,
        middleware=[photo_admission],
    )
    async def scan_photo(self, request: Req, data: PhotoData, principal: User, services: Svc) -> Template | Redirect:
        results = await scan_upload(services, data.file)
        if len(results) == 1 and (target := landing(results[0])) is not None:
            return Redirect(path=target, status_code=303)  # our own label: its page, as when typed in Find
        return page(request, "scan.html", principal, **await cards(services, results, principal.can("parts:write")))

    @post("/scan/receive", opt=page_access("parts:write"), status_code=200)
    async def receive_bag(
        self, request: Req, data: Annotated[ReceiveForm, Form], principal: User, services: Svc
    ) -> Redirect | Template:
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
            done = await receive(services.scans, req, principal, source="phone")
        except Conflict:
            if req.force or not await last_receipt(services, req.payload):
                raise
            # Received before (another phone, or the card was old): ask once, on the bag's own card.
            again = await preview(services, req.payload)
            return page(request, "scan.html", principal, **await cards(services, [again], True))
        verb = "Added" if done.action == "created" else "Received"
        return back(request, f"/p/{done.part.id}", f"{verb} {done.quantity_added}: {done.part.quantity} in stock")
