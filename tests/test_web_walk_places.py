"""A usability walk's findings on the phone: a place typed and not tapped, the activity's names, Settings in More."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

import pytest
from litestar.testing import TestClient

from inventory_helpers import add_location
from web_helpers import Bench, bench, csrf_of, flash_of, said, web

__all__ = ["bench", "web"]  # the shared fixtures (web_helpers), used by name

FROM = "http://testserver.local"  # the Referer a browser sends with a form post (errors go back there)


def _bins(bench: Bench) -> tuple[str, str]:
    """Drawer C / Bin 4 (named exactly by "Drawer C Bin 4") and Drawer A / Bin 4 (so "Bin 4" names two)."""
    drawer_c = add_location(bench.client, bench.headers, "Drawer C", bench.shelf)
    return add_location(bench.client, bench.headers, "Bin 4", drawer_c), add_location(
        bench.client, bench.headers, "Bin 4", bench.drawer
    )


def _post(client: TestClient[Any], page: str, action: str, **fields: str) -> Any:
    html = client.get(page).text
    data = {"csrf_token": csrf_of(html), **fields}
    return client.post(action, data=data, headers={"Referer": FROM + page}, follow_redirects=False)


def _count(bench: Bench, table: str) -> int:
    return int(bench.services.db.read_sync(lambda db: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]))


def _location_of(bench: Bench, part_id: str) -> str | None:
    part = bench.client.get(f"/api/parts/get_part?part_id={part_id}", headers=bench.headers).json()["data"]
    return part["location_id"]


def test_add_part_takes_the_place_typed_but_not_tapped(web: TestClient[Any], bench: Bench) -> None:
    bin_c, _ = _bins(bench)
    form = web.get("/parts/new").text
    assert 'name="location_id_q"' in form  # the picker's search box is sent with the form
    made = _post(web, "/parts/new", "/parts/new", part_name="ESP32-C3 board", quantity="25", location_id="",
                 location_id_q="Drawer C Bin 4")  # fmt: skip
    assert made.status_code == 303, made.text
    part_id = made.headers["location"].removeprefix("/p/")
    assert _location_of(bench, part_id) == bin_c
    assert "Shelf 1 / Drawer C / Bin 4" in web.get(made.headers["location"]).text


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("Drawer Z", "No place matches 'Drawer Z' — pick one from the list, or leave it empty."),
        ("Bin 4", "2 places match 'Bin 4' — tap the one you mean in the list, or leave it empty."),
    ],
)
def test_add_part_with_a_typed_place_that_names_none_or_several_stays_on_the_form(
    web: TestClient[Any], bench: Bench, typed: str, words: str
) -> None:
    _bins(bench)
    parts = _count(bench, "parts")
    kept = _post(web, "/parts/new", "/parts/new", part_name="ESP32-C3 board", quantity="25", location_id="",
                 location_id_q=typed)  # fmt: skip
    assert kept.status_code == 400
    page = htmllib.unescape(kept.text)
    assert words in page and f'value="{typed}"' in page and 'value="ESP32-C3 board"' in page
    assert _count(bench, "parts") == parts  # nothing saved
    if typed == "Bin 4":
        assert page.count("/ Bin 4</span>") == 2  # the matches are listed to tap


def test_a_place_that_does_not_exist_leads_to_where_places_are_added(web: TestClient[Any]) -> None:
    listed = web.get("/places/pick?mode=radio&q=Drawer%20Z").text
    assert "No place matches “Drawer Z”." in listed
    link = re.search(r'<a href="([^"]+)">Add it on the Locations page</a>', listed)
    assert link, listed
    target = web.get(htmllib.unescape(link.group(1))).text
    assert 'id="name" name="name" value="Drawer Z"' in target  # the add form, the name filled in


def test_edit_part_moves_to_the_typed_place_over_the_one_it_had(web: TestClient[Any], bench: Bench) -> None:
    bin_c, _ = _bins(bench)
    url = f"/p/{bench.ne555['id']}"
    saved = _post(web, f"{url}/edit", f"{url}/edit", part_name="NE555 timer", location_id=bench.drawer,
                  location_id_q="drawer c bin 4")  # fmt: skip
    assert saved.status_code == 303, saved.text
    assert _location_of(bench, bench.ne555["id"]) == bin_c
    # A tapped place among the typed text's matches is the one chosen.
    again = _post(web, f"{url}/edit", f"{url}/edit", part_name="NE555 timer", location_id=bench.drawer,
                  location_id_q="Drawer A")  # fmt: skip
    assert again.status_code == 303 and _location_of(bench, bench.ne555["id"]) == bench.drawer


def test_move_some_takes_the_typed_place_and_never_makes_a_cassette_instead(web: TestClient[Any], bench: Bench) -> None:
    bin_c, _ = _bins(bench)
    url = f"/p/{bench.ne555['id']}"
    places = _count(bench, "locations")
    moved = _post(web, url, f"{url}/transfer", quantity="3", from_location_id=bench.drawer, to_location_id="",
                  to_location_id_q="Drawer C Bin 4", cassette_name="", cassette_parent="")  # fmt: skip
    assert moved.status_code == 303 and said(moved) == "Moved 3 to Shelf 1 / Drawer C / Bin 4", flash_of(moved)
    assert _count(bench, "locations") == places  # not a new cassette
    kept = bench.services.db.read_sync(
        lambda db: db.execute("SELECT location_id, quantity FROM part_allocations").fetchall()
    )
    assert [(r[0], r[1]) for r in kept] == [(bin_c, 3)]
    refused = _post(web, url, f"{url}/transfer", quantity="2", from_location_id=bench.drawer, to_location_id="",
                    to_location_id_q="Drawer Z", cassette_name="", cassette_parent="")  # fmt: skip
    error = flash_of(refused)
    assert error["error"] == (  # in this panel an empty choice is a new cassette: said so
        "No place matches 'Drawer Z' — pick one from the list, or empty Find to move them into a new cassette."
    )
    assert error["kept"]["to_location_id_q"] == "Drawer Z"  # the typed text comes back
    assert _count(bench, "locations") == places


def test_the_activity_keeps_a_deleted_parts_name_reads_an_undo_and_goes_further_back(
    web: TestClient[Any], bench: Bench
) -> None:
    url = f"/p/{bench.ne555['id']}"
    taken = _post(web, url, f"{url}/adjust", take="2")
    added = _post(web, url, f"{url}/adjust", add="3")
    undo = flash_of(added)["undo"]
    undone = _post(web, url, f"{url}/undo", delta=str(undo["delta"]), at=repr(undo["at"]), sig=undo["sig"])
    assert said(taken) and said(undone).startswith("Undone")
    for n in range(4):
        _post(web, url, f"{url}/adjust", add="1")
        assert n >= 0
    gone = _post(web, f"{url}/delete", f"{url}/delete")
    assert gone.status_code == 303
    home = htmllib.unescape(web.get("/").text)
    assert "admin deleted NE555 timer" in home and "a deleted part" not in home
    assert '<a href="/activity">More activity</a>' in home
    everything = htmllib.unescape(web.get("/activity").text)
    assert "admin took 2 × NE555 timer (deleted)" in everything
    assert "admin undid adding 3 × NE555 timer (deleted)" in everything
    assert "admin added 3 × NE555 timer (deleted)" in everything  # the add itself, before its undo
    assert everything.count("<li>") > 5 and "a deleted part" not in everything
    api = bench.client.get("/api/activity/recent?limit=20", headers=bench.headers).json()["data"]
    summaries = [a["details"]["summary"] for a in api["activities"]]
    assert "admin deleted NE555 timer" in summaries and not any("name when deleted" in s for s in summaries)


def test_settings_is_in_the_more_menu_and_leads_to_suppliers(web: TestClient[Any]) -> None:
    home = web.get("/").text
    menu = home.split('class="more"', 1)[1].split("</details>", 1)[0]
    assert '<a href="/settings"' in menu and ">Settings<" in menu
    settings = web.get("/settings").text
    assert 'href="/suppliers"' in settings
