"""A form sent after the session had ended: kept across the login, then put back on its page, not done.

The login redirect carries it in a cookie signed with the daemon's key (so no link can plant one),
holding only what a page's form may be filled with: short text fields, never a password, the CSRF
token or the action id, and only from a post one of our own pages sent. After the login the user
lands on that page, the fields filled in, with one sentence saying that it was NOT done yet: the
page may have changed meanwhile, so the user decides, with one tap.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import Cookie

from makermatrix_edge.web import flash
from makermatrix_edge.web.session import safe_next

UNSENT_COOKIE = "mm_unsent"
KEEP_SECONDS = 1800  # time enough to find the password; older, the page has likely changed
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


class Unsent(msgspec.Struct):
    page: str  # the page the form was on; the login leads back there
    action: str  # the form's address (which of the page's forms to fill)
    fields: dict[str, str]
    note: str


def _intent(path: str, fields: dict[str, str]) -> tuple[str, str]:
    """(what was asked, the button that asks it again) for the forms people send most."""
    last = path.rstrip("/").rpartition("/")[2]
    if last == "adjust":
        for name, verb in (("take", "Take"), ("add", "Add")):
            if fields.get(name, "").strip():
                return f"{verb} {fields[name].strip()[:12]}", verb
        delta = fields.get("delta", "").strip()
        if delta.lstrip("+-").isdigit():
            return (f"Take {-int(delta)}", "−") if int(delta) < 0 else (f"Add {int(delta)}", "+")
    if last == "count" and fields.get("count", "").strip():
        return f"Set count to {fields['count'].strip()[:12]}", "Set count"
    if last == "move":
        return "the move", "the place again"
    if path == "/scan/receive":
        return "receiving the bag", "Receive"
    if path == "/import/confirm":
        return "the import", "Import"
    return "your change", "its button again"


def note_for(path: str, fields: dict[str, str]) -> str:
    what, button = _intent(path, fields)
    return f"Your session had ended; {what} was not done. Tap {button} to do it now."


def unsent_cookie(request: Request[Any, Any, Any], page: str, form: dict[str, Any]) -> Cookie:
    """The cookie keeping a post's fields (and what they asked, in words) across the login."""
    fields = {k: v for k, v in flash.keep(form).items() if _NAME.fullmatch(k)}
    action = request.url.path
    kept = Unsent(page=page, action=action, fields=fields, note=note_for(action, fields))
    return flash.page_cookie(request, UNSENT_COOKIE, flash.sign(request, "unsent", kept), KEEP_SECONDS)


def take_unsent(request: Request[Any, Any, Any], target: str) -> Unsent | None:
    """The form kept for `target` (the page the login leads to), if any."""
    raw = request.cookies.get(UNSENT_COOKIE, "")
    kept = flash.unsign(request, "unsent", raw, Unsent) if raw else None
    if kept is None or safe_next(kept.page) != target:
        return None
    return kept


def cleared(request: Request[Any, Any, Any]) -> Cookie:
    return flash.page_cookie(request, UNSENT_COOKIE, "", 0)
