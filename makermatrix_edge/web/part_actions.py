"""A part's photo (straight from the phone's camera) and deleting a part (after a confirmation; history kept)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.httpkit.admission import photo_admission
from makermatrix_edge.httpkit.uploads import IMAGE_UPLOAD_BODY_LIMIT, read_capped
from makermatrix_edge.inventory.images import IMAGE_URL
from makermatrix_edge.inventory.models import PartUpdate
from makermatrix_edge.services import Services
from makermatrix_edge.web.render import CsrfForm, Form, back, page
from makermatrix_edge.web.session import check_csrf, require


class PhotoUpload(msgspec.Struct):
    file: UploadFile | None = None
    csrf_token: str = ""


class PartActions(Controller):
    @post(
        "/p/{part_id:str}/photo",
        status_code=303,
        request_max_body_size=IMAGE_UPLOAD_BODY_LIMIT,
        middleware=[photo_admission],  # like upload_image: the same gate for bodies and decodes
    )
    async def photo(
        self,
        request: Request[Any, Any, Any],
        part_id: FromPath[str],
        data: Annotated[PhotoUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        services: NamedDependency[Services],
    ) -> Redirect:
        check_csrf(request, data.csrf_token)
        principal = await require(request, services, "parts:write")
        if data.file is None or not data.file.filename:
            raise InvalidInput("take or choose a photo first", "photo")
        store = services.images
        content = await read_capped(data.file, store.max_bytes)
        stored = await services.decode_gate.run(lambda: store.save(content))
        update = PartUpdate(image_url=IMAGE_URL + stored.filename)
        done = await services.parts.update(part_id, update, principal, source="phone")
        return back(request, f"/p/{done.id}", "Photo saved")

    @get("/p/{part_id:str}/delete")
    async def ask_delete(
        self, request: Request[Any, Any, Any], part_id: FromPath[str], services: NamedDependency[Services]
    ) -> Template:
        principal = await require(request, services, "parts:delete")
        part = await services.parts.get(part_id=part_id)
        return page(request, "part_delete.html", principal, part=part)

    @post("/p/{part_id:str}/delete", status_code=303)
    async def delete(
        self,
        request: Request[Any, Any, Any],
        part_id: FromPath[str],
        data: Annotated[CsrfForm, Form],
        services: NamedDependency[Services],
    ) -> Redirect:
        check_csrf(request, data.csrf_token)
        principal = await require(request, services, "parts:delete")
        gone = await services.parts.delete(principal, part_id=part_id)
        return back(request, "/", f"Deleted '{gone.part_name}'; its stock history is kept")
