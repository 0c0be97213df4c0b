"""Import an order on the phone: pick the file, see what it would do, confirm, see the parts and print their labels.

The previewed file is kept in the data dir under a random token until it is confirmed, so the phone
does not upload it twice; the confirm imports exactly those bytes.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import DomainError, Overloaded
from makermatrix_edge.httpkit.uploads import ORDER_FILE_BODY_LIMIT
from makermatrix_edge.orders.importers.base import FileTooLarge, UnsupportedFile
from makermatrix_edge.orders.messages import import_message
from makermatrix_edge.orders.models import ImportOptions
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.photos import Multipart, read_upload
from makermatrix_edge.web.render import Form, back, form_error, page, refused

IMPORT = "csv:import"
LABELS = {"file": "", "order_date": "The order date", "staged": "", "location_id": "The place for the new parts"}
STATUS: dict[type[Exception], int] = {FileTooLarge: 413, UnsupportedFile: 415, Overloaded: 503}


class UploadForm(msgspec.Struct):
    file: UploadFile | None = None
    order_number: str = ""


class ConfirmForm(msgspec.Struct):
    staged: str = ""
    filename: str = ""
    order_number: str = ""
    force: str = ""
    location_id: str = ""  # where the new parts go ("": the Unsorted location)


def _form(
    request: Request[Any, Any, Any], principal: Principal, error: str | None = None, status_code: int = 200
) -> Template:
    return page(request, "import.html", principal, status_code=status_code, preview=None, error=error)


class ImportPages(Controller):
    @get("/import", opt=page_access(IMPORT))
    async def import_page(self, request: Req, principal: User) -> Template:
        return _form(request, principal)

    @post("/import", opt=page_access(IMPORT), status_code=200, request_max_body_size=ORDER_FILE_BODY_LIMIT)
    async def preview(
        self, request: Req, data: Annotated[UploadForm, Multipart], principal: User, services: Svc
    ) -> Template:
        orders = services.orders
        try:
            content = await read_upload(
                data.file, orders.settings.max_file_bytes, "choose the order file first", "file"
            )
            filename = data.file.filename if data.file else ""
            options = ImportOptions(order_number=data.order_number.strip()[:100] or None)
            preview = await orders.preview(content, filename, options)
            staged = (
                await asyncio.to_thread(orders.uploads.stage_preview, content, principal.user_id)
                if preview.errors == []
                else None
            )
        except DomainError as exc:
            sentence, status = form_error(exc, LABELS)
            return _form(request, principal, sentence, STATUS.get(type(exc), status))
        return page(
            request,
            "import.html",
            principal,
            preview=preview,
            staged=staged,
            order_number=options.order_number or "",
            locations=await services.locations.list_flat(),
            error=None,
        )

    @post("/import/confirm", opt=page_access(IMPORT), status_code=303)
    async def confirm(
        self, request: Req, data: Annotated[ConfirmForm, Form], principal: User, services: Svc
    ) -> Redirect:
        orders = services.orders
        try:
            content = await asyncio.to_thread(orders.uploads.read_preview, data.staged, principal.user_id)
            options = ImportOptions(
                order_number=data.order_number.strip()[:100] or None,
                force=data.force == "1",
                location_id=data.location_id.strip()[:64] or None,
            )
            result = await orders.import_file(content, data.filename[:300] or "order", options, principal)
        except DomainError as exc:  # the preview is gone with the post: back to choosing the file
            return refused(request, "/import", exc, labels=LABELS)
        await asyncio.to_thread(orders.uploads.discard_preview, data.staged, principal.user_id)
        if result.order_id is None:  # a large file: it runs as a task
            return back(request, "/tasks", import_message(result))
        return back(request, f"/orders/{result.order_id}", import_message(result))
