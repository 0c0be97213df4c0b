"""Reading an uploaded file for the API and the phone pages, and how large an upload's body may be.

Each body limit is the largest file the owning service takes plus room for the multipart framing;
the exact file limit stays the service's, so an oversized file gets its clear refusal from there.
"""

from __future__ import annotations

from litestar.datastructures import UploadFile

# A photo, to keep or to scan: the largest a service takes ([scanner] max_image_bytes, at most 20 MB:
# a 48 Mpx phone photo; past it a clear 413/422 in words from the service) plus the framing.
PHOTO_FILE_LIMIT = 20 * 1024 * 1024
IMAGE_UPLOAD_BODY_LIMIT = PHOTO_FILE_LIMIT + 1024 * 1024
SCAN_PHOTO_BODY_LIMIT = IMAGE_UPLOAD_BODY_LIMIT
# An order file: the largest (10 MB, the order service's limit) plus the framing.
ORDER_FILE_BODY_LIMIT = 11 * 1024 * 1024


async def read_capped(upload: UploadFile, limit: int) -> bytes:
    """At most one byte past `limit` (enough for the service to refuse an oversized file), then closed.

    Reading no further keeps a huge upload from being copied into memory whole.
    """
    try:
        return await upload.read(limit + 1)
    finally:
        await upload.close()


# A project's BOM file: the largest (2 MB, projects/bom_formats.py) plus the framing.
BOM_FILE_BODY_LIMIT = 3 * 1024 * 1024
