"""Reading request bodies by hand where a route accepts more than one encoding (JSON or form)."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec
from litestar import Request

from makermatrix_edge.errors import BadRequest, InvalidInput

T = TypeVar("T")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


_AT = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")


def field_problem(message: str, key: str = "") -> tuple[str, str]:
    """Turn a msgspec validation message into (field path, problem in plain words)."""
    match = _AT.search(message)
    if match:
        message = message[: match.start()]
        key = match.group("path") or key
    missing = re.match(r"Object missing required field `([^`]+)`", message)
    if missing:
        return (f"{key}.{missing.group(1)}" if key and key != "data" else missing.group(1)), "is required"
    unknown = re.match(r"Object contains unknown field `([^`]+)`", message)
    if unknown:
        return unknown.group(1), "is not a known field"
    text = message.replace("`", "")
    if text.startswith("Expected object"):
        return "body", "must be a JSON object"
    return (key if key not in ("", "data") else "body"), text[:1].lower() + text[1:]


async def json_or_form(request: Request[Any, Any, Any], type_: type[T]) -> T:
    """Decode a JSON body, or form fields, into a Struct with clear errors."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type in _FORM_TYPES:
            form = await request.form()
            raw: Any = {k: v for k, v in form.items() if isinstance(v, str)}
            return msgspec.convert(raw, type_, strict=False)
        body = await request.body()
        if not body.strip():
            raise BadRequest("A JSON request body is required")
        return msgspec.json.decode(body, type=type_)
    except msgspec.ValidationError as exc:
        field, problem = field_problem(str(exc))
        raise InvalidInput(problem, field) from None
    except msgspec.DecodeError as exc:
        raise BadRequest(f"Malformed JSON in the request body: {exc}") from None
