"""Add and edit a part, the printer page, and unknown addresses answered as pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app_pool import client_for
from conftest import ADMIN_PASSWORD, FakeClock, bearer, login, make_settings
from inventory_helpers import add_location, add_part
from makermatrix_edge.daemon import build_services
from web_helpers import page_login, post_form, said


@pytest.fixture
def web(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[TestClient[Any], dict[str, str]]]:
    settings = make_settings(tmp_path / "data", printer={"kind": "fake", "fake_model": "QL-700", "fake_media": "62"})
    services = build_services(settings, clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        with client_for(services) as client:
            headers = bearer(login(client, "admin", ADMIN_PASSWORD))
            client.cookies.clear()
            assert page_login(client).status_code == 303
            yield client, headers
    finally:
        services.close()


def test_add_a_part_then_edit_it(web: tuple[TestClient[Any], dict[str, str]]) -> None:
    client, headers = web
    bin_id = add_location(client, headers, "Bin 9")
    form = client.get("/parts/new?part_name=NE555DR&supplier=LCSC&quantity=25")
    assert form.status_code == 200 and 'value="NE555DR"' in form.text and 'value="25"' in form.text
    assert form.text.count("<label for=") == form.text.count("<input id=") + form.text.count("<select id=") + 1
    r = post_form(
        client, "/parts/new", "/parts/new",
        part_name="NE555DR timer", supplier="LCSC", quantity="25", min_quantity="5", location_id=bin_id,
        categories="Timer, IC",
    )  # fmt: skip
    assert r.status_code == 303, r.text
    part_url = r.headers["location"].split("?")[0]
    page = client.get(part_url).text
    assert "NE555DR timer" in page and '<span id="quantity">25</span>' in page and "Bin 9" in page and "Timer" in page
    r = post_form(client, f"{part_url}/edit", f"{part_url}/edit", part_name="NE555 timer (DIP)", min_quantity="30",
                  location_id=bin_id, categories="Timer")  # fmt: skip
    assert r.status_code == 303 and said(r) == "Saved"
    page = client.get(part_url).text
    assert "NE555 timer (DIP)" in page and "Low stock" in page and '<span id="quantity">25</span>' in page


def test_form_mistakes_come_back_on_the_form(web: tuple[TestClient[Any], dict[str, str]]) -> None:
    client, headers = web
    add_part(client, headers, "Taken name")
    r = post_form(client, "/parts/new", "/parts/new", part_name="", quantity="3")
    assert r.status_code == 400 and 'role="alert"' in r.text and 'value="3"' in r.text
    r = post_form(client, "/parts/new", "/parts/new", part_name="Taken name")
    assert r.status_code == 409 and "Taken name" in r.text and "<form" in r.text
    r = post_form(client, "/parts/new", "/parts/new", part_name="X", quantity="-4")
    assert r.status_code == 400 and "The quantity must be a whole number" in r.text


def test_printer_page_shows_state_and_jobs(web: tuple[TestClient[Any], dict[str, str]]) -> None:
    client, headers = web
    part = add_part(client, headers, "Resistor 10k")
    url = f"/p/{part['id']}"
    assert post_form(client, url, f"{url}/print").status_code == 303
    page = client.get("/printer")
    assert page.status_code == 200 and "QL-700" in page.text and "Resistor 10k" in page.text and "done" in page.text


def test_unknown_page_addresses_are_pages_and_the_api_keeps_json(web: tuple[TestClient[Any], dict[str, str]]) -> None:
    client, _ = web
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"] and "<h1>Not found</h1>" in r.text
    assert client.get("/api/nothing-here").json()["status"] == "error"


def test_tasks_backups_and_users_pages(web: tuple[TestClient[Any], dict[str, str]]) -> None:
    client, _ = web
    page = client.get("/backups")
    assert page.status_code == 200 and "Back up now" in page.text and 'href="/users"' in page.text
    r = post_form(client, "/backups", "/backups/run")
    assert r.status_code == 303 and r.headers["location"] == "/backups"
    assert "Database Backup" in client.get("/tasks").text
    assert "Database Backup" in client.get("/tasks/list").text
    users = client.get("/users")
    assert users.status_code == 200 and "<strong>admin</strong>" in users.text and "admin" in users.text


def test_a_viewer_is_told_what_it_may_not_open(web: tuple[TestClient[Any], dict[str, str]]) -> None:
    client, headers = web
    made = client.post(
        "/api/users/register", json={"username": "viewer1", "password": "password-123", "roles": ["viewer"]},
        headers=headers,
    )  # fmt: skip
    assert made.status_code == 200, made.text
    post_form(client, "/", "/logout")
    client.cookies.clear()
    assert page_login(client, "viewer1", "password-123").status_code == 303
    home = client.get("/")
    assert 'href="/backups"' not in home.text and 'href="/users"' not in home.text
    for url in ("/backups", "/users", "/parts/new"):
        r = client.get(url)
        assert r.status_code == 403 and "may not do this" in r.text, url
