"""MakerMatrix's web-app addresses (/dashboard, /parts, /parts/<id>, /settings...) lead to the matching phone page."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import add_user, bearer
from inventory_helpers import add_part
from web_helpers import page_login

pytestmark = pytest.mark.shared_app


def hop(client: TestClient[Any], path: str) -> str:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303, (path, response.status_code)
    return str(response.headers["location"])


def test_its_addresses_lead_to_the_phone_pages(client: TestClient[Any], admin_token: str) -> None:
    part = add_part(client, bearer(admin_token), "Link test resistor", quantity=4)
    assert page_login(client).status_code == 303
    for path in ("/dashboard", "/parts", "/inventory", "/parts/"):
        assert hop(client, path) == "/", path
    assert hop(client, f"/parts/{part['id']}") == f"/p/{part['id']}"
    assert hop(client, f"/parts/{part['id']}/edit") == f"/p/{part['id']}/edit"
    shown = client.get(f"/parts/{part['id']}")
    assert shown.status_code == 200 and "Link test resistor" in shown.text
    assert shown.url.path == f"/p/{part['id']}"
    edit = client.get(f"/parts/{part['id']}/edit")
    assert edit.status_code == 200 and 'value="Link test resistor"' in edit.text
    # The phone's own pages under /parts/ are not taken for part ids.
    assert client.get("/parts/new", follow_redirects=False).status_code == 200
    assert client.get("/parts/move", follow_redirects=False).headers["location"] != "/p/move"  # its own answer


def test_an_id_stays_one_segment_of_the_part_page(client: TestClient[Any]) -> None:
    assert page_login(client).status_code == 303
    assert hop(client, "/parts/a%23b%3Fc") == "/p/a%23b%3Fc"
    missing = client.get("/parts/no-such-part")
    assert missing.status_code == 404 and missing.url.path == "/p/no-such-part"
    assert "text/html" in missing.headers["content-type"]


def test_without_a_login_they_go_to_the_login_page_and_on_after_it(client: TestClient[Any]) -> None:
    for path in ("/dashboard", "/parts", "/inventory", "/settings"):
        client.cookies.clear()
        answer = client.get(path)  # MakerMatrix's test_spa_routes: followed, an HTML page
        assert answer.status_code == 200 and "text/html" in answer.headers["content-type"], path
        assert answer.url.path == "/login" and f"next={path}" in str(answer.url), path
    client.cookies.clear()
    landed = page_login(client, next_url="/dashboard")
    assert landed.status_code == 303 and landed.headers["location"] == "/dashboard"
    assert client.get("/dashboard").url.path == "/"


def test_settings_lists_the_setting_pages_this_account_may_open(client: TestClient[Any], admin_token: str) -> None:
    assert page_login(client).status_code == 303
    admin = client.get("/settings")
    assert admin.status_code == 200 and "<h1>Settings</h1>" in admin.text
    for href in ("/printer", "/suppliers", "/backups", "/users", "/tasks"):
        assert f'href="{href}"' in admin.text, href
    assert "API keys for scripts are set from a computer" in admin.text  # not the supplier keys, which are here
    assert "supplier keys are under Suppliers" in admin.text
    add_user(client, admin_token, "links-viewer", "viewer")
    client.cookies.clear()
    assert page_login(client, "links-viewer", "password-123").status_code == 303
    viewer = client.get("/settings")
    assert viewer.status_code == 200
    assert 'href="/tasks"' in viewer.text and 'href="/backups"' not in viewer.text
    assert 'href="/suppliers"' not in viewer.text and 'href="/printer"' not in viewer.text
    assert "supplier keys are under Suppliers" not in viewer.text  # no pointer to a page they cannot open


def test_other_unknown_addresses_stay_not_found(client: TestClient[Any]) -> None:
    assert page_login(client).status_code == 303
    for path in ("/dashboard/extra", "/unauthorized", "/no-such-page"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 404, path
