"""An admin account changes only by the hand of an admin acting with admin rights."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from conftest import add_user, bearer


def _key(client: TestClient[Any], admin_token: str, *permissions: str) -> dict[str, str]:
    created = client.post(
        "/api/api-keys", json={"name": "script", "permissions": list(permissions)}, headers=bearer(admin_token)
    )
    assert created.status_code == 200, created.text
    return {"X-API-Key": created.json()["data"]["key"]}


def test_a_users_write_key_cannot_touch_another_admin(client: TestClient[Any], admin_token: str) -> None:
    other = add_user(client, admin_token, "second-admin", "admin", password="second-admin-pw")
    key = _key(client, admin_token, "users:write", "users:delete")
    attempts = [
        client.put(f"/api/users/{other['id']}/password", json={"new_password": "taken-over-1"}, headers=key),
        client.put(f"/api/users/{other['id']}", json={"roles": ["user"]}, headers=key),
        client.put(f"/api/users/{other['id']}", json={"is_active": False}, headers=key),
        client.put(f"/api/users/{other['id']}", json={"email": "mine@example.org"}, headers=key),
        client.delete(f"/api/users/{other['id']}", headers=key),
    ]
    for response in attempts:
        assert response.status_code == 403, response.text
        assert "admin" in response.json()["message"]
    # Nothing changed: the old password still works and the account is still an active admin.
    login = client.post("/api/auth/login", json={"username": "second-admin", "password": "second-admin-pw"})
    assert login.status_code == 200
    hijack = client.post("/api/auth/login", json={"username": "second-admin", "password": "taken-over-1"})
    assert hijack.status_code == 401
    user = client.get(f"/api/users/{other['id']}", headers=bearer(admin_token)).json()["data"]
    assert user["is_active"] is True and [r["name"] for r in user["roles"]] == ["admin"] and user["email"] is None


def test_the_same_key_still_manages_ordinary_users(client: TestClient[Any], admin_token: str) -> None:
    carol = add_user(client, admin_token, "carol", "user")
    key = _key(client, admin_token, "users:write", "users:delete")
    changed = client.put(f"/api/users/{carol['id']}/password", json={"new_password": "carol-new-pw"}, headers=key)
    assert changed.status_code == 200, changed.text
    assert client.put(f"/api/users/{carol['id']}", json={"is_active": False}, headers=key).status_code == 200
    assert client.delete(f"/api/users/{carol['id']}", headers=key).status_code == 200


def test_an_admin_token_or_admin_key_may_change_an_admin(client: TestClient[Any], admin_token: str) -> None:
    other = add_user(client, admin_token, "second-admin", "admin", password="second-admin-pw")
    key = _key(client, admin_token, "admin")
    moved = client.put(f"/api/users/{other['id']}/password", json={"new_password": "reset-by-key"}, headers=key)
    assert moved.status_code == 200, moved.text
    demoted = client.put(f"/api/users/{other['id']}", json={"roles": ["user"]}, headers=bearer(admin_token))
    assert demoted.status_code == 200, demoted.text
