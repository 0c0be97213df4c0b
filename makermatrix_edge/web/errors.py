"""Errors on the pages are sentences on a page: never a JSON dump, never a blank screen."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException
from litestar.response import Redirect, Template

from makermatrix_edge.api.diskfull import disk_full_of
from makermatrix_edge.errors import (
    Conflict,
    DeviceUnavailable,
    DiskFull,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from makermatrix_edge.web.render import page
from makermatrix_edge.web.session import CsrfFailed, LoginRequired, login_url

log = logging.getLogger(__name__)

_KNOWN: dict[type[Exception], tuple[int, str]] = {
    NotFound: (404, "Not found"),
    NotFoundException: (404, "Not found"),
    Forbidden: (403, "Not allowed"),
    Unauthorized: (401, "Not logged in"),
    InvalidInput: (400, "That did not work"),
    Conflict: (409, "That did not work"),
    TooManyRequests: (429, "Too many tries"),
    DeviceUnavailable: (503, "Device not available"),
    DiskFull: (507, "Disk full"),
}


def _message(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, HTTPException):
        return str(exc.detail)
    return str(exc)


def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any] | Template | Redirect:
    if isinstance(exc, LoginRequired):
        return Redirect(path=login_url(exc.next_url), status_code=303)
    if isinstance(exc, CsrfFailed):
        status, title = 403, "Page expired"
        text = "This form was stale or sent from another site. Go back, reload the page and try again."
    else:
        exc = disk_full_of(request, exc) or exc  # SQLITE_FULL / ENOSPC from below: the one DiskFull
        for cls in type(exc).__mro__:
            if cls in _KNOWN:
                status, title = _KNOWN[cls]
                text = _message(exc)
                break
        else:
            if isinstance(exc, HTTPException) and exc.status_code < 500:
                status, title, text = exc.status_code, "That did not work", str(exc.detail)
            else:
                ref = uuid.uuid4().hex[:8]
                log.exception("page %s %s failed (ref %s)", request.method, request.url.path, ref)
                status, title = 500, "Something went wrong"
                text = f"The daemon hit an error (ref {ref}); the log has the details."
    return page(request, "error.html", None, status_code=status, title=title, text=text)
