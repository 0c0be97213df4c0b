"""One-time page messages (a signed cookie read once), instead of text in the URL.

After a form post the answer redirects (post/redirect/get) and sets this cookie; the next full page
shows the message and clears it, so a reload or Back does not repeat it, and since the cookie is
signed with the daemon's key no link can make the page say something it did not say. An error
carries the fields the user typed, so the form they were on comes back filled in.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any, TypeVar

import msgspec
from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Redirect

FLASH_COOKIE = "mm_flash"
TEXT_LIMIT = 400
KEPT_LIMIT = 1500  # characters of typed values kept; a cookie holds about 4 KB


class Undo(msgspec.Struct):
    """A stock change or a move that may be undone for UNDO_SECONDS: the form on the next page carries it."""

    part_id: str
    delta: int
    at: float
    sig: str = ""
    moved_from: str | None = None  # a move: the location id it came from ("" for none); delta is 0
    moved_to: str = ""  # ... and the one it went to (the undo checks it is still there)


class Flash(msgspec.Struct, omit_defaults=True):
    ok: str | None = None
    error: str | None = None
    note: str | None = None  # neither done nor failed: "Your session had ended; Take 4 was not done. ..."
    action: str | None = None  # the form the error belongs to ...
    kept: dict[str, str] = {}  # ... and what was typed into it
    undo: Undo | None = None


T = TypeVar("T")


def _mac(request: Request[Any, Any, Any], purpose: str, value: str) -> str:
    return str(request.app.state["services"].auth.page_mac(purpose, value))


def sign(request: Request[Any, Any, Any], purpose: str, value: msgspec.Struct) -> str:
    """`value` as cookie text signed with the daemon's key (for `purpose` only)."""
    body = base64.urlsafe_b64encode(msgspec.json.encode(value)).decode().rstrip("=")
    return f"{body}.{_mac(request, purpose, body)}"


def unsign(request: Request[Any, Any, Any], purpose: str, raw: str, type_: type[T]) -> T | None:
    body, _, sig = raw.partition(".")
    if not body or not secrets.compare_digest(_mac(request, purpose, body).encode(), sig.encode()):
        return None
    try:
        return msgspec.json.decode(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), type=type_)
    except (msgspec.DecodeError, ValueError):
        return None


def encode(request: Request[Any, Any, Any], flash: Flash) -> str:
    return sign(request, "flash", flash)


def decode(request: Request[Any, Any, Any]) -> Flash | None:
    return unsign(request, "flash", request.cookies.get(FLASH_COOKIE, ""), Flash)


def keep(form: dict[str, Any]) -> dict[str, str]:
    """What the user typed, minus secrets and the token, trimmed to fit a cookie."""
    out: dict[str, str] = {}
    room = KEPT_LIMIT
    for key, value in form.items():
        text = value[-1] if isinstance(value, list) and value else value
        if not isinstance(text, str) or key in ("csrf_token", "action_id") or "password" in key:
            continue
        text = text[: max(0, min(200, room))]
        room -= len(text) + len(key)
        if room <= 0:
            break
        out[key[:60]] = text
    return out


def page_cookie(request: Request[Any, Any, Any], name: str, value: str, max_age: int) -> Cookie:
    """A cookie of the pages: httponly, same-site only, the whole site; an empty value clears it."""
    return Cookie(
        key=name,
        value=value,
        max_age=max_age if value else 0,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def cookie(request: Request[Any, Any, Any], flash: Flash | None) -> Cookie:
    """The cookie carrying `flash`, or (None) the one that clears it."""
    return page_cookie(request, FLASH_COOKIE, encode(request, flash) if flash else "", 300)


def redirect(request: Request[Any, Any, Any], url: str, flash: Flash) -> Redirect:
    if flash.ok:
        flash.ok = flash.ok[:TEXT_LIMIT]
    if flash.error:
        flash.error = flash.error[:TEXT_LIMIT]
    return Redirect(path=url, status_code=303, cookies=[cookie(request, flash)])
