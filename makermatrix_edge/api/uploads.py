"""Reading an uploaded file for the API and the phone pages."""

from __future__ import annotations

from litestar.datastructures import UploadFile


async def read_capped(upload: UploadFile, limit: int) -> bytes:
    """At most one byte past `limit` (enough for the service to refuse an oversized file), then closed.

    Reading no further keeps a huge upload from being copied into memory whole.
    """
    try:
        return await upload.read(limit + 1)
    finally:
        await upload.close()
