"""Both API faces turn a low-level full-disk error into the one domain error, naming the data directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request

from makermatrix_edge.errors import DiskFull
from makermatrix_edge.runtime.diskspace import as_disk_full


def disk_full_of(request: Request[Any, Any, Any], exc: BaseException) -> DiskFull | None:
    """DiskFull for SQLITE_FULL / ENOSPC raised anywhere below a route; None for any other error."""
    services = request.app.state.get("services")
    folder = services.settings.data_dir if services is not None else Path.cwd()
    return as_disk_full(exc, folder)
