"""Hostile input that once answered 500: NUL bytes in search terms, numbers past SQLite's range, deep JSON."""

from __future__ import annotations

import json
from typing import Any

import msgspec.inspect as mi
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD, bearer
from inventory_helpers import add_part
from makermatrix_edge.app import create_app
from makermatrix_edge.bounds import MAX_INT
from makermatrix_edge.services import Services
from web_helpers import page_login

PAST = "9223372036854775808"  # 2**63: one past SQLite's largest INTEGER


@pytest.fixture
def h(admin_token: str) -> dict[str, str]:
    return bearer(admin_token)


@pytest.fixture
def alora(client: TestClient[Any]) -> dict[str, str]:
    response = client.post("/alora/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    return bearer(response.json()["access_token"])


# -- 7: a NUL byte in a search term ------------------------------------------------------------


def test_a_nul_byte_in_a_search_term_is_a_space_everywhere(client: TestClient[Any], h: dict[str, str]) -> None:
    part = add_part(client, h, "Res cap kit")
    add_part(client, h, "Other thing")
    found = client.get("/api/parts/search_text", params={"query": "res\x00cap"}, headers=h)
    assert found.status_code == 200, found.text
    assert [p["part_name"] for p in found.json()["data"]] == ["Res cap kit"]
    posted = client.post("/api/parts/search", json={"search_term": "res\x00cap"}, headers=h)
    assert posted.status_code == 200 and [p["part_name"] for p in posted.json()["data"]["items"]] == ["Res cap kit"]
    suggested = client.get("/api/parts/suggestions", params={"query": "res\x00cap"}, headers=h)
    assert suggested.status_code == 200 and suggested.json()["data"] == ["Res cap kit"]
    only_nul = client.get("/api/parts/search_text", params={"query": "\x00"}, headers=h)
    assert only_nul.status_code == 422 and "must not be empty" in only_nul.json()["message"]
    assert page_login(client).status_code == 303
    page = client.get("/", params={"q": "res\x00cap"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == f"/p/{part['id']}"  # one hit: its page
    fragment = client.get("/search", params={"q": "\x00cap"})
    assert fragment.status_code == 200 and "Res cap kit" in fragment.text


# -- 8: integers beyond SQLite's range ----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/parts/get_all_parts?page=100000000000000000000",
        f"/api/parts/search_text?query=res&page={PAST}",
        f"/api/tasks?offset={PAST}",
        f"/api/tasks/my?limit={PAST}",
        f"/api/parts/suggestions?query=res&limit=-{PAST}",
    ],
)
def test_makermatrix_numbers_past_the_bound_are_422_in_words(
    client: TestClient[Any], h: dict[str, str], url: str
) -> None:
    response = client.get(url, headers=h)
    assert response.status_code == 422, response.text
    assert str(MAX_INT) in response.json()["message"]


@pytest.mark.parametrize(
    "url",
    [
        f"/alora/components?offset={PAST}",
        f"/alora/inventory?component_id={PAST}",
        f"/alora/inventory/cost?category_id={PAST}",
        f"/alora/components/{PAST}",
        f"/alora/inventory/{PAST}",
    ],
)
def test_alora_numbers_past_the_bound_are_422_with_its_own_shape(
    client: TestClient[Any], alora: dict[str, str], url: str
) -> None:
    response = client.get(url, headers=alora)
    assert response.status_code == 422, response.text
    assert list(response.json()) == ["detail"] and str(MAX_INT) in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/parts/search", {"page": 2**63}),
        ("/api/parts/search", {"min_quantity": 2**63}),
        ("/api/parts/parametric", {"page": 2**63}),
        ("/api/parts/parametric", {"filters": {"v_max_min": 2**63}}),
        ("/alora/inventory", {"component_id": 2**63, "quantity": 1}),
        ("/alora/components", {"part_number": "Q1", "category_id": 2**63}),
    ],
)
def test_numbers_past_the_bound_in_bodies_are_422(
    client: TestClient[Any], h: dict[str, str], alora: dict[str, str], path: str, body: dict[str, Any]
) -> None:
    response = client.post(path, json=body, headers=alora if path.startswith("/alora") else h)
    assert response.status_code == 422, response.text
    assert str(MAX_INT) in response.text


def _app(services: Services) -> Litestar:
    return create_app(services)


def _is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    return any(arg is int for arg in getattr(annotation, "__args__", ()))


