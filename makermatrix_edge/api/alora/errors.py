"""Every error under /alora answers {"detail": "..."} with the status alora-api.md gives.

The one place where domain and framework errors become HTTP for the ALORA face. Differences from
the MakerMatrix face, all from the document: a duplicate is 400 (not 409), a business-rule
problem is 400; malformed bodies are 422 like the FastAPI service the document describes.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from makermatrix_edge.errors import (
    BadRequest,
    BeyondLimit,
    Conflict,
    ControlCharacter,
    DeviceUnavailable,
    DiskFull,
    DomainError,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from makermatrix_edge.httpkit.body import field_problem
from makermatrix_edge.httpkit.diskfull import disk_full_of

log = logging.getLogger(__name__)

STATUS: dict[type[DomainError], int] = {
    BadRequest: 400,
    BeyondLimit: 422,  # found before InvalidInput: the lookup follows the class's MRO
    ControlCharacter: 422,
    InvalidInput: 400,
    Conflict: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Gone: 410,
    TooManyRequests: 429,
    DeviceUnavailable: 503,
    DiskFull: 507,
}


def detail(status: int, message: str, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response({"detail": message}, status_code=status, headers=headers, media_type="application/json")


def domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = next((STATUS[c] for c in type(exc).__mro__ if c in STATUS), 400)
    headers = None
    retry_after = getattr(exc, "retry_after", None)  # TooManyRequests, Overloaded
    if retry_after is not None:
        headers = {"Retry-After": str(retry_after)}
    elif isinstance(exc, Unauthorized):
        headers = {"WWW-Authenticate": "Bearer"}
    return detail(status, exc.message, headers)


def validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    items = [i for i in exc.extra if isinstance(i, dict)] if isinstance(exc.extra, list) else []
    if any(i.get("source") == "body" and i.get("message") == "'data'" for i in items):
        return detail(400, "A JSON request body is required")
    problems = [field_problem(str(i.get("message", "is not valid")), str(i.get("key") or "")) for i in items]
    if not problems:
        return detail(422, str(exc.detail or "Invalid request"))
    return detail(422, "; ".join(f"{field}: {text}" for field, text in problems))


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status >= 500:
        return internal_error(request, exc)
    text = str(exc.detail or "")
    if status == 400 and text.startswith("JSON is malformed"):
        text = "Malformed JSON in the request body" + text[len("JSON is malformed") :]
    elif status == 404:
        text = "Not Found"
    elif status == 405:
        text = "Method Not Allowed"
    elif status == 413:
        text = "Request body too large"
    return detail(status, text or "Bad request")


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    full = disk_full_of(request, exc)  # SQLITE_FULL or ENOSPC from below: one domain error
    if full is not None:
        return domain_error(request, full)
    ref = secrets.token_hex(4)
    log.error("unhandled error ref=%s %s %s", ref, request.method, request.url.path, exc_info=exc)
    return detail(500, f"Internal error; the daemon log has the details (ref {ref})")


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: internal_error,
}
