"""Every error under /api becomes the envelope with status "error" and a message a person understands.

This is the one place where domain errors and framework errors turn into HTTP statuses for the
MakerMatrix face. No stack trace ever reaches a client: unexpected errors are logged with a
reference the client is given.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from makermatrix_edge.accounts.users import WrongCurrentPassword
from makermatrix_edge.api.failures import SHARED_STATUS, status_of, unexpected
from makermatrix_edge.api.makermatrix.envelope import error_body
from makermatrix_edge.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    MalformedBody,
    Unauthorized,
)
from makermatrix_edge.httpkit.body import field_problem
from makermatrix_edge.inventory.images import ImageTooLarge, UnsupportedImage
from makermatrix_edge.orders.importers.base import FileTooLarge, UnsupportedFile
from makermatrix_edge.suppliers.admin import ConfigTooLarge
from makermatrix_edge.suppliers.models import NotItsNumber

log = logging.getLogger(__name__)
_MISSING = re.compile(r"Missing required (\w+) parameter '([^']+)'")

DOMAIN_STATUS: dict[type[DomainError], int] = {
    **SHARED_STATUS,
    MalformedBody: 422,  # MakerMatrix (FastAPI) answers unreadable JSON with 422; clients expect it
    InvalidInput: 422,
    WrongCurrentPassword: 400,
    Conflict: 409,
    ImageTooLarge: 413,
    UnsupportedImage: 415,
    FileTooLarge: 413,
    ConfigTooLarge: 413,
    UnsupportedFile: 415,
    NotItsNumber: 422,  # a part number the supplier's lookup cannot take, like any other bad field
}


def response(status: int, message: str, data: Any = None, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(error_body(message, data), status_code=status, headers=headers, media_type="application/json")


def domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    retry_after = getattr(exc, "retry_after", None)  # TooManyRequests, Overloaded
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    if isinstance(exc, Unauthorized):
        headers = {"WWW-Authenticate": "Bearer"}
    data = {"field": exc.field} if isinstance(exc, InvalidInput) and exc.field else None
    data = getattr(exc, "details", None) or data  # a refusal that carries its answer (a build's shortage)
    return response(status_of(exc, DOMAIN_STATUS), exc.message, data, headers)


def validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    items = [i for i in (exc.extra or []) if isinstance(i, dict)] if isinstance(exc.extra, list) else []
    if any(i.get("source") == "body" and i.get("message") == "'data'" for i in items):
        return response(400, "A JSON request body is required")
    problems = [field_problem(str(i.get("message", "is not valid")), str(i.get("key") or "")) for i in items]
    missing = _MISSING.match(str(exc.detail or ""))
    if missing:
        problems.append((missing.group(2), f"is required ({missing.group(1)} parameter)"))
        if len(problems) == 1:  # MakerMatrix answers a missing parameter with 400, not 422
            field, text = problems[0]
            return response(400, f"{field}: {text}", {"errors": [{"field": field, "message": text}]})
    if not problems:
        return response(400, f"Bad request: {exc.detail}")
    message = "; ".join(f"{field}: {text}" for field, text in problems)
    return response(422, message, {"errors": [{"field": f, "message": m} for f, m in problems]})


_FRIENDLY = {
    401: "Not authenticated: log in first",
    403: "You are not allowed to do this",
    404: "Not found",
    405: "This method is not allowed here",
    413: "Request body too large",
}


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    detail = str(exc.detail or "")
    if status == 400 and detail.startswith("JSON is malformed"):
        # 422 like MakerMatrix (FastAPI), whose clients test for it
        return response(422, "Malformed JSON in the request body" + detail[len("JSON is malformed") :])
    if status == 400 and detail.startswith("Invalid multipart/form-data"):
        # An upload route sent no multipart form has no file: 422 like MakerMatrix's missing File field
        return response(422, "Send a multipart/form-data form with the file in the field 'file'", {"field": "file"})
    if status == 404:
        message = f"Not found: {request.method} {request.url.path}"
    elif status == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    elif status == 413:
        message = "Request body too large"
    elif status >= 500:
        return internal_error(request, exc)
    else:
        message = (
            detail if detail and detail != _FRIENDLY.get(status) else _FRIENDLY.get(status, detail or "Bad request")
        )
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() in ("allow", "retry-after")}
    return response(status, message, headers=headers or None)


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    problem = unexpected(request, exc, log)
    if isinstance(problem, DomainError):
        return domain_error(request, problem)
    return response(HTTP_500_INTERNAL_SERVER_ERROR, problem)


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: internal_error,
}
