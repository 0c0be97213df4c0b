from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app_pool import client_for
from conftest import ADMIN_PASSWORD, FakeClock, add_user, bearer, login, make_settings
from makermatrix_edge.daemon import build_services


def test_registration_is_admin_only_by_default(client: TestClient[Any], admin_token: str) -> None:
    anonymous = client.post("/api/users/register", json={"username": "eve", "password": "password-123"})
    assert anonymous.status_code == 401 and "Registration is closed" in anonymous.json()["message"]
    add_user(client, admin_token, "frank", "user")
    frank = login(client, "frank", "password-123")
    by_user = client.post(
        "/api/users/register", json={"username": "eve", "password": "password-123"}, headers=bearer(frank)
    )
    assert by_user.status_code == 403
    names = [u["username"] for u in client.get("/api/users/all", headers=bearer(admin_token)).json()["data"]]
    assert names == ["admin", "frank"]


def test_open_registration_gives_user_role_whatever_is_asked(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, accounts={"open_registration": True})
    services = build_services(settings, clock=FakeClock(), admin_password=ADMIN_PASSWORD)
    try:
        with client_for(services) as client:
            response = client.post(
                "/api/auth/register", json={"username": "mallory", "password": "password-123", "roles": ["admin"]}
            )
            assert response.status_code == 200, response.text
            assert [r["name"] for r in response.json()["data"]["roles"]] == ["user"]
            token = login(client, "mallory", "password-123")
            assert client.get("/api/users/all", headers=bearer(token)).status_code == 403
    finally:
        services.close()


def test_register_validation(client: TestClient[Any], admin_token: str) -> None:
    headers = bearer(admin_token)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"username": "x1", "password": "short"}, 422, "password: must be at least 8 characters"),
        ({"username": "x1", "password": "p" * 73}, 422, "at most 72 bytes"),
        ({"username": "bad name", "password": "password-123"}, 422, "username:"),
        ({"username": "../etc", "password": "password-123"}, 422, "username:"),
        ({"username": "x1", "password": "password-123", "email": "nope"}, 422, "email: is not an email address"),
        ({"username": "x1", "password": "password-123", "roles": ["wizard"]}, 422, "unknown role 'wizard'"),
        ({"username": "x1"}, 422, "password: is required"),
        ({"username": ["x"], "password": "password-123"}, 422, "username: expected str, got array"),
        ({"username": "x1", "password": "password-123", "is_admin": True}, 422, "is_admin: is not a known field"),
        ({"username": "ADMIN", "password": "password-123"}, 409, "'ADMIN' is already taken"),
    ]
    for body, status, message in cases:
        response = client.post("/api/users/register", json=body, headers=headers)
        assert response.status_code == status, (body, response.text)
        assert message in response.json()["message"], (body, response.text)
    assert len(client.get("/api/users/all", headers=headers).json()["data"]) == 1  # nothing half-made


def test_duplicate_email_is_409(client: TestClient[Any], admin_token: str) -> None:
    headers = bearer(admin_token)
    body = {"username": "g1", "password": "password-123", "email": "g@bench.local"}
    assert client.post("/api/users/register", json=body, headers=headers).status_code == 200
    again = client.post(
        "/api/users/register", json={**body, "username": "g2", "email": "G@bench.local"}, headers=headers
    )
    assert again.status_code == 409 and "email" in again.json()["message"]


def test_users_see_themselves_but_not_others(client: TestClient[Any], admin_token: str) -> None:
    alice = add_user(client, admin_token, "alice", "user")
    bob = add_user(client, admin_token, "bob", "viewer")
    token = login(client, "alice", "password-123")
    assert client.get(f"/api/users/{alice['id']}", headers=bearer(token)).status_code == 200
    assert client.get("/api/users/by-username/ALICE", headers=bearer(token)).status_code == 200
    assert client.get(f"/api/users/{bob['id']}", headers=bearer(token)).status_code == 403
    assert client.get("/api/users/by-username/bob", headers=bearer(token)).status_code == 403
    assert client.get("/api/users/all", headers=bearer(token)).status_code == 403
    missing = client.get("/api/users/no-such-id", headers=bearer(admin_token))
    assert missing.status_code == 404 and missing.json()["status"] == "error"


