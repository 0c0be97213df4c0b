from __future__ import annotations

from typing import Any

import jwt
from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD, FakeClock, add_user, bearer, login


def test_login_json_returns_token_and_strict_httponly_cookie(client: TestClient[Any]) -> None:
    response = client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success" and body["token_type"] == "bearer" and body["message"]
    cookie = response.headers["set-cookie"]
    assert (
        "refresh_token=" in cookie
        and "HttpOnly" in cookie
        and "SameSite=strict" in cookie.replace("SameSite=Strict", "SameSite=strict")
    )
    assert "Secure" not in cookie  # plain HTTP on the LAN: a Secure cookie would never be stored
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert {"sub", "exp", "iat", "jti"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 8 * 3600


def test_login_accepts_form_fields(client: TestClient[Any]) -> None:
    response = client.post("/api/auth/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 200
    me = client.get("/api/auth/me", headers=bearer(response.json()["access_token"]))
    assert me.json()["data"]["username"] == "admin"
    assert [r["name"] for r in me.json()["data"]["roles"]] == ["admin"]


def test_unknown_user_and_wrong_password_answer_alike(client: TestClient[Any]) -> None:
    wrong = client.post("/api/auth/login", json={"username": "admin", "password": "nope-nope"})
    unknown = client.post("/api/auth/login", json={"username": "ghost", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {
            "status": "error",
            "message": "Incorrect username or password",
            "data": None,
            "detail": "Incorrect username or password",
        }
    )


def test_bad_login_bodies(client: TestClient[Any]) -> None:
    cases = [
        (b"{not json", 422, "Malformed JSON"),  # as MakerMatrix (FastAPI) answers
        (b"", 400, "JSON request body is required"),
        (b'{"username": "admin"}', 400, "Missing credentials"),  # MakerMatrix's login says 400 here
        (b'{"username": "", "password": ""}', 400, "Missing credentials"),
        (b'{"username": 5, "password": "x"}', 422, "username: expected str, got int"),
        (b"[1, 2]", 422, "must be a JSON object"),
    ]
    for raw, status, message in cases:
        response = client.post("/api/auth/login", content=raw, headers={"content-type": "application/json"})
        assert response.status_code == status, (raw, response.text)
        assert response.json()["status"] == "error"
        assert message in response.json()["message"], (raw, response.text)


def test_repeated_failures_are_throttled_then_released(client: TestClient[Any], clock: FakeClock) -> None:
    for _ in range(5):
        assert client.post("/api/auth/login", json={"username": "admin", "password": "wrong-pw"}).status_code == 401
    blocked = client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 300
    assert "Too many failed logins" in blocked.json()["message"]
    clock.advance(301)
    assert client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}).status_code == 200


def test_refresh_rotates_and_logout_revokes(client: TestClient[Any]) -> None:
    client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    first_cookie = client.cookies.get("refresh_token")
    refreshed = client.post("/api/auth/refresh")
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["data"]["token_type"] == "bearer"
    assert client.get("/api/auth/me", headers=bearer(refreshed.json()["data"]["access_token"])).status_code == 200
    second_cookie = client.cookies.get("refresh_token")
    assert second_cookie and second_cookie != first_cookie
    # The rotated-out refresh token no longer works.
    old = client.post("/api/auth/refresh", json={"refresh_token": first_cookie})
    assert old.status_code == 401 and old.json()["message"] == "Invalid refresh token: this session ended; log in again"
    access = refreshed.json()["data"]["access_token"]
    swapped = client.post("/api/auth/refresh", json={"refresh_token": access})  # an access token sent to refresh
    assert swapped.json()["message"] == "Invalid refresh token: this is an access token; log in again"
    assert client.post("/api/auth/logout").status_code == 200
    assert client.post("/api/auth/refresh", json={"refresh_token": second_cookie}).status_code == 401
    assert client.post("/api/auth/refresh").status_code == 401  # cookie cleared


def test_mobile_login_and_body_refresh(client: TestClient[Any]) -> None:
    response = client.post("/api/auth/mobile-login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 200
    data = response.json()["data"]
    assert response.json()["status"] == "success" and data["refresh_token"] and data["access_token"]
    assert "set-cookie" not in response.headers
    again = client.post("/api/auth/refresh", json={"refresh_token": data["refresh_token"]})
    assert again.status_code == 200 and again.json()["data"]["refresh_token"]


def test_bad_tokens_answer_401_without_detail_leak(client: TestClient[Any], admin_token: str, clock: FakeClock) -> None:
    assert client.get("/api/users/all").status_code == 401
    assert client.get("/api/users/all", headers=bearer("garbage")).json()["message"] == "Invalid token; log in again"
    tampered = admin_token[:-2] + ("AA" if not admin_token.endswith("AA") else "BB")
    assert client.get("/api/users/all", headers=bearer(tampered)).status_code == 401
    forged = jwt.encode({"sub": "x", "exp": 9999999999, "iat": 1, "jti": "j", "typ": "access", "ver": 0}, "k" * 32)
    assert client.get("/api/users/all", headers=bearer(forged)).status_code == 401
    none_alg = jwt.encode(jwt.decode(admin_token, options={"verify_signature": False}), None, algorithm="none")
    assert client.get("/api/users/all", headers=bearer(none_alg)).status_code == 401
    assert client.get("/api/users/all", headers=bearer(admin_token)).status_code == 200
    clock.advance(8 * 3600 + 1)
    expired = client.get("/api/users/all", headers=bearer(admin_token))
    assert expired.status_code == 401 and "expired" in expired.json()["message"]


def test_refresh_token_is_not_an_access_token(client: TestClient[Any]) -> None:
    response = client.post("/api/auth/mobile-login", json={"username": "admin", "password": ADMIN_PASSWORD})
    refresh = response.json()["data"]["refresh_token"]
    denied = client.get("/api/auth/me", headers=bearer(refresh))
    assert denied.status_code == 401 and "refresh token cannot be used" in denied.json()["message"]


def test_password_change_ends_existing_sessions(client: TestClient[Any], admin_token: str) -> None:
    user = add_user(client, admin_token, "carol", "user")
    carol = login(client, "carol", "password-123")
    refresh = client.cookies.get("refresh_token")
    response = client.put(
        f"/api/users/{user['id']}/password",
        json={"current_password": "password-123", "new_password": "new-password-456"},
        headers=bearer(carol),
    )
    assert response.status_code == 200, response.text
    assert client.get("/api/auth/me", headers=bearer(carol)).status_code == 401
    assert client.post("/api/auth/refresh", json={"refresh_token": refresh}).status_code == 401
    assert client.post("/api/auth/login", json={"username": "carol", "password": "password-123"}).status_code == 401
    login(client, "carol", "new-password-456")


def test_deactivation_ends_sessions_and_blocks_login(client: TestClient[Any], admin_token: str) -> None:
    user = add_user(client, admin_token, "dave", "user")
    dave = login(client, "dave", "password-123")
    assert (
        client.put(f"/api/users/{user['id']}", json={"is_active": False}, headers=bearer(admin_token)).status_code
        == 200
    )
    assert client.get("/api/auth/me", headers=bearer(dave)).status_code == 401
    assert client.post("/api/auth/login", json={"username": "dave", "password": "password-123"}).status_code == 401
