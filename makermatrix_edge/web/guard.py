"""One guard for every page: the CSRF check on every form post, then the page's declared permission.

Each page route declares who may open it in `opt` through `page_access()`, as the API's routes do
through `access()`. A route without a declaration is refused, so a forgotten one fails closed; and
the CSRF check runs here for every method that is not GET or HEAD, so no post can leave it out.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.handlers.base import BaseRouteHandler

from makermatrix_edge.errors import Forbidden
from makermatrix_edge.httpkit.body import readable_form
from makermatrix_edge.web.session import CSRF_FIELD, check_csrf, require

OPEN = "open"  # no login needed (the login page, logging out, the static files)
LOGIN = "login"  # any logged-in user
PAGE_KEY = "page_access"
PRINCIPAL = "principal"  # the scope state key the app's `principal` dependency reads
_SAFE = ("GET", "HEAD")
_FORMS = (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART)


FILE_LIMIT_KEY = "file_limit"


def page_access(rule: str, file_limit: str | None = None) -> dict[str, Any]:
    """The `opt` for a page route: OPEN, LOGIN or a permission such as 'parts:read'.

    `file_limit`: the largest file the route's form takes, in words ("20 MB"), said when one is refused.
    """
    return {PAGE_KEY: rule, FILE_LIMIT_KEY: file_limit} if file_limit else {PAGE_KEY: rule}


async def _sent_token(request: Request[Any, Any, Any]) -> str | None:
    """The form's csrf_token field; None for a body that is no form (fetch() sends the X-CSRF-Token header)."""
    if request.content_type[0] not in _FORMS:
        return None
    value = (await request.form()).get(CSRF_FIELD)
    return value if isinstance(value, str) else None


async def page_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    rule = handler.opt.get(PAGE_KEY)
    if rule is None:
        raise Forbidden("This page declares no access rule and is closed")
    if not isinstance(connection, Request):
        raise Forbidden("Pages answer HTTP requests only")
    if connection.method not in _SAFE:
        await readable_form(connection)  # a text field that is not UTF-8 is a 400 in words, before the token
        check_csrf(connection, await _sent_token(connection))
    if rule == OPEN:
        return
    services = connection.app.state["services"]
    principal = await require(connection, services, None if rule == LOGIN else rule)
    connection.scope.setdefault("state", {})[PRINCIPAL] = principal
