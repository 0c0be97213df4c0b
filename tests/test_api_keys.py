from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from conftest import add_user, bearer, login


def _create(client: TestClient[Any], token: str, **body: Any) -> Any:
    return client.post("/api/api-keys", json={"name": "scanner", **body}, headers=bearer(token))


def test_key_is_shown_once_stored_hashed_and_works_in_both_headers(
    client: TestClient[Any], admin_token: str, services: Any
) -> None:
    created = _create(client, admin_token, permissions=["users:read"])
    assert created.status_code == 200, created.text
    key = created.json()["data"]["key"]
    assert key.startswith("mme_")
    stored = services.db.read_sync(lambda d: [dict(r) for r in d.execute("SELECT * FROM api_keys")])
    assert key not in repr(stored)  # only a hash and a short prefix are kept
    listed = client.get("/api/api-keys", headers=bearer(admin_token)).json()["data"]
    assert "key" not in listed[0] and listed[0]["prefix"] == key[:10]
    assert client.get("/api/users/all", headers={"X-API-Key": key}).status_code == 200
    assert client.get("/api/users/all", headers={"Authorization": f"ApiKey {key}"}).status_code == 200


def test_key_is_limited_to_its_permissions(client: TestClient[Any], admin_token: str) -> None:
    key = _create(client, admin_token, permissions=["parts:read"]).json()["data"]["key"]
    denied = client.get("/api/users/all", headers={"X-API-Key": key})
    assert denied.status_code == 403 and "users:read" in denied.json()["message"]


def test_key_cannot_exceed_owner_and_shrinks_with_owner(client: TestClient[Any], admin_token: str) -> None:
    user = add_user(client, admin_token, "boss", "manager")
    token = login(client, "boss", "password-123")
    too_much = _create(client, token, permissions=["users:delete"])
    assert too_much.status_code == 403
    unknown = _create(client, token, permissions=["coffee:make"])
    assert unknown.status_code == 422 and "unknown permission" in unknown.json()["message"]
    key = _create(client, token, permissions=["users:read"]).json()["data"]["key"]
    assert client.get("/api/users/all", headers={"X-API-Key": key}).status_code == 200
    client.put(f"/api/users/{user['id']}", json={"roles": ["viewer"]}, headers=bearer(admin_token))
    assert client.get("/api/users/all", headers={"X-API-Key": key}).status_code == 403


def test_revoked_and_bad_keys_are_refused(client: TestClient[Any], admin_token: str) -> None:
    created = _create(client, admin_token).json()["data"]
    key, key_id = created["api_key"], created["id"]
    assert client.delete(f"/api/api-keys/{key_id}", headers=bearer(admin_token)).status_code == 200
    refused = client.get("/api/auth/me", headers={"X-API-Key": key})
    assert refused.status_code == 401 and refused.json()["message"] == "Invalid API key"
    assert client.get("/api/auth/me", headers={"X-API-Key": "mme_" + "A" * 43}).status_code == 401


def test_key_cannot_make_keys_or_touch_others(client: TestClient[Any], admin_token: str) -> None:
    key = _create(client, admin_token).json()["data"]["key"]
    assert client.post("/api/api-keys", json={"name": "x"}, headers={"X-API-Key": key}).status_code == 403
    add_user(client, admin_token, "alice", "user")
    alice = login(client, "alice", "password-123")
    admin_key_id = client.get("/api/api-keys", headers=bearer(admin_token)).json()["data"][0]["id"]
    assert client.delete(f"/api/api-keys/{admin_key_id}", headers=bearer(alice)).status_code == 404
    assert client.get("/api/api-keys?all=true", headers=bearer(alice)).status_code == 403
    assert len(client.get("/api/api-keys?all=true", headers=bearer(admin_token)).json()["data"]) == 1


def test_expired_key(client: TestClient[Any], admin_token: str, clock: Any) -> None:
    key = _create(client, admin_token, expires_in_days=1).json()["data"]["key"]
    assert client.get("/api/auth/me", headers={"X-API-Key": key}).status_code == 200
    clock.advance(86400 + 1)
    assert client.get("/api/auth/me", headers={"X-API-Key": key}).json()["message"] == "API key expired"


def test_bad_key_requests(client: TestClient[Any], admin_token: str) -> None:
    for body, fragment in [
        ({}, "name: is required"),
        ({"name": ""}, "name:"),
        ({"name": "k", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "k", "permissions": "parts:read"}, "permissions: expected array"),
        ({"name": "k", "permissions": []}, "at least one"),
    ]:
        response = client.post("/api/api-keys", json=body, headers=bearer(admin_token))
        assert response.status_code == 422, (body, response.text)
        assert fragment in response.json()["message"], (body, response.text)
