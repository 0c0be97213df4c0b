"""MakerMatrix clients work unchanged: where makermatrix-api.md is silent, answer as MakerMatrix answers.

Each test speaks as a client written against the MakerMatrix server would (issue 18).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from litestar.testing import TestClient
from PIL import Image

from conftest import FakeClock, bearer, login
from makermatrix_edge.inventory.models import PartCreate
from makermatrix_edge.inventory.search import RANK_LIMIT
from makermatrix_edge.services import Services
from tasks_support import quick, task_app, wait_task


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
    assert image.json()["message"] == "Image uploaded successfully"  # MakerMatrix's words, which its tests compare
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


def test_post_search_answers_items_total_and_pages(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)
    for i in range(5):
        client.post("/api/parts/add_part", json={"part_name": f"Resistor {i}", "quantity": i}, headers=h)
    body = {"search_term": "resistor", "page": 2, "page_size": 2, "sort_by": "part_name"}
    response = client.post("/api/parts/search", json=body, headers=h)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert [p["part_name"] for p in data["items"]] == ["Resistor 2", "Resistor 3"]
    assert (data["total"], data["page"], data["page_size"], data["total_pages"]) == (5, 2, 2, 3)


def test_broad_search_reports_the_exact_total(client: TestClient[Any], admin_token: str, services: Services) -> None:
    """More matches than the ranking limit and than the old count cap: the total is still exact."""
    many = [PartCreate(part_name=f"Capacitor {i}", part_number=f"C{i}") for i in range(RANK_LIMIT + 150)]
    services.parts.add_many_sync(many, None, source="import")
    services.parts.add_many_sync([PartCreate(part_name="Capacitor kit", quantity=3)], None, source="import")
    h = bearer(admin_token)
    text = client.get("/api/parts/search_text", params={"query": "capacitor", "page_size": 50}, headers=h).json()
    assert text["total_parts"] == RANK_LIMIT + 151 and len(text["data"]) == 50
    last_page = -(-text["total_parts"] // 50)
    tail = client.get(
        "/api/parts/search_text", params={"query": "capacitor", "page": last_page, "page_size": 50}, headers=h
    )
    assert len(tail.json()["data"]) == (RANK_LIMIT + 151) % 50  # a client paging by the total reaches the end
    posted = client.post("/api/parts/search", json={"search_term": "capacitor", "page_size": 50}, headers=h).json()
    assert posted["data"]["total"] == RANK_LIMIT + 151 and posted["data"]["total_pages"] == last_page
    filtered = client.post("/api/parts/search", json={"search_term": "capacitor", "min_quantity": 1}, headers=h).json()
    assert filtered["data"]["total"] == 1  # with filters too


def test_task_stats_carry_the_names_makermatrix_clients_read(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock) as (client, _, admin):
        done = quick(client, admin, steps=1)
        wait_task(client, admin, done["id"], "completed")
        client.post("/api/tasks/worker/stop", headers=bearer(admin))
        quick(client, admin, steps=1)
        stats = client.get("/api/tasks/stats/summary", headers=bearer(admin)).json()["data"]
    assert stats["total_tasks"] == 2 and stats["pending_tasks"] == 1 and stats["running_tasks"] == 0
    assert stats["completed_tasks"] == 1 and stats["failed_tasks"] == 0 and stats["completed_today"] == 1
    assert stats["total"] == 2  # ours stay


def test_api_key_secret_at_data_api_key_and_role_names_accepted(client: TestClient[Any], admin_token: str) -> None:
    created = client.post(
        "/api/api-keys/", json={"name": "scanner", "role_names": ["viewer"]}, headers=bearer(admin_token)
    )
    assert created.status_code == 200, created.text
    data = created.json()["data"]
    secret = data["api_key"]
    assert isinstance(secret, str) and secret.startswith("mme_")
    viewer = {
        "parts:read",
        "categories:read",
        "locations:read",
        "projects:read",
        "tasks:read",
        "tags:read",
        "tools:read",
    }
    assert set(data["permissions"]) == viewer
    key = {"X-API-Key": secret}
    assert client.get("/api/parts/get_all_parts", headers=key).status_code == 200
    assert client.post("/api/parts/add_part", json={"part_name": "x"}, headers=key).status_code == 403
    unknown = client.post("/api/api-keys/", json={"name": "s", "role_names": ["wizard"]}, headers=bearer(admin_token))
    assert unknown.status_code == 422 and "role_names" in unknown.json()["message"]


def test_emoji_on_parts_and_locations(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)
    made = client.post("/api/locations/add_location", json={"name": "Screws", "emoji": "🔩"}, headers=h)
    assert made.status_code == 200, made.text
    location = made.json()["data"]
    assert location["emoji"] == "🔩"
    body = {"part_name": "M3 screw", "emoji": "👨‍👩‍👧", "location_id": location["id"]}
    part = client.post("/api/parts/add_part", json=body, headers=h).json()["data"]
    assert part["emoji"] == "👨‍👩‍👧"
    changed = client.put(f"/api/parts/update_part/{part['id']}", json={"emoji": "⚙️"}, headers=h).json()["data"]
    assert changed["emoji"] == "⚙️"
    cleared = client.put(f"/api/parts/update_part/{part['id']}", json={"emoji": None}, headers=h).json()["data"]
    assert cleared["emoji"] is None
    moved = client.put(f"/api/locations/update_location/{location['id']}", json={"emoji": "🧰"}, headers=h)
    assert moved.json()["data"]["emoji"] == "🧰"
    listed = client.get("/api/locations/get_all_locations", headers=h).json()["data"]
    assert any(loc.get("emoji") == "🧰" for loc in listed)
    too_long = client.post("/api/parts/add_part", json={"part_name": "y", "emoji": "x" * 33}, headers=h)
    assert too_long.status_code == 422 and "emoji" in too_long.json()["message"]


def test_openapi_json_and_docs_at_fastapi_addresses(client: TestClient[Any]) -> None:
    document = client.get("/openapi.json")
    assert document.status_code == 200 and document.headers["content-type"].startswith("application/json")
    assert document.json()["paths"].keys() == client.get("/schema/openapi.json").json()["paths"].keys()
    assert "/api/parts/add_part" in document.json()["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert "SwaggerUIBundle" in docs.text and "/api/parts/add_part" in docs.text  # the same document, inlined


def test_role_routes_and_user_roles_and_status(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)
    role = {"name": "stocktaker", "description": "Counts stock", "permissions": ["parts:read", "parts:write"]}
    made = client.post("/api/users/roles/add_role", json=role, headers=h)
    assert made.status_code == 200, made.text
    role_id = made.json()["data"]["id"]
    assert client.get(f"/api/users/roles/{role_id}", headers=h).json()["data"]["name"] == "stocktaker"
    by_name = client.get("/api/users/roles/by-name/stocktaker", headers=h).json()["data"]
    assert by_name["id"] == role_id and by_name["permissions"] == ["parts:read", "parts:write"]
    changed = client.put(f"/api/users/roles/{role_id}", json={"permissions": ["parts:*"]}, headers=h)
    assert changed.status_code == 200 and changed.json()["data"]["permissions"] == ["parts:*"]
    assert client.post("/api/users/roles/add_role", json=role, headers=h).status_code == 409
    bad = client.post("/api/users/roles/add_role", json={"name": "x", "permissions": ["fly"]}, headers=h)
    assert bad.status_code == 422 and "fly" in bad.json()["message"]

    user = client.post("/api/users/register", json={"username": "carol", "password": "password-123"}, headers=h)
    user_id = user.json()["data"]["id"]
    given = client.put(f"/api/users/{user_id}/roles", json={"role_ids": [role_id]}, headers=h)
    assert given.status_code == 200, given.text
    assert [r["name"] for r in given.json()["data"]["roles"]] == ["stocktaker"]
    carol = bearer(login(client, "carol", "password-123"))
    assert client.delete("/api/parts/delete_part", params={"part_name": "none"}, headers=carol).status_code == 404
    # a role someone holds is not deleted under them; a built-in role never is
    assert client.delete(f"/api/users/roles/{role_id}", headers=h).status_code == 409
    viewer_id = next(r["id"] for r in client.get("/api/users/roles", headers=h).json()["data"] if r["name"] == "viewer")
    assert client.delete(f"/api/users/roles/{viewer_id}", headers=h).status_code == 409

    off = client.put(f"/api/users/{user_id}/status", json={"is_active": False}, headers=h)
    assert off.status_code == 200 and off.json()["data"]["is_active"] is False
    assert client.get("/api/parts/get_all_parts", headers=carol).status_code == 401
    client.put(f"/api/users/{user_id}/roles", json={"role_ids": [viewer_id]}, headers=h)
    gone = client.delete(f"/api/users/roles/{role_id}", headers=h)
    assert gone.status_code == 200 and client.get(f"/api/users/roles/{role_id}", headers=h).status_code == 404
    # only an admin manages roles
    assert client.post("/api/users/roles/add_role", json={"name": "mine"}, headers=carol).status_code in (401, 403)


def test_part_counts_printers_and_drivers(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)
    for name in ("a", "b", "c"):
        client.post("/api/parts/add_part", json={"part_name": name}, headers=h)
    counts = client.get("/api/parts/get_part_counts", headers=h)
    assert counts.status_code == 200 and counts.json()["data"] == 3
    printers = client.get("/api/printer/printers", headers=h)
    assert printers.status_code == 200, printers.text
    (printer,) = printers.json()["data"]
    assert {"id", "name", "driver", "model", "status", "backend", "identifier", "capabilities"} <= printer.keys()
    assert printer["model"] == client.get("/api/printer/current_printer", headers=h).json()["data"]["model"]
    drivers = client.get("/api/printer/drivers", headers=h).json()["data"]
    assert "brother_ql" in {d["id"] for d in drivers} and printer["driver"] in {d["id"] for d in drivers}


def test_remembered_counts_follow_every_change(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)

    def total() -> int:
        return int(client.get("/api/parts/search_text", params={"query": "inductor"}, headers=h).json()["total_parts"])

    ids = [client.post("/api/parts/add_part", json={"part_name": "Inductor 1"}, headers=h).json()["data"]["id"]]
    for _ in range(4):  # the same count asked again and again, from every reader thread
        assert total() == 1
    ids.append(client.post("/api/parts/add_part", json={"part_name": "Inductor 2"}, headers=h).json()["data"]["id"])
    assert total() == 2
    client.put(f"/api/parts/update_part/{ids[0]}", json={"part_name": "Ferrite bead"}, headers=h)
    assert total() == 1
    client.delete("/api/parts/delete_part", params={"part_id": ids[1]}, headers=h)
    assert total() == 0
