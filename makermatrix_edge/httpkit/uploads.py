"""Reading an uploaded file for the API and the phone pages, and how large an upload's body may be.

Each body limit is the largest file the owning service takes plus room for the multipart framing;
the exact file limit stays the service's, so an oversized file gets its clear refusal from there.
"""

from __future__ import annotations

from litestar.datastructures import UploadFile

# A part's photo: room for a 5 MB file (the image store's limit, a clear 413) plus the framing.
IMAGE_UPLOAD_BODY_LIMIT = 6 * 1024 * 1024
# A photo to scan for codes: a 10 MB photo (the scanning service's limit, a clear 422) plus the framing.
SCAN_PHOTO_BODY_LIMIT = 11 * 1024 * 1024
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