def test_self_update_cannot_raise_own_role(client: TestClient[Any], admin_token: str) -> None:
    alice = add_user(client, admin_token, "alice", "user")
    token = login(client, "alice", "password-123")
    escalate = client.put(f"/api/users/{alice['id']}", json={"roles": ["admin"]}, headers=bearer(token))
    assert escalate.status_code == 403
    renamed = client.put(f"/api/users/{alice['id']}", json={"email": "alice@bench.local"}, headers=bearer(token))
    assert renamed.status_code == 200 and renamed.json()["data"]["email"] == "alice@bench.local"
    other = add_user(client, admin_token, "zed", "user")
    assert client.put(f"/api/users/{other['id']}", json={"email": "x@y.z"}, headers=bearer(token)).status_code == 403


def test_admin_changes_roles(client: TestClient[Any], admin_token: str) -> None:
    alice = add_user(client, admin_token, "alice", "viewer")
    response = client.put(f"/api/users/{alice['id']}", json={"roles": ["manager"]}, headers=bearer(admin_token))
    assert response.status_code == 200
    assert "parts:delete" in response.json()["data"]["permissions"]


def test_last_admin_cannot_be_deleted_demoted_or_deactivated(client: TestClient[Any], admin_token: str) -> None:
    me = client.get("/api/auth/me", headers=bearer(admin_token)).json()["data"]
    headers = bearer(admin_token)
    for method, path, body in [
        ("DELETE", f"/api/users/{me['id']}", None),
        ("PUT", f"/api/users/{me['id']}", {"is_active": False}),
    ]:
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 409, response.text
        assert "last active admin" in response.json()["message"]
    still = client.get("/api/auth/me", headers=headers).json()["data"]
    assert [r["name"] for r in still["roles"]] == ["admin"] and still["is_active"]
    second = add_user(client, admin_token, "root2", "admin")
    assert client.delete(f"/api/users/{me['id']}", headers=headers).status_code == 200
    root2 = login(client, "root2", "password-123")
    assert client.delete(f"/api/users/{second['id']}", headers=bearer(root2)).status_code == 409


def test_only_admin_deletes_users(client: TestClient[Any], admin_token: str) -> None:
    target = add_user(client, admin_token, "target", "user")
    add_user(client, admin_token, "boss", "manager")
    boss = login(client, "boss", "password-123")
    assert client.delete(f"/api/users/{target['id']}", headers=bearer(boss)).status_code == 403
    assert client.delete(f"/api/users/{target['id']}", headers=bearer(admin_token)).status_code == 200
    assert client.delete(f"/api/users/{target['id']}", headers=bearer(admin_token)).status_code == 404


def test_password_change_rules(client: TestClient[Any], admin_token: str) -> None:
    alice = add_user(client, admin_token, "alice", "user")
    token = login(client, "alice", "password-123")
    path = f"/api/users/{alice['id']}/password"
    no_current = client.put(path, json={"new_password": "another-pass-1"}, headers=bearer(token))
    assert no_current.status_code == 422 and "current_password" in no_current.json()["message"]
    wrong = client.put(
        path, json={"current_password": "not-it-at-all", "new_password": "another-pass-1"}, headers=bearer(token)
    )
    assert wrong.status_code == 400 and "not your current password" in wrong.json()["message"]  # as MakerMatrix
    short = client.put(path, json={"current_password": "password-123", "new_password": "short"}, headers=bearer(token))
    assert short.status_code == 422 and "new_password" in short.json()["message"]
    login(client, "alice", "password-123")  # nothing changed so far
    # An admin resets it without the old one; alice must change it at next login.
    reset = client.put(path, json={"new_password": "temporary-pw-9"}, headers=bearer(admin_token))
    assert reset.status_code == 200
    response = client.post("/api/auth/login", json={"username": "alice", "password": "temporary-pw-9"})
    assert response.json()["password_change_required"] is True


@pytest.mark.parametrize("size", [2 * 1024 * 1024])
def test_oversized_body_is_413_and_changes_nothing(client: TestClient[Any], admin_token: str, size: int) -> None:
    body = b'{"username": "big", "password": "' + b"x" * size + b'"}'
    response = client.post(
        "/api/users/register", content=body, headers={**bearer(admin_token), "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {
        "status": "error",
        "message": "Request body too large",
        "data": None,
        "detail": "Request body too large",
    }
    assert len(client.get("/api/users/all", headers=bearer(admin_token)).json()["data"]) == 1
