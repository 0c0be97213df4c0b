"""A part in several places (MakerMatrix's allocations): one total, one history, every transfer naming both places."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import add_user, bearer, login
from inventory_helpers import add_location, add_part, history_sum

pytestmark = pytest.mark.shared_app


@pytest.fixture
def h(admin_token: str) -> dict[str, str]:
    return bearer(admin_token)


def _name(word: str) -> str:
    return f"{word} {uuid.uuid4().hex[:8]}"


def _reel(client: TestClient[Any], h: dict[str, str], quantity: int = 4000) -> tuple[dict[str, Any], str, str]:
    """A part on a reel shelf in the store room, and a bench to put cassettes on."""
    store = add_location(client, h, _name("Store room"))
    shelf = add_location(client, h, "Reel shelf", store)
    bench = add_location(client, h, _name("Bench"))
    part = add_part(client, h, _name("C1591 100nF"), quantity=quantity, location_id=shelf)
    return part, shelf, bench


def _places(client: TestClient[Any], h: dict[str, str], part_id: str) -> dict[str, Any]:
    response = client.get(f"/api/parts/{part_id}/allocations", headers=h)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def _history(client: TestClient[Any], h: dict[str, str], part_id: str) -> list[dict[str, Any]]:
    return list(client.get(f"/api/parts/{part_id}/history?page_size=100", headers=h).json()["data"])


def _split(client: TestClient[Any], h: dict[str, str], part_id: str, **body: Any) -> Any:
    return client.post(f"/api/parts/{part_id}/allocations/split_to_cassette", json=body, headers=h)


def test_a_strip_split_into_a_new_cassette_keeps_one_total_and_names_both_places(
    client: TestClient[Any], h: dict[str, str]
) -> None:
    part, shelf, bench = _reel(client, h)
    split = _split(client, h, part["id"], from_location_id=shelf, quantity=100, cassette_name="Cassette 42",
                   parent_location_id=bench)  # fmt: skip
    assert split.status_code == 200, split.text
    data = split.json()["data"]
    assert data["cassette_created"] is True and data["transferred_quantity"] == 100
    assert data["cassette"]["location_type"] == "cassette" and data["cassette"]["parent_id"] == bench
    assert data["allocation"]["quantity_at_location"] == 100 and data["allocation"]["is_primary_storage"] is False

    places = _places(client, h, part["id"])
    assert places["total_quantity"] == 4000 and places["location_count"] == 2
    assert [(a["location_id"], a["quantity_at_location"], a["is_primary_storage"]) for a in places["allocations"]] == [
        (shelf, 3900, True),
        (data["cassette"]["id"], 100, False),
    ]
    assert places["primary_location"]["id"] == shelf
    moved = _history(client, h, part["id"])[0]
    assert (moved["delta"], moved["moved"], moved["quantity_after"]) == (0, 100, 4000)
    assert (moved["from_location_id"], moved["to_location_id"]) == (shelf, data["cassette"]["id"])
    assert "Reel shelf" in moved["reason"] and "Cassette 42" in moved["reason"]
    assert history_sum(client, h, part["id"]) == 4000
    got = client.get(f"/api/parts/get_part?part_id={part['id']}", headers=h).json()["data"]
    assert got["quantity"] == 4000
    assert [(a["location_name"], a["quantity_at_location"]) for a in got["allocations"]] == [
        ("Reel shelf", 3900),
        ("Cassette 42", 100),
    ]


def test_transfer_between_places_and_back_to_primary(client: TestClient[Any], h: dict[str, str]) -> None:
    part, shelf, bench = _reel(client, h, 50)
    drawer = add_location(client, h, _name("Drawer"))
    moved = client.post(
        f"/api/parts/{part['id']}/transfer?from_location_id={shelf}&to_location_id={drawer}&quantity=20&notes=kit",
        headers=h,
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()["data"]
    assert body["from_deleted"] is False and body["from_allocation"]["quantity_at_location"] == 30
    assert body["to_allocation"]["quantity_at_location"] == 20 and body["to_allocation"]["notes"] == "kit"
    onward = client.post(
        f"/api/parts/{part['id']}/transfer?from_location_id={drawer}&to_location_id={bench}&quantity=20", headers=h
    )
    assert onward.status_code == 200 and onward.json()["data"]["from_deleted"] is True  # an emptied place goes
    cassette = onward.json()["data"]["to_allocation"]["id"]
    back = client.post(f"/api/parts/{part['id']}/allocations/{cassette}/return_to_primary", headers=h)
    assert back.status_code == 200, back.text
    assert back.json()["data"] == {
        "allocation_id": cassette,
        "quantity_returned": 20,
        "primary_location_id": shelf,
        "deleted": True,
    }
    places = _places(client, h, part["id"])
    assert [(a["location_id"], a["quantity_at_location"]) for a in places["allocations"]] == [(shelf, 50)]
    rows = _history(client, h, part["id"])
    assert [(r["from_location_id"], r["to_location_id"], r["moved"]) for r in rows[:3]] == [
        (bench, shelf, 20),
        (drawer, bench, 20),
        (shelf, drawer, 20),
    ]
    assert history_sum(client, h, part["id"]) == 50


def test_stock_taken_comes_from_the_primary_place_first_then_the_others(
    client: TestClient[Any], h: dict[str, str]
) -> None:
    part, shelf, bench = _reel(client, h, 10)
    assert _split(client, h, part["id"], from_location_id=shelf, quantity=4, create_new_cassette=False,
                  cassette_id=bench).status_code == 200  # fmt: skip
    took = client.post(f"/api/parts/{part['id']}/adjust", json={"delta": -8, "reason": "kit"}, headers=h)
    assert took.status_code == 200 and took.json()["data"]["quantity"] == 2
    places = _places(client, h, part["id"])
    assert [(a["location_id"], a["quantity_at_location"]) for a in places["allocations"]] == [(shelf, 0), (bench, 2)]
    assert history_sum(client, h, part["id"]) == 2
    # Setting the total below what the other places hold empties them too, and removes an emptied one.
    counted = client.put(f"/api/parts/update_part/{part['id']}", json={"quantity": 0}, headers=h)
    assert counted.status_code == 200, counted.text
    assert [(a["location_id"], a["quantity_at_location"]) for a in _places(client, h, part["id"])["allocations"]] == [
        (shelf, 0)
    ]


def test_a_new_place_adds_stock_and_a_count_there_moves_the_total(client: TestClient[Any], h: dict[str, str]) -> None:
    part, _, bench = _reel(client, h, 10)
    made = client.post(f"/api/parts/{part['id']}/allocations", json={"location_id": bench, "quantity": 5}, headers=h)
    assert made.status_code == 200, made.text
    alloc = made.json()["data"]
    assert _places(client, h, part["id"])["total_quantity"] == 15
    counted = client.put(f"/api/parts/{part['id']}/allocations/{alloc['id']}", json={"quantity": 2}, headers=h)
    assert counted.status_code == 200 and counted.json()["data"]["quantity_at_location"] == 2
    rows = _history(client, h, part["id"])
    assert [(r["delta"], r["from_location_id"], r["to_location_id"]) for r in rows[:2]] == [
        (-3, bench, None),
        (5, None, bench),
    ]
    gone = client.delete(f"/api/parts/{part['id']}/allocations/{alloc['id']}", headers=h)
    assert gone.status_code == 200 and gone.json()["data"] == {"allocation_id": alloc["id"], "deleted": True}
    assert _places(client, h, part["id"])["total_quantity"] == 10
    assert history_sum(client, h, part["id"]) == 10


def test_making_another_place_primary_keeps_every_quantity_where_it_is(
    client: TestClient[Any], h: dict[str, str]
) -> None:
    part, shelf, bench = _reel(client, h, 30)
    split = _split(client, h, part["id"], from_location_id=shelf, quantity=10, create_new_cassette=False,
                   cassette_id=bench)  # fmt: skip
    cassette = split.json()["data"]["allocation"]["id"]
    done = client.put(f"/api/parts/{part['id']}/allocations/{cassette}", json={"is_primary": True}, headers=h)
    assert done.status_code == 200, done.text
    assert done.json()["data"]["is_primary_storage"] is True and done.json()["data"]["location_id"] == bench
    places = _places(client, h, part["id"])
    assert [(a["location_id"], a["quantity_at_location"], a["is_primary_storage"]) for a in places["allocations"]] == [
        (bench, 10, True),
        (shelf, 20, False),
    ]
    primary = places["allocations"][0]["id"]
    refused = client.delete(f"/api/parts/{part['id']}/allocations/{primary}", headers=h)
    assert refused.status_code == 409 and "primary" in refused.json()["message"]


def test_bad_transfers_answer_clearly_and_change_nothing(client: TestClient[Any], h: dict[str, str]) -> None:
    part, shelf, bench = _reel(client, h, 10)
    before_places, before_rows = _places(client, h, part["id"]), len(_history(client, h, part["id"]))
    url = f"/api/parts/{part['id']}/transfer"
    too_many = client.post(f"{url}?from_location_id={shelf}&to_location_id={bench}&quantity=11", headers=h)
    assert too_many.status_code == 422 and "only 10 at" in too_many.json()["message"]
    for query, status in [
        (f"from_location_id={shelf}&to_location_id={bench}&quantity=-1", 422),
        (f"from_location_id={shelf}&to_location_id={bench}&quantity=two", 422),
        (f"from_location_id={shelf}&to_location_id={bench}", 400),
        (f"from_location_id={shelf}&to_location_id=nowhere&quantity=1", 404),
        (f"from_location_id={bench}&to_location_id={shelf}&quantity=1", 422),
        (f"from_location_id={shelf}&to_location_id={shelf}&quantity=1", 422),
    ]:
        answer = client.post(f"{url}?{query}", headers=h)
        assert answer.status_code == status, (query, answer.text)
        assert answer.json()["status"] == "error" and answer.json()["message"]
    unknown = client.post(f"/api/parts/nope/transfer?from_location_id={shelf}&to_location_id={bench}&quantity=1",
                          headers=h)  # fmt: skip
    assert unknown.status_code == 404
    negative = client.post(f"/api/parts/{part['id']}/allocations", json={"location_id": bench, "quantity": -5},
                           headers=h)  # fmt: skip
    assert negative.status_code == 422
    wrong_type = client.post(f"/api/parts/{part['id']}/allocations", json={"location_id": bench, "quantity": "5"},
                             headers=h)  # fmt: skip
    assert wrong_type.status_code == 422
    assert client.get(f"/api/parts/{part['id']}/allocations/x", headers=h).status_code in (404, 405)
    missing = client.put(f"/api/parts/{part['id']}/allocations/nope", json={"quantity": 1}, headers=h)
    assert missing.status_code == 404
    # A new cassette whose transfer fails is not made: one transaction per intent.
    name = _name("Cassette")
    failed = _split(client, h, part["id"], from_location_id=shelf, quantity=99, cassette_name=name)
    assert failed.status_code == 422
    everywhere = client.get("/api/locations/get_all_locations", headers=h).json()["data"]
    assert name not in [loc["name"] for loc in everywhere]
    assert _places(client, h, part["id"]) == before_places
    assert len(_history(client, h, part["id"])) == before_rows


def test_a_deleted_cassette_gives_its_quantity_back_to_the_primary_place(
    client: TestClient[Any], h: dict[str, str]
) -> None:
    part, shelf, _ = _reel(client, h, 12)
    split = _split(client, h, part["id"], from_location_id=shelf, quantity=5, cassette_name="Cassette 1")
    cassette = split.json()["data"]["cassette"]["id"]
    assert client.delete(f"/api/locations/delete_location/{cassette}", headers=h).status_code == 200
    places = _places(client, h, part["id"])
    assert places["total_quantity"] == 12
    assert [(a["location_id"], a["quantity_at_location"]) for a in places["allocations"]] == [(shelf, 12)]
    said = client.app.state.services.db.read_sync(
        lambda db: [r[0] for r in db.execute("SELECT what FROM part_changes WHERE part_id = ?", [part["id"]])]
    )
    assert "Cassette 1 was deleted; its 5 count at the primary place again" in said


def test_permissions_follow_the_roles(client: TestClient[Any], h: dict[str, str], admin_token: str) -> None:
    part, shelf, bench = _reel(client, h, 10)
    viewer_name, bench_user = _name("viewer").replace(" ", ""), _name("user").replace(" ", "")
    add_user(client, admin_token, viewer_name, "viewer")
    add_user(client, admin_token, bench_user, "user")
    viewer = bearer(login(client, viewer_name, "password-123"))
    user = bearer(login(client, bench_user, "password-123"))
    assert client.get(f"/api/parts/{part['id']}/allocations").status_code == 401
    assert client.get(f"/api/parts/{part['id']}/allocations", headers=viewer).status_code == 200
    url = f"/api/parts/{part['id']}/transfer?from_location_id={shelf}&to_location_id={bench}&quantity=1"
    assert client.post(url, headers=viewer).status_code == 403
    assert client.post(url).status_code == 401
    # A bench user splits into a cassette that exists; making a new location needs locations:write.
    new = _split(client, user, part["id"], from_location_id=shelf, quantity=1, cassette_name="Cassette 9")
    assert new.status_code == 403
    existing = _split(client, user, part["id"], from_location_id=shelf, quantity=2, create_new_cassette=False,
                      cassette_id=bench)  # fmt: skip
    assert existing.status_code == 200, existing.text
    assert _places(client, h, part["id"])["allocations"][1]["quantity_at_location"] == 2


def test_the_database_refuses_places_above_the_quantity(client: TestClient[Any], h: dict[str, str]) -> None:
    part, shelf, bench = _reel(client, h, 10)
    services = client.app.state.services
    with pytest.raises(sqlite3.IntegrityError, match="allocations above the quantity"):
        services.db.write_sync(
            lambda db: db.execute(
                "INSERT INTO part_allocations (id, part_id, location_id, quantity, created_at, updated_at) "
                "VALUES ('x', ?, ?, 11, '', '')",
                [part["id"], bench],
            )
        )
    with pytest.raises(sqlite3.IntegrityError, match="primary place"):
        services.db.write_sync(
            lambda db: db.execute(
                "INSERT INTO part_allocations (id, part_id, location_id, quantity, created_at, updated_at) "
                "VALUES ('y', ?, ?, 1, '', '')",
                [part["id"], shelf],
            )
        )
    assert _places(client, h, part["id"])["location_count"] == 1


def test_moving_or_deleting_the_part_keeps_its_places_consistent(client: TestClient[Any], h: dict[str, str]) -> None:
    part, shelf, bench = _reel(client, h, 10)
    assert _split(client, h, part["id"], from_location_id=shelf, quantity=3, create_new_cassette=False,
                  cassette_id=bench).status_code == 200  # fmt: skip
    # The part moved onto one of its places: that place is the primary one now and holds everything.
    moved = client.put(f"/api/parts/update_part/{part['id']}", json={"location_id": bench}, headers=h)
    assert moved.status_code == 200, moved.text
    places = _places(client, h, part["id"])
    assert [(a["location_id"], a["quantity_at_location"]) for a in places["allocations"]] == [(bench, 10)]
    # Taking from the primary place first, then the others: the history notes the place drawn on.
    assert _split(client, h, part["id"], from_location_id=bench, quantity=6, create_new_cassette=False,
                  cassette_id=shelf).status_code == 200  # fmt: skip
    assert client.post(f"/api/parts/{part['id']}/adjust", json={"delta": -5}, headers=h).status_code == 200
    changes = client.app.state.services.db.read_sync(
        lambda db: [r[0] for r in db.execute("SELECT what FROM part_changes WHERE part_id = ?", [part["id"]])]
    )
    assert any(w.startswith("1 of the stock taken came from") and "Reel shelf" in w for w in changes)
    gone = client.delete(f"/api/parts/delete_part?part_id={part['id']}", headers=h)
    assert gone.status_code == 200, gone.text
    assert client.get(f"/api/parts/{part['id']}/allocations", headers=h).status_code == 404


def test_search_by_location_finds_a_part_kept_there_in_any_place(client: TestClient[Any], h: dict[str, str]) -> None:
    part, shelf, bench = _reel(client, h, 10)
    assert _split(client, h, part["id"], from_location_id=shelf, quantity=2, create_new_cassette=False,
                  cassette_id=bench).status_code == 200  # fmt: skip
    for where in (shelf, bench):
        found = client.post("/api/parts/search", json={"location_id": where}, headers=h).json()["data"]
        assert [p["id"] for p in found["items"]] == [part["id"]] and found["total"] == 1
        assert [a["quantity_at_location"] for a in found["items"][0]["allocations"]] == [8, 2]
