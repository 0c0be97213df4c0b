"""Pictures that are small on disk and big once decoded, made once per test session."""

from __future__ import annotations

import functools
import io

from PIL import Image

BIG = (6000, 6600)  # just under the 40 Mpx limit


@functools.cache
def progressive_jpeg(size: tuple[int, int] = BIG, subsampling: int = 0) -> bytes:
    """Issue 22 item 3's file: a flat 6000x6600 progressive 4:4:4 JPEG, 465 KB."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG", progressive=True, subsampling=subsampling)
    return buffer.getvalue()
