"""Control characters never reach stored text: writes refuse them by field, order files are cleaned."""

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
from makermatrix_edge.services import Services
from web_helpers import page_login, post_form, refused_to

NUL = "\x00"


def _names(services: Services, table: str, column: str) -> list[str]:
    rows = services.db.read_sync(lambda db: db.execute(f"SELECT {column} FROM {table}").fetchall())
    return [str(r[0]) for r in rows]


@pytest.fixture
def app(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[TestClient[Any], Services, dict[str, str]]]:
    services = build_services(make_settings(tmp_path / "data"), clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        with client_for(services) as client:
            yield client, services, bearer(login(client, "admin", ADMIN_PASSWORD))
    finally:
        services.close()


def test_the_api_refuses_a_nul_in_part_and_location_names(
    app: tuple[TestClient[Any], Services, dict[str, str]],
) -> None:
    client, services, h = app
    part = client.post("/api/parts/add_part", json={"part_name": f"NE555{NUL}timer"}, headers=h)
    assert part.status_code == 422, part.text
    assert part.json()["message"].startswith("part_name: must not contain NUL"), part.text
    place = client.post("/api/locations/add_location", json={"name": f"Shelf{NUL}A"}, headers=h)
    assert place.status_code == 422 and "name: must not contain NUL" in place.json()["message"], place.text
    assert not any(NUL in n for n in _names(services, "parts", "part_name") + _names(services, "locations", "name"))

    made = add_part(client, h, "NE555 timer")
    edits = [
        ({"part_name": f"x{NUL}"}, "part_name"),
        ({"manufacturer": "TI\x1b[31m"}, "manufacturer"),
        ({"part_name": "two\nlines"}, "part_name"),
        ({"additional_properties": {"note": f"a{NUL}b"}}, "additional_properties.note"),
        ({"category_names": [f"ics{NUL}"]}, "category_names"),
    ]
    for body, field in edits:
        response = client.put(f"/api/parts/update_part/{made['id']}", json=body, headers=h)
        assert response.status_code == 422 and response.json()["message"].startswith(f"{field}: must not"), body
    # Tab and line breaks are text in a description and a property value.
    fine = client.put(
        f"/api/parts/update_part/{made['id']}",
        json={"description": "line one\n\tline two", "additional_properties": {"note": "a\nb"}},
        headers=h,
    )
    assert fine.status_code == 200, fine.text
    assert fine.json()["data"]["description"] == "line one\n\tline two"
    adjust = client.post(f"/api/parts/{made['id']}/adjust", json={"delta": 1, "reason": f"x{NUL}"}, headers=h)
    assert adjust.status_code == 422 and "reason" in adjust.json()["message"]


def test_alora_and_accounts_refuse_them_too(app: tuple[TestClient[Any], Services, dict[str, str]]) -> None:
    client, services, h = app
    component = client.post("/alora/components", json={"part_number": f"BC{NUL}547"}, headers=h)
    assert component.status_code == 422 and "part_number: must not contain NUL" in component.json()["detail"]
    made = client.post("/alora/components", json={"part_number": "BC547"}, headers=h)
    assert made.status_code == 201, made.text
    stock = client.post(
        "/alora/inventory", json={"component_id": made.json()["id"], "location": f"A2{NUL}B3"}, headers=h
    )
    assert stock.status_code == 422 and "location" in stock.json()["detail"], stock.text
    category = client.post("/alora/categories", json={"name": f"Diodes{NUL}"}, headers=h)
    assert category.status_code == 422
    user = client.post(
        "/api/users/register", json={"username": "bob", "password": "pass\tword-1", "email": f"b{NUL}@x.y"}, headers=h
    )
    assert user.status_code == 422 and user.json()["message"].startswith("email: must not contain NUL")
    role = client.post("/api/users/roles/add_role", json={"name": "clerk", "description": f"x{NUL}"}, headers=h)
    assert role.status_code == 422 and "description" in role.json()["message"]
    key = client.post("/api/api-keys", json={"name": f"ci{NUL}", "permissions": ["parts:read"]}, headers=h)
    assert key.status_code == 422 and key.json()["message"].startswith("name: must not contain NUL")
    assert _names(services, "locations", "name") == [] and _names(services, "roles", "description").count("x\x00") == 0
    template = client.post("/api/printer/templates", json={"name": "Mine", "text": f"{{part_name}}{NUL}"}, headers=h)
    assert template.status_code == 422 and template.json()["message"].startswith("text: must not contain NUL")
    lines = client.post("/api/printer/templates", json={"name": "Mine", "text": "{part_name}\n{qr}"}, headers=h)
    assert lines.status_code == 200, lines.text  # label text is lines of text
    model = client.put("/api/ai/config", json={"model_name": f"llama{NUL}"}, headers=h)
    assert model.status_code == 422 and model.json()["message"].startswith("model_name: must not contain NUL")
    prompt = client.put("/api/ai/config", json={"system_prompt": "Be brief.\nAnswer in English."}, headers=h)
    assert prompt.status_code == 200, prompt.text


def test_the_phone_pages_refuse_them_on_the_form(app: tuple[TestClient[Any], Services, dict[str, str]]) -> None:
    client, services, _ = app
    client.cookies.clear()
    assert page_login(client).status_code == 303
    r = post_form(client, "/parts/new", "/parts/new", part_name=f"NE555{NUL}timer", quantity="3")
    assert r.status_code == 400 and 'role="alert"' in r.text and "must not contain NUL" in r.text
    r = post_form(client, "/locations?edit=1", "/locations/new", name=f"Box{NUL}9", location_type="box", parent_id="")
    assert "must not contain NUL" in refused_to(r, "/locations?edit=1")  # back on the form's page, in words
    assert _names(services, "parts", "part_name") == [] and _names(services, "locations", "name") == []


def test_an_order_file_is_cleaned_not_refused(app: tuple[TestClient[Any], Services, dict[str, str]]) -> None:
    client, _, h = app
    add_location(client, h, "Shelf")
    content = (
        b"Digi-Key Part Number,Manufacturer,Manufacturer Part Number,Description,Customer Reference,Quantity,"
        b"Backorder,Unit Price,Extended Price\n"
        b'311-1.00KCRCT-ND,Yageo\x1b,RC0805FR-071KL,RES SMD 1K\x07OHM,R1,100,0,"$0.10000","$10.00"\n'
    )
    response = client.post("/api/import/file", files={"file": ("dk.csv", content)}, headers=h)
    assert response.status_code == 200, response.text
    found = client.get("/api/parts/get_part?part_number=311-1.00KCRCT-ND", headers=h).json()["data"]
    assert (found["manufacturer"], found["description"]) == ("Yageo", "RES SMD 1K OHM")