@pytest.mark.slow
def test_every_int_query_and_path_parameter_is_bounded(services: Services) -> None:
    unbounded = []
    checked = 0
    for route in _app(services).routes:
        for handler in getattr(route, "route_handlers", []):
            for name, field in handler.parsed_fn_signature.parameters.items():
                if name == "data" or not _is_int(field.annotation):
                    continue
                checked += 1
                bound = field.kwarg_definition
                le, ge = getattr(bound, "le", None), getattr(bound, "ge", None)
                if le is None or ge is None or le > MAX_INT or ge < -MAX_INT:
                    unbounded.append(f"{route.path} {name}")
    assert checked >= 20  # the walk really saw the routes (pages, offsets, ids)
    assert unbounded == []


def _unbounded_ints(info: Any, where: str, out: list[str], seen: set[type]) -> None:
    if isinstance(info, mi.IntType):
        if info.le is None or info.ge is None or info.le > MAX_INT or info.ge < -MAX_INT:
            out.append(where)
    elif isinstance(info, mi.StructType) and info.cls not in seen:
        seen.add(info.cls)
        for f in info.fields:
            _unbounded_ints(f.type, f"{where}.{f.name}", out, seen)
    elif isinstance(info, mi.UnionType):
        for member in info.types:
            _unbounded_ints(member, where, out, seen)
    elif isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        _unbounded_ints(info.item_type, f"{where}[]", out, seen)
    elif isinstance(info, mi.DictType):
        _unbounded_ints(info.value_type, f"{where}{{}}", out, seen)


@pytest.mark.slow
def test_every_int_in_a_request_body_is_bounded(services: Services) -> None:
    unbounded: list[str] = []
    bodies = 0
    for route in _app(services).routes:
        for handler in getattr(route, "route_handlers", []):
            field = handler.parsed_fn_signature.parameters.get("data")
            if field is not None:
                bodies += 1
                _unbounded_ints(mi.type_info(field.annotation), route.path, unbounded, set())
    assert bodies >= 30
    assert sorted(set(unbounded)) == []


# -- 9: JSON nested deeply inside free-form properties ----------------------------------------------


def _nested(levels: int) -> str:
    return '{"a":' * levels + '"x"' + "}" * levels


def _post_raw(client: TestClient[Any], path: str, text: str, headers: dict[str, str]) -> Any:
    return client.post(path, content=text, headers={**headers, "content-type": "application/json"})


def test_properties_nest_at_most_32_levels(client: TestClient[Any], h: dict[str, str], alora: dict[str, str]) -> None:
    # _nested(32) is the properties object itself and 31 objects below it: 32 levels.
    fits = _post_raw(client, "/api/parts/add_part", f'{{"part_name":"ok","additional_properties":{_nested(32)}}}', h)
    assert fits.status_code == 200, fits.text
    deeper = _post_raw(client, "/api/parts/add_part", f'{{"part_name":"no","additional_properties":{_nested(33)}}}', h)
    assert deeper.status_code == 422 and "must not nest deeper than 32 levels" in deeper.json()["message"]
    lists: Any = 1
    for _ in range(32):
        lists = [lists]
    update = client.put(
        f"/api/parts/update_part/{fits.json()['data']['id']}", json={"additional_properties": {"k": lists}}, headers=h
    )
    assert update.status_code == 422 and "32 levels" in update.json()["message"]
    component = _post_raw(
        client, "/alora/components", f'{{"part_number":"Z1","additional_characteristics":{_nested(40)}}}', alora
    )
    assert component.status_code == 422 and "32 levels" in component.json()["detail"]


def test_json_nested_past_the_recursion_limit_is_422_and_writes_nothing(
    client: TestClient[Any], h: dict[str, str], alora: dict[str, str]
) -> None:
    for levels in (1000, 20_000):
        text = f'{{"part_name":"deep","additional_properties":{{"k":{_nested(levels)}}}}}'
        response = _post_raw(client, "/api/parts/add_part", text, h)
        assert response.status_code == 422, response.text[:300]
        assert "nested too deeply" in response.json()["message"]
        deep = _post_raw(
            client, "/alora/components", f'{{"part_number":"Z2","additional_characteristics":{_nested(levels)}}}', alora
        )
        assert deep.status_code == 422 and "nested too deeply" in deep.json()["detail"]
    assert client.get("/api/parts/get_all_parts", headers=h).json()["total_parts"] == 0


def test_properties_are_bounded_in_size(client: TestClient[Any], h: dict[str, str]) -> None:
    props = {f"k{i}": "x" * 300 for i in range(150)}  # 150 keys, about 46 KB of JSON
    response = client.post("/api/parts/add_part", json={"part_name": "big", "additional_properties": props}, headers=h)
    assert response.status_code == 422 and "at most 32 KB" in response.json()["message"]
    assert len(json.dumps(props)) > 32_768
