"""The users page (admin): add a user, change a role, deactivate/reactivate, reset a password, the last-admin rule."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app_pool import client_for
from conftest import ADMIN_PASSWORD, FakeClock, add_user, login, make_settings
from makermatrix_edge.daemon import build_services
from makermatrix_edge.services import Services
from web_helpers import csrf_of, flash_of, page_login, post_form, refused_to, said


@pytest.fixture
def web(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[TestClient[Any], Services, str]]:
    services = build_services(make_settings(tmp_path / "data"), clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        with client_for(services) as client:
            admin = login(client, "admin", ADMIN_PASSWORD)
            client.cookies.clear()
            assert page_login(client).status_code == 303
            yield client, services, admin
    finally:
        services.close()


def user(client: TestClient[Any], services: Services, name: str) -> dict[str, Any]:
    with client.portal() as portal:
        found = portal.call(services.users.get_by_username, name)
    return {"id": found.id, "is_active": found.is_active, "roles": [r.name for r in found.roles]}


def can_log_in(client: TestClient[Any], name: str, password: str) -> bool:
    r = client.post("/api/auth/mobile-login", json={"username": name, "password": password})
    return r.status_code == 200


def test_add_a_user_with_a_role(web: tuple[TestClient[Any], Services, str]) -> None:
    client, services, _ = web
    page = client.get("/users")
    assert page.status_code == 200 and "Add a user" in page.text and "at least one active admin" in page.text
    r = post_form(client, "/users", "/users/new", username="alice", password="password-123", role="manager")
    assert r.status_code == 303 and said(r) == "Added alice (manager)"
    assert user(client, services, "alice")["roles"] == ["manager"]
    assert can_log_in(client, "alice", "password-123")
    assert "<strong>alice</strong>" in client.get("/users").text


def test_add_mistakes_are_sentences(web: tuple[TestClient[Any], Services, str]) -> None:
    client, _, _ = web
    short = post_form(client, "/users", "/users/new", username="bob", password="short", role="user")
    assert re.search(r"The password must be at least \d+ characters\.", refused_to(short, "/users"))
    assert flash_of(short)["kept"] == {"username": "bob", "role": "user"}  # what was typed, never the password
    bad = post_form(client, "/users", "/users/new", username="!", password="password-123", role="user")
    assert "User names use 2-64 letters" in refused_to(bad, "/users")
    taken = post_form(client, "/users", "/users/new", username="admin", password="password-123", role="user")
    assert "The username 'admin' is already taken" in refused_to(taken, "/users")
    role = post_form(client, "/users", "/users/new", username="carol", password="password-123", role="wizard")
    assert "Unknown role 'wizard'" in refused_to(role, "/users")


def test_change_a_role(web: tuple[TestClient[Any], Services, str]) -> None:
    client, services, admin = web
    bob = add_user(client, admin, "bob", "viewer")
    r = post_form(client, "/users", f"/users/{bob['id']}/role", role="user")
    assert r.status_code == 303 and said(r) == "bob is now user"
    assert user(client, services, "bob")["roles"] == ["user"]


def test_deactivate_and_reactivate(web: tuple[TestClient[Any], Services, str]) -> None:
    client, _, admin = web
    bob = add_user(client, admin, "bob", "user")
    ask = post_form(client, "/users", f"/users/{bob['id']}/active", active="0")
    assert ask.status_code == 200 and "Deactivate bob?" in ask.text and 'class="danger"' in ask.text  # asks first
    assert can_log_in(client, "bob", "password-123")
    r = client.post(
        f"/users/{bob['id']}/active",
        data={"csrf_token": csrf_of(ask.text), "active": "0", "confirm": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and said(r) == "bob is deactivated"
    assert not can_log_in(client, "bob", "password-123")
    assert "Reactivate bob" in client.get("/users").text
    r = post_form(client, "/users", f"/users/{bob['id']}/active", active="1")
    assert r.status_code == 303 and said(r) == "bob can log in again"
    assert can_log_in(client, "bob", "password-123")


def test_reset_a_password(web: tuple[TestClient[Any], Services, str]) -> None:
    client, _, admin = web
    bob = add_user(client, admin, "bob", "user")
    short = post_form(client, "/users", f"/users/{bob['id']}/password", password="x")
    assert "The new password must be at least" in refused_to(short, "/users")
    assert "password" not in str(flash_of(short).get("kept"))  # a password is never kept
    ask = post_form(client, "/users", f"/users/{bob['id']}/password", password="new-password-456")
    assert ask.status_code == 200 and "New password for bob?" in ask.text and can_log_in(client, "bob", "password-123")
    r = client.post(
        f"/users/{bob['id']}/password",
        data={"csrf_token": csrf_of(ask.text), "password": "new-password-456", "confirm": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and said(r) == "New password set for bob; their sessions have ended"
    assert not can_log_in(client, "bob", "password-123") and can_log_in(client, "bob", "new-password-456")
    page = client.get("/users").text
    assert f'action="/users/{bob["id"]}/password"' in page
    assert "/password" not in page.split("<strong>admin</strong>", 1)[1].split("</li>", 1)[0]  # not for yourself


def test_the_last_admin_rule_is_shown_in_words(web: tuple[TestClient[Any], Services, str]) -> None:
    client, services, _ = web
    me = user(client, services, "admin")["id"]
    assert "Deactivate admin" not in client.get("/users").text  # not even offered (issue 17 point 12)
    r = post_form(client, "/users", f"/users/{me}/active", active="0", confirm="1")
    assert "it is the last active admin. Make another user admin first." in refused_to(r, "/users")
    shown = client.get("/users").text
    assert 'id="failed" class="error" role="alert"' in shown and "it is the last active admin" in shown
    # Nobody changes their own roles (issue 22 point 1), so the form is not offered for oneself.
    assert f'action="/users/{me}/role"' not in client.get("/users").text
    r = post_form(client, "/users", f"/users/{me}/role", role="manager")
    assert r.status_code == 403 and "You cannot change your own roles" in r.text and 'role="alert"' in r.text
    assert user(client, services, "admin") == {"id": me, "is_active": True, "roles": ["admin"]}


def test_only_admins_change_users(web: tuple[TestClient[Any], Services, str]) -> None:
    client, _, admin = web
    add_user(client, admin, "mgr", "manager")  # users:read, not users:write
    target = add_user(client, admin, "bob", "user")
    post_form(client, "/", "/logout")
    client.cookies.clear()
    assert page_login(client, "mgr", "password-123").status_code == 303
    page = client.get("/users")
    assert page.status_code == 200 and "<strong>bob</strong>" in page.text
    assert "Add a user" not in page.text and "Set role" not in page.text and "Deactivate" not in page.text
    csrf = csrf_of(page.text)
    for action, fields in (
        ("/users/new", {"username": "eve", "password": "password-123", "role": "admin"}),
        (f"/users/{target['id']}/role", {"role": "admin"}),
        (f"/users/{target['id']}/active", {"active": "0", "confirm": "1"}),
        (f"/users/{target['id']}/password", {"password": "password-999", "confirm": "1"}),
    ):
        r = client.post(action, data={"csrf_token": csrf, **fields}, follow_redirects=False)
        assert r.status_code == 403 and "may not do this" in r.text, action
    assert can_log_in(client, "bob", "password-123")


def test_12_own_password_and_the_rule_shown_before_a_failure(web: tuple[TestClient[Any], Services, str]) -> None:
    client, _, _ = web
    page = client.get("/users").text
    assert "Passwords: At least 8 characters" in page and 'action="/account/password"' in page
    wrong = post_form(client, "/users", "/account/password", current_password="nope", new_password="brand-new-pw-1")
    assert refused_to(wrong, "/users") == "The current password is not your current password."
    assert "kept" not in flash_of(wrong)  # neither password travels in the cookie
    r = post_form(client, "/users", "/account/password", current_password=ADMIN_PASSWORD, new_password="brand-new-pw-1")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert said(r) == "Password changed. Log in with the new one."
    assert can_log_in(client, "admin", "brand-new-pw-1")


def test_a_failed_form_comes_back_on_its_page_and_a_post_address_reopened_opens_it(
    web: tuple[TestClient[Any], Services, str],
) -> None:
    """The walk's #2: a failed Add user stayed at /users/new, whose reload said "Method Not Allowed"."""
    client, _, _ = web
    taken = post_form(client, "/users", "/users/new", username="admin", password="password-123", role="viewer")
    assert refused_to(taken, "/users") == "The username 'admin' is already taken."
    page = client.get("/users").text  # where the redirect leads: the reason, and the form to fill it back into
    assert 'id="failed" class="error" role="alert">The username &#39;admin&#39; is already taken.' in page
    kept = re.search(r'data-kept="([^"]+)"', page)
    assert kept and "/users/new" in kept.group(1) and "viewer" in kept.group(1) and "password-123" not in page
    wrong = post_form(client, "/users", "/account/password", current_password="nope", new_password="brand-new-pw-1")
    assert refused_to(wrong, "/users") == "The current password is not your current password."
    # The old addresses, reopened (a reload of the failed page, history, a bookmark): the form's page.
    for address, page_of in (("/users/new", "/users"), ("/account/password", "/"), ("/users/x/role", "/users")):
        r = client.get(address, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == page_of, address
