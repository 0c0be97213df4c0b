"""Declare in the OpenAPI document the error bodies each face really sends.

Litestar would describe its own default error body ({status_code, detail, extra}); clients generated
from /schema would then fail to read the errors they get. Each face's error mapping answers one
shape only, so one declaration per face is the truth for all its routes.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec


class ErrorEnvelope(msgspec.Struct):
    """An error on /api: the MakerMatrix envelope with status "error" (data may name the field)."""

    status: Literal["error"]
    message: str
    data: dict[str, Any] | None
    detail: str  # the message again, where FastAPI clients read it


class AloraError(msgspec.Struct):
    """An error on /alora, as alora-api.md shows it."""

    detail: str


_API = {
    400: "The request cannot be read (e.g. a missing parameter or body)",
    401: "No valid credentials",
    403: "Credentials without the permission this needs",
    404: "Not found",
    409: "A duplicate or a state that forbids the change",
    422: "A value is not acceptable, or the JSON is malformed; the message names the field",
    500: "Unexpected error; the message gives a reference for the daemon log",
}
_ALORA = {
    400: "Bad request (a duplicate or a business rule; the detail says which)",
    401: "No valid credentials",
    404: "Not found",
    422: "The body or a parameter is not valid",
    500: "Unexpected error",
}


def _responses(statuses: dict[int, str], body: type[msgspec.Struct]) -> dict[int, ResponseSpec]:
    return {code: ResponseSpec(data_container=body, description=text) for code, text in statuses.items()}


def declare_error_shapes(app: Litestar) -> None:
    """Give every /api and /alora route the face's error responses (a route's own declarations win)."""
    faces = (("/api", _responses(_API, ErrorEnvelope)), ("/alora", _responses(_ALORA, AloraError)))
    for route in app.routes:
        declared = next((spec for prefix, spec in faces if route.path.startswith(prefix)), None)
        if declared is None:
            continue
        for handler in getattr(route, "route_handlers", []):
            if isinstance(handler, HTTPRouteHandler):
                handler.responses = {**declared, **(handler.responses or {})}
