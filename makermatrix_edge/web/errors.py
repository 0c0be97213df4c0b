"""Errors on the pages are sentences on a page: never a JSON dump, never a blank screen."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, MethodNotAllowedException, NotFoundException
from litestar.response import Redirect, Template
from litestar.utils.scope.state import ScopeState

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
from makermatrix_edge.httpkit.cookies import REFRESH_COOKIE
from makermatrix_edge.httpkit.diskfull import disk_full_of
from makermatrix_edge.web import flash
from makermatrix_edge.web.guard import FILE_LIMIT_KEY, PAGE_KEY
from makermatrix_edge.web.render import page
from makermatrix_edge.web.session import CsrfFailed, LoginRequired, login_url, referer_path, same_site_post
from makermatrix_edge.web.unsent import unsent_cookie
from makermatrix_edge.web.words import in_words

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
    DomainError: (400, "That did not work"),  # any other refusal a service words (e.g. an unreadable image)
}


def _message(request: Request[Any, Any, Any], exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return in_words(exc)
    if isinstance(exc, HTTPException):
        return _http_words(request, exc)
    return str(exc)


def _http_words(request: Request[Any, Any, Any], exc: HTTPException) -> str:
    if exc.status_code == 413:
        limit = request.scope["route_handler"].opt.get(FILE_LIMIT_KEY) if "route_handler" in request.scope else None
        return f"That file is too large: {limit} at most." if limit else "That file is too large to send."
    if exc.status_code == 400:
        return "The form could not be read; reload the page and try again."
    return str(exc.detail)


def _form_fields(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The url-encoded form the handler already parsed (cached on the connection), if any."""
    form = ScopeState.from_scope(request.scope).form
    return form if isinstance(form, dict) else {}


def _back_to_form(request: Request[Any, Any, Any], text: str) -> Redirect | None:
    """A failed form post goes back to the page it was posted from, the error and the typed values on it."""
    if request.method != "POST":
        return None
    origin = referer_path(request)
    if origin is None or origin.startswith("/login"):
        return None
    kept = flash.keep(_form_fields(request))
    return flash.redirect(request, origin, flash.Flash(error=text, action=request.url.path, kept=kept))


def _to_login(request: Request[Any, Any, Any], exc: LoginRequired) -> Redirect:
    """The login page, saying why; a form our own page sent is kept to be put back after the login."""
    form = _form_fields(request)
    keep = request.method == "POST" and bool(form) and same_site_post(request)
    cookies = [unsent_cookie(request, exc.next_url, form)] if keep else []
    return Redirect(path=login_url(exc.next_url, exc.why), status_code=303, cookies=cookies)


def _page_above(request: Request[Any, Any, Any]) -> str:
    """The nearest page above this address that a GET opens: /users for /users/new, /p/<id> for /p/<id>/adjust.

    A page, not an API route that shares the path (the un-prefixed MakerMatrix GET /users/{id}).
    """
    path = request.url.path.rstrip("/")
    while path:
        path = path.rsplit("/", 1)[0]
        try:
            _, handler, *_ = request.app.asgi_router.handle_routing(path=path or "/", method="GET")
        except (NotFoundException, MethodNotAllowedException):
            continue
        if PAGE_KEY in handler.opt:
            return path or "/"
    return "/"


def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any] | Template | Redirect:
    if isinstance(exc, MethodNotAllowedException) and request.method in ("GET", "HEAD"):
        # A form's post-only address reopened (a bookmark, an old tab, history): the page the form is on.
        return Redirect(path=_page_above(request), status_code=303)
    if isinstance(exc, LoginRequired):
        return _to_login(request, exc)
    if isinstance(exc, CsrfFailed):
        status, title = 403, "Page expired"
        text = "This form was stale or sent from another site. Go back, reload the page and try again."
    else:
        exc = disk_full_of(request, exc) or exc  # SQLITE_FULL / ENOSPC from below: the one DiskFull
        for cls in type(exc).__mro__:
            if cls in _KNOWN:
                status, title = _KNOWN[cls]
                text = _message(request, exc)
                break
        else:
            if isinstance(exc, HTTPException) and exc.status_code < 500:
                status, title, text = exc.status_code, "That did not work", _http_words(request, exc)
            else:
                ref = uuid.uuid4().hex[:8]
                log.exception("page %s %s failed (ref %s)", request.method, request.url.path, ref)
                status, title = 500, "Something went wrong"
                text = f"The daemon hit an error (ref {ref}); the log has the details."
    if isinstance(exc, CsrfFailed):
        text_back = "The page had expired. It is fresh now: check the form and send it again."
    else:
        text_back = text
    # A refusal goes back to the page it came from; a crash (500) or a missing page does not.
    if status != 500 and status not in (401, 404) and (redirect := _back_to_form(request, text_back)) is not None:
        return redirect
    # Logged in (a session cookie): the error page keeps the bar, so it is never a dead end.
    return page(
        request,
        "error.html",
        None,
        status_code=status,
        title=title,
        text=text,
        logged_in=REFRESH_COOKIE in request.cookies,
        back_to=referer_path(request) if request.method == "POST" else None,
    )
