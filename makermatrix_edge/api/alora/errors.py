"""Every error under /alora answers {"detail": "..."} with the status alora-api.md gives.

The one place where domain and framework errors become HTTP for the ALORA face. Differences from
the MakerMatrix face, all from the document: a duplicate is 400 (not 409), a business-rule
problem is 400; malformed bodies are 422 like the FastAPI service the document describes.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from makermatrix_edge.api.failures import SHARED_STATUS, status_of, unexpected
from makermatrix_edge.errors import (
    BeyondLimit,
    Conflict,
    ControlCharacter,
    DomainError,
    InvalidInput,
    KeyConflict,
    Unauthorized,
)
from makermatrix_edge.httpkit.body import field_problem

log = logging.getLogger(__name__)

STATUS: dict[type[DomainError], int] = {
    **SHARED_STATUS,
    BeyondLimit: 422,  # found before InvalidInput: the lookup follows the class's MRO
    ControlCharacter: 422,
    InvalidInput: 400,
    Conflict: 400,
    KeyConflict: 409,  # an Idempotency-Key reused: 409 as payment APIs answer it (found first: the MRO)
}


def detail(status: int, message: str, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response({"detail": message}, status_code=status, headers=headers, media_type="application/json")


def domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = status_of(exc, STATUS)
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
    problem = unexpected(request, exc, log)
    if isinstance(problem, DomainError):
        return domain_error(request, problem)
    return detail(500, problem)


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: internal_error,
}
