"""One guard for every page: the CSRF check on every form post, the page's declared permission, and once-only posts.

Each page route declares who may open it in `opt` through `page_access()`, as the API's routes do
through `access()`. A route without a declaration is refused, so a forgotten one fails closed; and
the CSRF check runs here for every method that is not GET or HEAD, so no post can leave it out.
A form's one-time action id (render.form_keys) is claimed here like an API Idempotency-Key: a
second post of the same rendering (a double tap, a retry) gets the first answer and changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.handlers.base import BaseRouteHandler

from makermatrix_edge.errors import BadRequest, Forbidden
from makermatrix_edge.httpkit.body import readable_form
from makermatrix_edge.httpkit.idempotency import caller_scope, settle
from makermatrix_edge.web.render import ACTION_FIELD
from makermatrix_edge.web.session import CSRF_FIELD, check_csrf, require

OPEN = "open"  # no login needed (the login page, logging out, the static files)
LOGIN = "login"  # any logged-in user
PAGE_KEY = "page_access"
PRINCIPAL = "principal"  # the scope state key the app's `principal` dependency reads
_SAFE = ("GET", "HEAD")
_FORMS = (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART)
_ACTION = re.compile(r"[A-Za-z0-9_-]{16,64}")


FILE_LIMIT_KEY = "file_limit"


def page_access(rule: str, file_limit: str | None = None) -> dict[str, Any]:
    """The `opt` for a page route: OPEN, LOGIN or a permission such as 'parts:read'.

    `file_limit`: the largest file the route's form takes, in words ("20 MB"), said when one is refused.
    """
    return {PAGE_KEY: rule, FILE_LIMIT_KEY: file_limit} if file_limit else {PAGE_KEY: rule}


async def _field(request: Request[Any, Any, Any], name: str) -> str | None:
    """A text field of the posted form; None for a body that is no form (fetch() sends the X-CSRF-Token header)."""
    if request.content_type[0] not in _FORMS:
        return None
    value = (await request.form()).get(name)
    return value if isinstance(value, str) else None


async def page_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    rule = handler.opt.get(PAGE_KEY)
    if rule is None:
        raise Forbidden("This page declares no access rule and is closed")
    if not isinstance(connection, Request):
        raise Forbidden("Pages answer HTTP requests only")
    services = connection.app.state["services"]
    posted = connection.method not in _SAFE
    if posted:
        await readable_form(connection)  # a text field that is not UTF-8 is a 400 in words, before the token
        token = await _field(connection, CSRF_FIELD)  # parsed now: a login redirect keeps the form (errors.py)
    # The session before the token: once a session has ended its token no longer matches, and the user
    # must be told to log in (what they sent kept), not that the page expired.
    user = await require(connection, services, None if rule == LOGIN else rule) if rule != OPEN else None
    if posted:
        check_csrf(connection, token)
    if user is None:
        return
    connection.scope.setdefault("state", {})[PRINCIPAL] = user
    action = await _field(connection, ACTION_FIELD) if posted else None
    if action:
        if not _ACTION.fullmatch(action):
            raise BadRequest("This form is damaged (its action id); reload the page and send it again")
        await settle(connection, services.replies, caller_scope(user), f"form:{action}", form=True)
