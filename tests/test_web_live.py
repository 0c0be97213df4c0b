"""The home and part pages carry a short-lived access token for /ws/events (the page holds only the cookie)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app_pool import client_for
from conftest import ADMIN_PASSWORD, FakeClock, add_user, bearer, login, make_settings
from inventory_helpers import add_part
from makermatrix_edge.daemon import build_services
from makermatrix_edge.services import Services
from web_helpers import page_login

TOKEN = re.compile(r'data-live-token="([^"]+)"')


@pytest.fixture
def app(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[TestClient[Any], Services, str]]:
    services = build_services(make_settings(tmp_path / "data"), clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        with client_for(services) as client:
            admin = login(client, "admin", ADMIN_PASSWORD)
            client.cookies.clear()
            yield client, services, admin
    finally:
        services.close()


def live_token(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "page has no live token"
    return match.group(1)


def test_home_page_token_is_valid_for_the_logged_in_user(app: tuple[TestClient[Any], Services, str]) -> None:
    client, services, admin = app
    add_user(client, admin, "bench1", "viewer")
    client.cookies.clear()
    assert page_login(client, "bench1", "password-123").status_code == 303
    token = live_token(client.get("/").text)
    with client.portal() as portal:
        principal = portal.call(services.auth.authenticate_token, token)
    assert principal.username == "bench1" and principal.can("parts:read") and not principal.can("parts:write")
    me = client.get("/api/auth/me", headers=bearer(token))  # and the API takes it as that user
    assert me.status_code == 200 and me.json()["data"]["username"] == "bench1"


def test_no_token_for_a_logged_out_page(app: tuple[TestClient[Any], Services, str]) -> None:
    client, _, _ = app
    assert "data-live-token" not in client.get("/login").text


def test_page_token_opens_the_events_socket_and_scans_arrive(app: tuple[TestClient[Any], Services, str]) -> None:
    client, _, admin = app
    part = add_part(client, bearer(admin), "NE555 timer", part_number="C7593", supplier="LCSC", quantity=10)
    assert page_login(client).status_code == 303
    token = live_token(client.get("/").text)
    with client.websocket_connect(f"/ws/events?token={token}") as ws:
        assert ws.receive_json(timeout=5)["user"] == "admin"
        scanned = client.post("/api/scan", json={"payload": "C7593"}, headers=bearer(admin))
        assert scanned.status_code < 300, scanned.text
        event = ws.receive_json(timeout=5)
        assert event["type"] == "scan" and event["data"]["part"]["id"] == part["id"]
    # the part page carries one too, with its id where app.js looks for quantity updates
    page = client.get(f"/p/{part['id']}").text
    assert live_token(page) and f'data-live-part="{part["id"]}"' in page


def test_the_page_token_is_short_lived(client: Any, services: Any) -> None:
    import asyncio

    import jwt

    from makermatrix_edge.web.pages import LIVE_TOKEN_SECONDS

    admin = asyncio.run(services.users.get_by_username("admin"))
    token = asyncio.run(services.auth.access_token_for(admin.id, seconds=LIVE_TOKEN_SECONDS))
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == LIVE_TOKEN_SECONDS < 8 * 3600
