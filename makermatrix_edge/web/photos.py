"""A photo (or an order file) sent from a form: one way to read it for the photo, scan, move and import pages."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.httpkit.uploads import PHOTO_FILE_LIMIT, read_capped
from makermatrix_edge.scanning.service import ScanResult
from makermatrix_edge.services import Services

TAKE_PHOTO = "take or choose a photo first"
PHOTO_LIMIT_WORDS = f"{PHOTO_FILE_LIMIT // (1024 * 1024)} MB"  # the body limit's file part, said when refused
Multipart = Body(media_type=RequestEncodingType.MULTI_PART)


class PhotoForm(msgspec.Struct):
    file: UploadFile | None = None


PhotoData = Annotated[PhotoForm, Multipart]


async def read_upload(upload: UploadFile | None, limit: int, missing: str = TAKE_PHOTO, field: str = "photo") -> bytes:
    """The file's bytes, at most one past `limit` (the service refuses it in words); none chosen says `missing`."""
    if upload is None or not upload.filename:
        raise InvalidInput(missing, field)
    return await read_capped(upload, limit)


async def scan_upload(services: Services, upload: UploadFile | None, missing: str = TAKE_PHOTO) -> list[ScanResult]:
    """The codes in a photo the phone sent, read within the scanning service's size limit."""
    content = await read_upload(upload, services.scans.settings.max_image_bytes, missing)
    return await services.scans.scan_image(content)
