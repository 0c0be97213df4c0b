"""Reading request bodies: strictly typed JSON everywhere, by hand where a route also takes form fields."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec
from litestar import Request
from litestar._multipart import parse_multipart_form
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.params import BodyKwarg
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from makermatrix_edge.errors import BadRequest, InvalidInput, MalformedBody

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
        raise MalformedBody(f"Malformed JSON in the request body: {exc}") from None


_STRICT_KEY = "strict_body_type"  # cached in the handler's opt: (type,) or () when it takes no JSON body


def _strict_type(handler: HTTPRouteHandler) -> tuple[Any, ...]:
    """The type a handler's JSON `data` must have, as a 1-tuple; () when it takes no JSON body."""
    if _STRICT_KEY not in handler.opt:
        field = handler.parsed_data_field
        kwarg = field.kwarg_definition if field is not None else None
        form = isinstance(kwarg, BodyKwarg) and kwarg.media_type != RequestEncodingType.JSON
        handler.opt[_STRICT_KEY] = (field.annotation,) if field is not None and not form else ()
    return tuple(handler.opt[_STRICT_KEY])


async def strict_json_body(request: Request[Any, Any, Any]) -> None:
    """Refuse a JSON body whose values have the wrong JSON type ("1e2" for an integer, "true" for a bool).

    Litestar converts handler arguments leniently (query strings must become numbers), and that
    leniency would reach the body too. Checking the body once more, strictly, before the handler is
    called keeps the route's own conversion unchanged. Malformed JSON becomes MalformedBody, which
    each face's error mapping answers in its own shape and status.
    """
    handler = request.route_handler
    if not isinstance(handler, HTTPRouteHandler):
        return
    wanted = _strict_type(handler)
    if not wanted:
        return
    body = await request.body()
    if not body.strip():
        return
    try:
        msgspec.json.decode(body, type=wanted[0], strict=True)
    except msgspec.ValidationError as exc:
        # The same shape Litestar gives its own body errors, so each face words it as usual.
        raise ValidationException(detail="Validation failed", extra=[{"message": str(exc), "source": "body"}]) from None
    except msgspec.DecodeError as exc:
        raise MalformedBody(f"Malformed JSON in the request body: {exc}") from None
    except TypeError:  # a type msgspec cannot decode without Litestar's hooks: leave it to Litestar
        handler.opt[_STRICT_KEY] = ()


NOT_UTF8 = (
    "A text field of this form is not UTF-8 text. Send a file as a file: its form part needs a filename "
    "(curl -F file=@name)"
)


async def readable_form(request: Request[Any, Any, Any]) -> None:
    """Parse a multipart body before the route, refusing a text field that is not UTF-8 (400) in words.

    Litestar decodes every part without a filename as UTF-8 text and lets a UnicodeDecodeError out,
    which every upload route would answer as a 500. Parsing here, once, with the same limits, puts
    the form where the route's `data` and `request.form()` look for it, so they do not parse again.
    """
    content_type, options = request.content_type
    if content_type != RequestEncodingType.MULTI_PART:
        return
    state = ScopeState.from_scope(request.scope)
    handler = request.route_handler
    if state.form is not Empty or (isinstance(handler, HTTPRouteHandler) and _strict_type(handler)):
        return  # parsed already, or a route that takes JSON: strict_json_body says the body is not JSON
    limit = request.app.multipart_form_part_limit
    if isinstance(handler, HTTPRouteHandler) and handler.parsed_data_field is not None:
        kwarg = handler.parsed_data_field.kwarg_definition
        if isinstance(kwarg, BodyKwarg) and kwarg.multipart_form_part_limit is not None:
            limit = kwarg.multipart_form_part_limit
    try:
        state.form = await parse_multipart_form(
            stream=request.stream(),
            boundary=options.get("boundary", "").encode(),
            multipart_form_part_limit=limit,
            type_decoders=handler.resolve_type_decoders() if isinstance(handler, HTTPRouteHandler) else None,
        )
    except UnicodeDecodeError:
        raise BadRequest(NOT_UTF8) from None


async def check_body(request: Request[Any, Any, Any]) -> None:
    """Before every API route: a multipart form readable as text, a JSON body of the exact types."""
    await readable_form(request)
    await strict_json_body(request)
