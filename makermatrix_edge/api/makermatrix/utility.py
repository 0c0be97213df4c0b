"""/api/utility: image upload and serving."""

from __future__ import annotations

import asyncio
import functools
from typing import Annotated, Literal

import msgspec
from litestar import Controller, delete, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import File

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.makermatrix.errors import EXCEPTION_HANDLERS
from makermatrix_edge.api.security import PUBLIC, access
from makermatrix_edge.httpkit.admission import photo_admission
from makermatrix_edge.httpkit.uploads import IMAGE_UPLOAD_BODY_LIMIT, read_capped
from makermatrix_edge.inventory.images import IMAGE_URL
from makermatrix_edge.services import Services
from makermatrix_edge.suppliers.registry import SuppliersCleared

CACHE_FOREVER = "public, max-age=31536000, immutable"  # an image id never names other bytes


class ImageUpload(msgspec.Struct):
    file: UploadFile


class UploadedImage(msgspec.Struct):
    image_id: str
    image_url: str
    content_type: str
    width: int
    height: int


class UploadAnswer(msgspec.Struct):
    """The envelope, with image_id also at the top level where makermatrix-api.md shows it."""

    status: Literal["success"]
    message: str
    data: UploadedImage
    image_id: str


class UtilityController(Controller):
    path = "/utility"
    tags = ["utility"]

    @post(
        "/upload_image",
        opt=access("parts:write"),
        status_code=200,
        request_max_body_size=IMAGE_UPLOAD_BODY_LIMIT,
        middleware=[photo_admission],
    )
    async def upload_image(
        self,
        data: Annotated[ImageUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        services: NamedDependency[Services],
    ) -> UploadAnswer:
        """Store a PNG, JPEG, GIF or WebP image (at most 20 MB, judged by its content)."""
        store = services.images
        content = await read_capped(data.file, store.max_bytes)
        stored = await services.decode_gate.run(lambda: store.save(content))  # decoded a few at a time
        body = UploadedImage(
            image_id=stored.image_id,
            image_url=IMAGE_URL + stored.filename,
            content_type=stored.content_type,
            width=stored.width,
            height=stored.height,
        )
        return UploadAnswer(status="success", message="Image uploaded successfully", data=body, image_id=body.image_id)

    # PUBLIC on purpose: <img> tags on the phone page cannot send a bearer token, and the ids are
    # random UUIDs handed out only to callers who may see them (capability URLs).
    @get("/get_image/{image_id:str}", opt=access(PUBLIC))
    async def get_image(
        self,
        image_id: FromPath[str],
        services: NamedDependency[Services],
        size: FromQuery[Literal["thumb", "page"] | None] = None,
    ) -> File:
        """The image as uploaded; `?size=thumb`: at most 256 px; `?size=page`: at most 800 px and 150 KB (JPEG)."""
        return await _image_file(services, image_id, size)

    @delete("/clear_suppliers", opt=access(ADMIN), status_code=200)
    async def clear_suppliers(
        self, principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[SuppliersCleared]:
        """Forget every supplier setting and credential an admin set and every part's supplier data (admin)."""
        cleared = await services.suppliers.clear_all(principal)
        return ok(
            cleared,
            "All supplier data has been cleared successfully; credentials in the config file still apply",
        )


async def _image_file(services: Services, image_id: str, size: str | None) -> File:
    find = functools.partial(services.images.path_for, image_id, thumb=size == "thumb", page=size == "page")
    # A smaller copy may have to be made (a decode): it waits its turn like an upload.
    path, content_type = await (services.decode_gate.run(find) if size else asyncio.to_thread(find))
    return File(
        path,
        media_type=content_type,
        filename=path.name,
        content_disposition_type="inline",
        headers={"Cache-Control": CACHE_FOREVER, "X-Content-Type-Options": "nosniff"},
    )


# The document's image URL form, `/utility/get_image/<id>.<ext>`, as MakerMatrix parts carry it in
# image_url (relative to the host). Public for the same reason as above; errors in the /api shape.
@get(
    "/utility/get_image/{image_id:str}",
    opt=access(PUBLIC),
    exception_handlers=EXCEPTION_HANDLERS,
    include_in_schema=False,
)
async def document_image_url(
    image_id: FromPath[str], services: NamedDependency[Services], size: FromQuery[Literal["thumb"] | None] = None
) -> File:
    return await _image_file(services, image_id, size)
