"""Rendering a page: the template plus what every page needs (user, CSRF token, flash message)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Request
from litestar.response import Redirect, Template

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import Conflict, InvalidInput
from makermatrix_edge.web.session import csrf_cookie, csrf_token

NAV = (("/", "Find"), ("/scan", "Scan"), ("/locations", "Locations"), ("/printer", "Printer"), ("/tasks", "Tasks"))
ADMIN_NAV = (("/backups", "Backups", "backup:manage"), ("/users", "Users", "users:read"))


def page(
    request: Request[Any, Any, Any],
    name: str,
    principal: Principal | None,
    status_code: int = 200,
    **context: Any,
) -> Template:
    token = csrf_token(request)
    return Template(
        template_name=name,
        context={
            "user": principal,
            "csrf": token,
            "nav": [*NAV, *((h, label) for h, label, need in ADMIN_NAV if principal and principal.can(need))],
            "path": request.url.path,
            "said": request.query_params.get("said"),
            **context,
        },
        status_code=status_code,
        cookies=csrf_cookie(request),
        headers={"Cache-Control": "no-store"},
    )


def back(url: str, said: str | None = None) -> Redirect:
    """Post/redirect/get: a reload after a post never repeats it. `said` shows as the page's message."""
    if said:
        from urllib.parse import urlencode

        url = f"{url}{'&' if '?' in url else '?'}{urlencode({'said': said})}"
    return Redirect(path=url, status_code=303)


def form_error(exc: Exception, labels: Mapping[str, str]) -> tuple[str, int]:
    """A form's failure as (sentence, status): "name: must not be empty" reads "The name must not be empty.".

    `labels` names the fields in words; a field mapped to "" is told without its name.
    """
    status = 409 if isinstance(exc, Conflict) else 400
    if isinstance(exc, InvalidInput) and exc.field in labels:
        text = exc.message.split(": ", 1)[-1]
        label = labels[exc.field or ""]
        sentence = f"{label} {text}" if label else text[:1].upper() + text[1:]
        return (sentence if sentence.endswith(".") else f"{sentence}."), status
    if isinstance(exc, msgspec.ValidationError):
        return f"That did not work: {exc}", status
    return str(getattr(exc, "message", exc)), status
