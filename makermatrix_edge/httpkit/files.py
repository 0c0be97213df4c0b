"""Stored files answered to a browser: a datasheet opens inline, as a PDF and nothing else."""

from __future__ import annotations

from pathlib import Path

from litestar.response import File


def datasheet_file(path: Path, cache_control: str) -> File:
    """The stored PDF, shown in the browser (inline); nosniff keeps it from being read as anything but a PDF."""
    return File(
        path,
        media_type="application/pdf",
        filename=path.name,
        content_disposition_type="inline",
        headers={"Cache-Control": cache_control, "X-Content-Type-Options": "nosniff"},
    )
