"""Helpers for the phone-page tests: a logged-in page session and form posts with the CSRF token."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app_pool import client_for
from conftest import ADMIN_PASSWORD, FakeClock, bearer, login, make_settings
from inventory_helpers import add_location, add_part
from makermatrix_edge.daemon import build_services
from makermatrix_edge.services import Services

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


class Bench:
    def __init__(self, client: TestClient[Any], services: Services, headers: dict[str, str]) -> None:
        self.client, self.services, self.headers = client, services, headers
        shelf = add_location(client, headers, "Shelf 1")
        self.drawer = add_location(client, headers, "Drawer A", shelf)
        self.shelf = shelf
        self.ne555 = add_part(
            client,
            headers,
            "NE555 timer",
            part_number="C7593",
            supplier="LCSC",
            quantity=10,
            min_quantity=5,
            location_id=self.drawer,
        )
        self.cap = add_part(client, headers, "100nF capacitor 0603", part_number="C14663", quantity=200)


def make_bench(tmp_path: Path, clock: FakeClock, **sections: Any) -> Iterator[Bench]:
    """The body of a `bench` fixture: a daemon in-process with a shelf, a drawer and two parts."""
    printer = {"kind": "fake", "fake_model": "QL-700", "fake_media": "62"}
    settings = make_settings(tmp_path / "data", printer=printer, **sections)
    services = build_services(settings, clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        with client_for(services) as client:
            made = Bench(client, services, bearer(login(client, "admin", ADMIN_PASSWORD)))
            client.cookies.clear()  # the API login set the refresh cookie: the pages start logged out
            yield made
    finally:
        services.close()


def logged_in(bench: Bench) -> TestClient[Any]:
    """The body of a `web` fixture: the bench's client with a page session as admin."""
    response = page_login(bench.client)
    assert response.status_code == 303 and response.headers["location"] == "/"
    return bench.client


def flash_of(response: Any) -> dict[str, Any]:
    """The one-time message a redirect set (the signed mm_flash cookie's body), {} when none."""
    raw = response.cookies.get("mm_flash") or ""
    body = raw.strip('"').partition(".")[0]
    if not body:
        return {}
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


def said(response: Any) -> str:
    return str(flash_of(response).get("ok") or "")


def refused_to(response: Any, page: str) -> str:
    """A refused form post's answer: back on `page` (post/redirect/get), the reason in the one-time message."""
    assert response.status_code == 303, (response.status_code, response.text[:300])
    assert response.headers["location"] == page, response.headers["location"]
    return str(flash_of(response).get("error") or "")


# The page tests' two fixtures, shared: `from web_helpers import bench, web` (and name them in __all__).
@pytest.fixture
def bench(tmp_path: Path, clock: FakeClock) -> Iterator[Bench]:
    """A fresh daemon's services with a shelf, a drawer and a part (make_bench), per test."""
    yield from make_bench(tmp_path, clock)


@pytest.fixture
def web(bench: Bench) -> TestClient[Any]:
    """A browser-like client logged in to the pages as the bench's admin."""
    return logged_in(bench)
