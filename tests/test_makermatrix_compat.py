"""MakerMatrix clients work unchanged: where makermatrix-api.md is silent, answer as MakerMatrix answers.

Each test speaks as a client written against the MakerMatrix server would (issue 18).
"""

from __future__ import annotations

import io
from typing import Any

from conftest import bearer
from litestar.testing import TestClient
from PIL import Image


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


def test_creates_answer_200_as_makermatrix_does(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)
    location = client.post("/api/locations/add_location", json={"name": "Shelf"}, headers=h)
    category = client.post("/api/categories/add_category", json={"name": "Resistors"}, headers=h)
    part = client.post("/api/parts/add_part", json={"part_name": "10k", "quantity": 5}, headers=h)
    image = client.post("/api/utility/upload_image", files={"file": ("a.png", _png(), "image/png")}, headers=h)
    user = client.post("/api/users/register", json={"username": "bob", "password": "password-123"}, headers=h)
    key = client.post("/api/api-keys/", json={"name": "scanner"}, headers=h)
    task = client.post("/api/tasks/quick/inventory_audit", headers=h)
    for response in (location, category, part, image, user, key, task):
        assert response.status_code == 200, (response.request.url, response.text)
        assert response.json()["status"] == "success"
    # the ALORA face keeps the 201 its document shows
    alora = client.post("/alora/categories", json={"name": "Transistors"}, headers=h)
    assert alora.status_code == 201, alora.text


def test_malformed_json_is_422_and_missing_query_parameter_is_400(client: TestClient[Any], admin_token: str) -> None:
    h = {**bearer(admin_token), "content-type": "application/json"}
    broken = client.post("/api/parts/add_part", content=b'{"part_name": "x",', headers=h)
    assert broken.status_code == 422, broken.text
    assert broken.json()["status"] == "error" and "Malformed JSON" in broken.json()["message"]
    # a route that reads its body by hand (JSON or form) answers the same
    login_broken = client.post("/api/auth/login", content=b"{nope", headers={"content-type": "application/json"})
    assert login_broken.status_code == 422, login_broken.text
    missing = client.get("/api/parts/search_text", headers=h)
    assert missing.status_code == 400, missing.text
    assert missing.json()["status"] == "error" and "query" in missing.json()["message"]
    # a wrong value is still 422
    wrong = client.get("/api/parts/get_all_parts", params={"page": "first"}, headers=h)
    assert wrong.status_code == 422, wrong.text


def test_numbers_sent_as_strings_are_refused(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)
    part = client.post("/api/parts/add_part", json={"part_name": "BC547", "quantity": 5}, headers=h).json()["data"]
    added = client.post(f"/api/parts/{part['id']}/adjust", json={"delta": "1e2"}, headers=h)
    assert added.status_code == 422, added.text
    assert "delta" in added.json()["message"] and "int" in added.json()["message"]
    as_text = client.post("/api/parts/add_part", json={"part_name": "BC548", "quantity": "7"}, headers=h)
    assert as_text.status_code == 422, as_text.text
    flag = client.put(f"/api/users/{login_id(client, admin_token)}", json={"is_active": "true"}, headers=h)
    assert flag.status_code == 422, flag.text
    after = client.get("/api/parts/get_part", params={"part_id": part["id"]}, headers=h).json()["data"]
    assert after["quantity"] == 5  # nothing was added
    # the ALORA face decodes strictly too (its error shape)
    alora = client.post("/alora/inventory", json={"component_id": "1", "quantity": 3}, headers=h)
    assert alora.status_code == 422 and "detail" in alora.json(), alora.text
    # phone-style form fields are text by nature and still work on the routes that take them
    form = client.post("/api/auth/login", data={"username": "admin", "password": "wrong-password"})
    assert form.status_code == 401


def login_id(client: TestClient[Any], token: str) -> str:
    return str(client.get("/api/auth/me", headers=bearer(token)).json()["data"]["id"])

