"""Helpers for the phone-page tests: a logged-in page session and form posts with the CSRF token."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def page_login(
    client: TestClient[Any], username: str = "admin", password: str = ADMIN_PASSWORD, next_url: str = "/"
) -> Any:
    form = client.get("/login")
    assert form.status_code == 200, form.text
    return client.post(
        "/login",
        data={"username": username, "password": password, "next": next_url, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )


def post_form(client: TestClient[Any], page: str, action: str, **fields: str) -> Any:
    """Post a form the way the browser does: the CSRF token from the page it sits on."""
    html = client.get(page).text
    return client.post(action, data={"csrf_token": csrf_of(html), **fields}, follow_redirects=False)
