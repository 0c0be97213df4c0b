from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import bearer
from inventory_helpers import add_location, add_part


@pytest.fixture
def h(admin_token: str) -> dict[str, str]:
    return bearer(admin_token)


@pytest.fixture
def bench(client: TestClient[Any], h: dict[str, str]) -> dict[str, str]:
    shelf = add_location(client, h, "Shelf 1")
    drawer = add_location(client, h, "Drawer A", shelf)
    other = add_location(client, h, "Cabinet")
    ids = {"shelf": shelf, "drawer": drawer, "other": other}
    add_part(
        client,
        h,
        "2N7002 N-MOSFET",
        part_number="C8545",
        manufacturer_part_number="2N7002",
        quantity=100,
        supplier="LCSC",
        location_id=drawer,
        category_names=["MOSFETs"],
        additional_properties={"package": "SOT-23"},
    )
    add_part(
        client,
        h,
        "2N7002K",
        manufacturer_part_number="2N7002K",
        quantity=5,
        supplier="DigiKey",
        location_id=other,
        category_names=["MOSFETs"],
    )
    add_part(
        client,
        h,
        "Résistance 10kΩ 0603",
        part_number="C25804",
        quantity=4000,
        supplier="LCSC",
        location_id=shelf,
        category_names=["Resistors"],
        description="Thick film, 1%",
    )
    add_part(
        client,
        h,
        "BC857B",
        manufacturer_part_number="BC857B",
        quantity=150,
        supplier="LCSC",
        location_id=drawer,
        category_names=["Transistors"],
        additional_properties={"polarity": "PNP"},
    )
    add_part(client, h, "7002 adapter board", quantity=1)
    return ids


def _names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    return [p["part_name"] for p in (data["items"] if isinstance(data, dict) else data)]  # POST search: data.items


def test_substring_and_exact_number_first(client: TestClient[Any], h: dict[str, str], bench: dict[str, str]) -> None:
    names = _names(client.get("/api/parts/search_text?query=7002", headers=h))
    assert set(names) == {"2N7002 N-MOSFET", "2N7002K", "7002 adapter board"}
    exact = _names(client.get("/api/parts/search_text?query=2N7002", headers=h))
    assert exact[0] == "2N7002 N-MOSFET"  # exact manufacturer part number wins over 2N7002K
    assert _names(client.get("/api/parts/search_text?query=c8545", headers=h)) == ["2N7002 N-MOSFET"]


def test_case_and_accents_do_not_matter(client: TestClient[Any], h: dict[str, str], bench: dict[str, str]) -> None:
    for query in ("resistance", "RÉSISTANCE", "10kω", "thick FILM"):
        assert _names(client.get("/api/parts/search_text", params={"query": query}, headers=h)) == [
            "Résistance 10kΩ 0603"
        ], query


def test_searches_categories_locations_properties_supplier(
    client: TestClient[Any], h: dict[str, str], bench: dict[str, str]
) -> None:
    assert set(_names(client.get("/api/parts/search_text?query=mosfets", headers=h))) == {"2N7002 N-MOSFET", "2N7002K"}
    assert set(_names(client.get("/api/parts/search_text?query=drawer", headers=h))) == {"2N7002 N-MOSFET", "BC857B"}
    assert _names(client.get("/api/parts/search_text?query=pnp", headers=h)) == ["BC857B"]
    assert _names(client.get("/api/parts/search_text?query=sot-23", headers=h)) == ["2N7002 N-MOSFET"]
    assert _names(client.get("/api/parts/search_text?query=digikey", headers=h)) == ["2N7002K"]


def test_index_follows_renames_and_moves(client: TestClient[Any], h: dict[str, str], bench: dict[str, str]) -> None:
    category = client.get("/api/categories/get_category?name=Transistors", headers=h).json()["data"]
    client.put(f"/api/categories/update_category/{category['id']}", json={"name": "Bipolar"}, headers=h)
    assert _names(client.get("/api/parts/search_text?query=bipolar", headers=h)) == ["BC857B"]
    assert _names(client.get("/api/parts/search_text?query=transistors", headers=h)) == []
    client.put(f"/api/locations/update_location/{bench['shelf']}", json={"name": "Rack"}, headers=h)
    found = _names(client.get("/api/parts/search_text?query=rack", headers=h))
    assert set(found) == {"2N7002 N-MOSFET", "BC857B", "Résistance 10kΩ 0603"}  # shelf and the drawer inside it
    part = client.get("/api/parts/get_part?part_name=BC857B", headers=h).json()["data"]
    assert part["location"]["path"] == "Rack / Drawer A"
    client.put(f"/api/parts/update_part/{part['id']}", json={"category_names": []}, headers=h)
    assert _names(client.get("/api/parts/search_text?query=bipolar", headers=h)) == []


