"""Small answers MakerMatrix's own tests expect: the file import with no file, register without /api, /redoc."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD, bearer

pytestmark = pytest.mark.shared_app


def test_an_import_with_no_file_is_422_as_makermatrix_answers(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)
    plain_form = client.post("/api/import/file", data={"supplier_name": "lcsc"}, headers=h)  # url-encoded: no file
    assert plain_form.status_code == 422 and plain_form.json()["status"] == "error"
    assert "'file'" in plain_form.json()["message"]
    no_file = client.post("/api/import/file", files={"supplier_name": (None, "lcsc")}, headers=h)
    assert no_file.status_code == 422 and "'file'" in no_file.json()["message"]
    assert client.get("/api/utility/get_counts", headers=h).json()["data"]["parts"] == 0


def test_register_answers_without_the_api_prefix_too(client: TestClient[Any], admin_token: str) -> None:
    body = {"username": "legacy-client", "password": "password-123", "roles": ["viewer"]}
    made = client.post("/users/register", json=body, headers=bearer(admin_token))
    assert made.status_code == 200, made.text
    assert made.json()["status"] == "success" and made.json()["data"]["username"] == "legacy-client"
    again = client.post("/users/register", json=body, headers=bearer(admin_token))
    assert again.status_code == 409 and again.json()["status"] == "error"  # the API's envelope, not a page
    anonymous = client.post("/users/register", json={**body, "username": "walk-in"})
    assert anonymous.status_code in (401, 403) and anonymous.json()["status"] == "error"
    wrong = client.post("/users/register", json={"username": 5}, headers=bearer(admin_token))
    assert wrong.status_code == 422 and wrong.json()["status"] == "error"


def test_redoc_shows_the_same_document(client: TestClient[Any]) -> None:
    page = client.get("/redoc")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "redoc" in page.text.lower() and "/api/parts/add_part" in page.text


def test_the_auth_routes_answer_without_the_api_prefix_as_the_document_names_them(client: TestClient[Any]) -> None:
    """makermatrix-api.md gives the auth routes' base path as /auth; MakerMatrix's tests call them there."""
    as_json = client.post("/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert as_json.status_code == 200 and as_json.json()["token_type"] == "bearer"
    as_form = client.post("/auth/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert (
        as_form.status_code == 200
        and client.get("/api/auth/me", headers=bearer(as_form.json()["access_token"])).json()["data"]["username"]
        == "admin"
    )
    wrong = client.post("/auth/login", json={"username": "admin", "password": "not-it"})
    assert wrong.status_code == 401 and wrong.json()["status"] == "error"  # the API's envelope, not a page
    mobile = client.post("/auth/mobile-login", json={"username": "admin", "password": ADMIN_PASSWORD}).json()["data"]
    renewed = client.post("/auth/mobile-refresh", json={"refresh_token": mobile["refresh_token"]})
    assert renewed.status_code == 200 and renewed.json()["message"] == "Token refreshed successfully"
    assert renewed.json()["data"]["token_type"] == "bearer" and renewed.json()["data"]["refresh_token"]
    assert client.post("/auth/mobile-refresh", json={"refresh_token": mobile["refresh_token"]}).status_code == 401
    forged = client.post("/auth/mobile-refresh", json={"refresh_token": "not-a-token"})
    assert forged.status_code == 401 and forged.json()["detail"] == "Invalid refresh token; log in again"
    client.cookies.clear()  # no refresh cookie at all
    missing = client.post("/auth/refresh")
    assert missing.status_code == 401 and missing.json()["message"] == "Refresh token missing: log in again"
    assert client.post("/auth/mobile-refresh", json={}).status_code == 422
    out = client.post("/auth/logout")
    assert out.status_code == 200 and out.json()["message"] == "Logout successful"
    assert client.get("/auth/me").status_code == 401
    assert "/auth/login" not in client.get("/schema/openapi.json").json()["paths"]  # documented once, under /api
    wrong_method = client.get("/auth/login")  # the API's envelope, not the phone's page
    assert wrong_method.status_code == 405 and wrong_method.json()["status"] == "error"


def test_a_repeated_register_without_the_api_prefix_is_answered_once(client: TestClient[Any], admin_token: str) -> None:
    body = {"username": "retried-legacy", "password": "password-123", "roles": ["viewer"]}
    headers = {**bearer(admin_token), "Idempotency-Key": "legacy-register-1"}
    first = client.post("/users/register", json=body, headers=headers)
    again = client.post("/users/register", json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()


def test_the_user_routes_answer_without_the_api_prefix_as_makermatrix_mounts_them(
    client: TestClient[Any], admin_token: str
) -> None:
    """MakerMatrix mounts its user router at /users as well as /api/users; the phone's /users page stays."""
    assert client.get("/users/all").status_code == 401
    listed = client.get("/users/all", headers=bearer(admin_token))
    assert listed.status_code == 200 and "admin" in [u["username"] for u in listed.json()["data"]]
    admin_id = next(u["id"] for u in listed.json()["data"] if u["username"] == "admin")
    one = client.get(f"/users/{admin_id}", headers=bearer(admin_token))
    assert one.status_code == 200 and one.json()["data"]["username"] == "admin"
    assert client.get("/users/roles", headers=bearer(admin_token)).json()["status"] == "success"
    assert client.get("/users/no-such-id", headers=bearer(admin_token)).status_code == 404
    page = client.get("/users", headers={"accept": "text/html"})
    assert page.status_code in (200, 303) and "application/json" not in page.headers.get("content-type", "")


def test_auth_register_without_the_api_prefix_is_for_admins_only(client: TestClient[Any], admin_token: str) -> None:
    body = {"username": "auth-legacy", "password": "password-123", "roles": ["user"]}
    anonymous = client.post("/auth/register", json=body)
    assert anonymous.status_code in (401, 403) and anonymous.json()["status"] == "error"
    made = client.post("/auth/register", json=body, headers=bearer(admin_token))
    assert made.status_code == 200 and made.json()["data"]["username"] == "auth-legacy"
    token = client.post("/auth/login", data={"username": "auth-legacy", "password": "password-123"})
    user = bearer(token.json()["access_token"])
    assert client.delete("/api/parts/clear_all", headers=user).status_code == 403  # not an admin


@pytest.mark.parametrize("path", ["/auth/login", "/api/auth/login"])
def test_login_without_a_name_or_password_is_400_as_makermatrix_answers(client: TestClient[Any], path: str) -> None:
    for body in ({"username": "admin"}, {"username": "", "password": ""}, {"password": "x"}):
        answer = client.post(path, json=body)
        assert answer.status_code == 400, (body, answer.text)
        assert answer.json()["status"] == "error" and "Missing credentials" in answer.json()["message"]
    form = client.post(path, data={"username": "admin"})
    assert form.status_code == 400 and "Missing credentials" in form.json()["message"]
