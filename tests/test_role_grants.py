"""Role names compare in one form; nobody grants permissions they lack, nor changes their own roles."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from conftest import add_user, bearer, login


def _key(client: TestClient[Any], admin_token: str, *permissions: str) -> dict[str, str]:
    created = client.post(
        "/api/api-keys", json={"name": "script", "permissions": list(permissions)}, headers=bearer(admin_token)
    )
    assert created.status_code == 200, created.text
    return {"X-API-Key": created.json()["data"]["key"]}


def _role(client: TestClient[Any], admin_token: str, name: str, *permissions: str) -> None:
    made = client.post(
        "/api/users/roles/add_role", json={"name": name, "permissions": list(permissions)}, headers=bearer(admin_token)
    )
    assert made.status_code == 200, made.text


def _roles_of(client: TestClient[Any], admin_token: str, user_id: str) -> list[str]:
    user = client.get(f"/api/users/{user_id}", headers=bearer(admin_token)).json()["data"]
    return [r["name"] for r in user["roles"]]


def test_a_users_write_key_cannot_make_an_admin_in_any_case(client: TestClient[Any], admin_token: str) -> None:
    carol = add_user(client, admin_token, "carol", "user")
    key = _key(client, admin_token, "users:write")
    for spelling in ("admin", "Admin", "ADMIN", " aDmIn "):
        changed = client.put(f"/api/users/{carol['id']}", json={"roles": [spelling]}, headers=key)
        assert changed.status_code == 403, (spelling, changed.text)
        assert "admin" in changed.json()["message"]
        made = client.post(
            "/api/users/register",
            json={"username": f"new{len(spelling)}", "password": "password-123", "roles": [spelling]},
            headers=key,
        )
        assert made.status_code == 403, (spelling, made.text)
    assert _roles_of(client, admin_token, carol["id"]) == ["user"]
    names = [u["username"] for u in client.get("/api/users/all", headers=bearer(admin_token)).json()["data"]]
    assert sorted(names) == ["admin", "carol"]


def test_a_user_cannot_raise_their_own_roles(client: TestClient[Any], admin_token: str) -> None:
    _role(client, admin_token, "clerk", "users:read", "users:write")
    dave = add_user(client, admin_token, "dave", "clerk")
    token = bearer(login(client, "dave", "password-123"))
    for roles in (["ADMIN"], ["Admin"], ["admin"], ["clerk", "manager"]):
        escalate = client.put(f"/api/users/{dave['id']}", json={"roles": roles}, headers=token)
        assert escalate.status_code == 403, (roles, escalate.text)
    assert _roles_of(client, admin_token, dave["id"]) == ["clerk"]
    me = client.get("/api/auth/me", headers=token).json()["data"]
    assert "admin" not in me["permissions"]
    # Sending the roles one already has changes nothing and is not refused.
    same = client.put(f"/api/users/{dave['id']}", json={"roles": ["Clerk"], "email": "d@bench.local"}, headers=token)
    assert same.status_code == 200, same.text


def test_no_one_gives_a_role_carrying_permissions_they_lack(client: TestClient[Any], admin_token: str) -> None:
    _role(client, admin_token, "clerk", "users:read", "users:write", "parts:read")
    _role(client, admin_token, "reader", "parts:read")
    add_user(client, admin_token, "dave", "clerk")
    erin = add_user(client, admin_token, "erin", "reader")
    token = bearer(login(client, "dave", "password-123"))
    wider = client.put(f"/api/users/{erin['id']}", json={"roles": ["manager"]}, headers=token)
    assert wider.status_code == 403 and "which you do not hold" in wider.json()["message"], wider.text
    own_role = client.put(f"/api/users/{erin['id']}", json={"roles": ["Clerk"]}, headers=token)
    assert own_role.status_code == 200, own_role.text
    assert _roles_of(client, admin_token, erin["id"]) == ["clerk"]
    made = client.post(
        "/api/users/register", json={"username": "fred", "password": "password-123", "roles": ["viewer"]}, headers=token
    )
    assert made.status_code == 403, made.text  # viewer carries categories:read, which a clerk lacks


def test_an_admin_keeps_their_own_roles(client: TestClient[Any], admin_token: str) -> None:
    me = client.get("/api/auth/me", headers=bearer(admin_token)).json()["data"]
    add_user(client, admin_token, "root2", "admin")
    demote = client.put(f"/api/users/{me['id']}", json={"roles": ["user"]}, headers=bearer(admin_token))
    assert demote.status_code == 403 and "your own roles" in demote.json()["message"]
    assert _roles_of(client, admin_token, me["id"]) == ["admin"]
    other = bearer(login(client, "root2", "password-123"))
    assert client.put(f"/api/users/{me['id']}", json={"roles": ["user"]}, headers=other).status_code == 200


def test_role_names_resolve_in_any_case(client: TestClient[Any], admin_token: str) -> None:
    erin = add_user(client, admin_token, "erin", "Viewer")
    assert _roles_of(client, admin_token, erin["id"]) == ["viewer"]
    found = client.get("/api/users/roles/by-name/MANAGER", headers=bearer(admin_token))
    assert found.status_code == 200 and found.json()["data"]["name"] == "manager"
    key = client.post(
        "/api/api-keys", json={"name": "ro", "role_names": ["Viewer"]}, headers=bearer(admin_token)
    ).json()
    assert "categories:read" in key["data"]["permissions"], key
    clash = client.post("/api/users/roles/add_role", json={"name": "ADMIN"}, headers=bearer(admin_token))
    assert clash.status_code == 409
