"""Rendering a page: the template plus what every page needs (user, CSRF token, nav, one-time message)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from markupsafe import Markup, escape

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import Conflict
from makermatrix_edge.web import flash as fl
from makermatrix_edge.web.session import csrf_cookie, csrf_token
from makermatrix_edge.web.words import in_words

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
ACTION_FIELD = "action_id"  # one per rendered form: the server does what it asks once (web/guard.py)


@pass_context
def form_keys(context: Context) -> Markup:
    """`{{ form_keys() }}` in every POST form: the CSRF token and a fresh one-time action id.

    A double tap, a retried or reloaded post of this rendering carries the same action id, so the
    guard answers it with the first answer instead of doing it again.
    """
    action = secrets.token_urlsafe(16)
    return Markup(
        f'<input type="hidden" name="csrf_token" value="{escape(context.get("csrf", ""))}">'
        f'<input type="hidden" name="{ACTION_FIELD}" value="{action}">'
    )


# Pages load only the daemon's own CSS/JS/images and are never framed (clickjacking a "Delete").
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    # same-origin: our own form posts say which page they came from (errors go back there); others get nothing.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}

# The bottom bar: (address, label, permission or None). An entry appears only when its page is
# routed, so "Ask" shows up by itself once the assistant's page is mounted.
BAR = (("/", "Find", None), ("/scan", "Scan", None), ("/locations", "Locations", None), ("/ask", "Ask", "parts:read"))
# Behind "More": the rest, each shown when routed and allowed.
MENU = (
    ("/projects", "Projects", "parts:read"),
    ("/low-stock", "Low stock", "parts:read"),
    ("/categories", "Categories", "parts:read"),
    ("/tools", "Shared tools", "tools:read"),
    ("/orders", "Orders", "parts:read"),
    ("/import", "Import an order", "csv:import"),
    ("/printer", "Printer", "printer:use"),
    ("/tasks", "Tasks", "tasks:read"),
    ("/backups", "Backups", "backup:manage"),
    ("/users", "Users", "users:read"),
    ("/settings", "Settings", None),  # every logged-in user: it lists the setting pages they may open
)


def _routed(request: Request[Any, Any, Any], path: str) -> bool:
    return path in request.app.route_handler_method_map


Items = tuple[tuple[str, str, str | None], ...]


def nav(
    request: Request[Any, Any, Any], principal: Principal | None, items: Items, *, anyone: bool = False
) -> list[tuple[str, str]]:
    """The routed entries `principal` may open; `anyone` (an error page, user unknown) lists the open ones."""
    if principal is None and not anyone:
        return []
    return [
        (href, label)
        for href, label, need in items
        if _routed(request, href) and (need is None or (principal is not None and principal.can(need)))
    ]


def page(
    request: Request[Any, Any, Any],
    name: str,
    principal: Principal | None,
    status_code: int = 200,
    **context: Any,
) -> Template:
    token = csrf_token(request)
    cookies = csrf_cookie(request)
    shown: fl.Flash | None = None
    if not name.startswith("_") and fl.FLASH_COOKIE in request.cookies:
        shown = fl.decode(request)  # a full page shows the message once, then it is gone
        cookies.append(fl.cookie(request, None))
    return Template(
        template_name=name,
        context={
            "user": principal,
            "csrf": token,
            "nav": nav(request, principal, BAR, anyone=bool(context.get("logged_in"))),
            "menu": nav(request, principal, MENU),
            "path": request.url.path,
            "said": shown.ok if shown else None,
            "failed": shown.error if shown else None,
            "noted": shown.note if shown else None,
            "kept": json.dumps({"action": shown.action, "fields": shown.kept}) if shown and shown.kept else "",
            "undo": shown.undo if shown else None,
            **context,
        },
        status_code=status_code,
        cookies=cookies,
        headers={"Cache-Control": "no-store", **SECURITY_HEADERS},
    )


def back(request: Request[Any, Any, Any], url: str, said: str | None = None, undo: fl.Undo | None = None) -> Redirect:
    """Post/redirect/get: a reload after a post never repeats it. `said` shows once on the next page."""
    return fl.redirect(request, url, fl.Flash(ok=said, undo=undo))


def refused(
    request: Request[Any, Any, Any],
    url: str,
    exc: Exception,
    typed: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Redirect:
    """A refused form post, post/redirect/get: back on `url` (the page the form lives on) with the reason
    and what was typed (never a password: flash.keep), so a reload or a reopened address never lands
    on the post-only one. The page's script puts the values back into the form posted (its action)."""
    text, _ = form_error(exc, labels)
    kept = fl.keep(dict(typed)) if typed else {}
    return fl.redirect(request, url, fl.Flash(error=text, action=request.url.path, kept=kept))


def form_error(exc: Exception, labels: Mapping[str, str] | None = None) -> tuple[str, int]:
    """A form's failure as (sentence, status): "name: must not be empty" reads "The name must not be empty."."""
    return in_words(exc, labels), (409 if isinstance(exc, Conflict) else 400)
