"""A part's photo (straight from the phone's camera) and deleting a part (after a confirmation; history kept)."""

from __future__ import annotations

import contextlib

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from makermatrix_edge.httpkit.admission import photo_admission
from makermatrix_edge.httpkit.uploads import IMAGE_UPLOAD_BODY_LIMIT
from makermatrix_edge.inventory.images import IMAGE_URL, ImageStore, StoredImage, UnsupportedImage
from makermatrix_edge.inventory.models import PartUpdate
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.photos import PHOTO_LIMIT_WORDS, PhotoData, read_upload
from makermatrix_edge.web.render import back, page


def _save_with_page_copy(store: ImageStore, content: bytes) -> StoredImage:
    """Store the photo and make the part page's copy now, while it is at hand: the page opens at once."""
    stored = store.save(content)
    with contextlib.suppress(UnsupportedImage):  # judged like the original; else made (or refused) on first view
        store.path_for(stored.filename, page=True)
    return stored


class PartActions(Controller):
    @post(
        "/p/{part_id:str}/photo",
        opt=page_access("parts:write", PHOTO_LIMIT_WORDS),
        status_code=303,
        request_max_body_size=IMAGE_UPLOAD_BODY_LIMIT,
        middleware=[photo_admission],  # like upload_image: the same gate for bodies and decodes
    )
    async def photo(
        self, request: Req, part_id: FromPath[str], data: PhotoData, principal: User, services: Svc
    ) -> Redirect:
        store = services.images
        content = await read_upload(data.file, store.max_bytes)
        stored = await services.decode_gate.run(lambda: _save_with_page_copy(store, content))
        update = PartUpdate(image_url=IMAGE_URL + stored.filename)
        done = await services.parts.update(part_id, update, principal, source="phone")
        return back(request, f"/p/{done.id}", "Photo saved")

    @get("/p/{part_id:str}/delete", opt=page_access("parts:delete"))
    async def ask_delete(self, request: Req, part_id: FromPath[str], principal: User, services: Svc) -> Template:
        part = await services.parts.get(part_id=part_id)
        return page(request, "part_delete.html", principal, part=part)

    @post("/p/{part_id:str}/delete", opt=page_access("parts:delete"), status_code=303)
    async def delete(self, request: Req, part_id: FromPath[str], principal: User, services: Svc) -> Redirect:
        gone = await services.parts.delete(principal, part_id=part_id)
        return back(request, "/", f"Deleted '{gone.part_name}'; its stock history is kept")
