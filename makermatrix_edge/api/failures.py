"""What both API faces do alike with an error; each face's errors.py shapes the answer and adds its own statuses.

The statuses here are the ones the MakerMatrix and ALORA documents agree on; where they differ
(a duplicate, a field problem, a malformed body) each face's table says so.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

from litestar import Request

from makermatrix_edge.errors import (
    BadRequest,
    DeviceUnavailable,
    DiskFull,
    DomainError,
    Forbidden,
    Gone,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from makermatrix_edge.httpkit.diskfull import disk_full_of

SHARED_STATUS: dict[type[DomainError], int] = {
    BadRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Gone: 410,
    TooManyRequests: 429,
    DeviceUnavailable: 503,
    DiskFull: 507,
}


def status_of(exc: DomainError, table: Mapping[type[DomainError], int]) -> int:
    """The status of the nearest class in the error's MRO that the table names; 400 when none."""
    return next((table[c] for c in type(exc).__mro__ if c in table), 400)


def unexpected(request: Request[Any, Any, Any], exc: Exception, log: logging.Logger) -> DiskFull | str:
    """A full disk below the route as its domain error; else the error is logged and the message names its reference."""
    full = disk_full_of(request, exc)  # SQLITE_FULL or ENOSPC from below: one domain error
    if full is not None:
        return full
    ref = secrets.token_hex(4)
    log.error("unhandled error ref=%s %s %s", ref, request.method, request.url.path, exc_info=exc)
    return f"Internal error; the daemon log has the details (ref {ref})"