def test_short_terms_fall_back_to_prefix(client: TestClient[Any], h: dict[str, str], bench: dict[str, str]) -> None:
    assert set(_names(client.get("/api/parts/search_text?query=2n", headers=h))) == {"2N7002 N-MOSFET", "2N7002K"}
    assert _names(client.get("/api/parts/search_text?query=b", headers=h)) == ["BC857B"]
    assert client.get("/api/parts/search_text?query=%25", headers=h).json()["total_parts"] == 0  # % is not a wildcard
    assert client.get("/api/parts/search_text?query=", headers=h).status_code == 422
    assert client.get("/api/parts/search_text", headers=h).status_code == 400  # missing parameter: 400, as MakerMatrix


def test_filters_sorting_and_subtree(client: TestClient[Any], h: dict[str, str], bench: dict[str, str]) -> None:
    def search(**body: Any) -> list[str]:
        return _names(client.post("/api/parts/search", json=body, headers=h))

    assert search(location_id=bench["shelf"], sort_by="quantity", sort_order="desc") == [
        "Résistance 10kΩ 0603",
        "BC857B",
        "2N7002 N-MOSFET",
    ]
    assert search(location_id=bench["drawer"], sort_by="part_name") == ["2N7002 N-MOSFET", "BC857B"]
    assert search(search_term="7002", min_quantity=10) == ["2N7002 N-MOSFET"]
    assert search(max_quantity=5, sort_by="quantity") == ["7002 adapter board", "2N7002K"]
    assert set(search(category_names=["mosfets", "Transistors"])) == {"2N7002 N-MOSFET", "2N7002K", "BC857B"}
    assert set(search(supplier="lcsc")) == {"2N7002 N-MOSFET", "Résistance 10kΩ 0603", "BC857B"}
    assert search(sort_by="location", sort_order="asc")[0] == "2N7002K"  # "Cabinet" sorts first
    paged = client.post("/api/parts/search", json={"page": 2, "page_size": 2}, headers=h).json()
    assert (paged["page"], paged["total_parts"], len(paged["data"]["items"])) == (2, 5, 2)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"sort_by": "price"}, "sort_by"),
        ({"sort_order": "up"}, "sort_order"),
        ({"min_quantity": -1}, "min_quantity"),
        ({"min_quantity": 5, "max_quantity": 1}, "min_quantity: must not be more than max_quantity"),
        ({"page_size": 1000}, "page_size"),
        ({"location_id": "nowhere"}, "location_id: no location"),
        ({"search_term": 7}, "search_term: expected str"),
    ],
)
def test_bad_search_requests(client: TestClient[Any], h: dict[str, str], body: dict[str, Any], fragment: str) -> None:
    response = client.post("/api/parts/search", json=body, headers=h)
    assert response.status_code == 422, response.text
    assert fragment in response.json()["message"]


def test_suggestions(client: TestClient[Any], h: dict[str, str], bench: dict[str, str]) -> None:
    def suggest(query: str, **extra: Any) -> Any:
        return client.get("/api/parts/suggestions", params={"query": query, **extra}, headers=h)

    assert suggest("2n7").json()["data"] == ["2N7002 N-MOSFET", "2N7002K"]
    assert suggest("700").json()["data"] == ["7002 adapter board", "2N7002 N-MOSFET", "2N7002K"]
    assert suggest("2n").json()["data"] == []  # from three characters on
    assert suggest("700", limit=1).json()["data"] == ["7002 adapter board"]
    assert suggest("700", limit=0).status_code == 422


def test_broad_terms_list_exact_match_then_newest_and_count_exactly(
    client: TestClient[Any], h: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from makermatrix_edge.inventory import search

    monkeypatch.setattr(search, "RANK_LIMIT", 3)  # pretend these few parts are a big inventory
    for i in range(6):
        add_part(client, h, f"Capacitor {i}", part_number=f"CAP-{i}")
    add_part(client, h, "Bypass", part_number="capacitor", quantity=1)
    response = client.get("/api/parts/search_text?query=capacitor&page_size=3", headers=h).json()
    assert [p["part_name"] for p in response["data"]] == ["Bypass", "Capacitor 5", "Capacitor 4"]
    assert response["total_parts"] == 7 and response["message"] == "7 parts found"  # exact, clients page by it
    second = client.get("/api/parts/search_text?query=capacitor&page=2&page_size=3", headers=h).json()
    assert [p["part_name"] for p in second["data"]] == ["Capacitor 3", "Capacitor 2", "Capacitor 1"]
    filtered = client.post("/api/parts/search", json={"search_term": "capacitor", "min_quantity": 1}, headers=h)
    assert _names(filtered) == ["Bypass"] and filtered.json()["data"]["total"] == 1
    narrow = client.get("/api/parts/search_text?query=capacitor 3", headers=h).json()
    assert [p["part_name"] for p in narrow["data"]] == ["Capacitor 3"]  # under the limit: ranked as usual
