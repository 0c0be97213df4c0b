"""Locations tree editing on the pages: add, rename, move, delete after the preview, and the refusals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from app_pool import client_for
from conftest import ADMIN_PASSWORD, FakeClock, add_user, bearer, login, make_settings
from inventory_helpers import add_location, add_part
from makermatrix_edge.daemon import build_services
from web_helpers import csrf_of, flash_of, page_login, post_form, refused_to, said


class Bench:
    def __init__(self, client: TestClient[Any], admin: str) -> None:
        self.client, self.admin = client, admin
        headers = bearer(admin)
        self.shelf = add_location(client, headers, "Shelf 1")
        self.drawer = add_location(client, headers, "Drawer A", self.shelf)
        self.bin = add_location(client, headers, "Bin 3", self.drawer)
        add_part(client, headers, "NE555 timer", quantity=10, location_id=self.bin)
        add_part(client, headers, "LM358 op-amp", quantity=4, location_id=self.drawer)

    def location(self, location_id: str) -> dict[str, Any]:
        r = self.client.get(
            "/api/locations/get_location", params={"location_id": location_id}, headers=bearer(self.admin)
        )
        return dict(r.json()["data"]) if r.status_code == 200 else {}


@pytest.fixture
def bench(tmp_path: Path, clock: FakeClock) -> Iterator[Bench]:
    services = build_services(make_settings(tmp_path / "data"), clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        with client_for(services) as client:
            made = Bench(client, login(client, "admin", ADMIN_PASSWORD))
            client.cookies.clear()
            assert page_login(client).status_code == 303
            yield made
    finally:
        services.close()


def test_add_a_location_under_a_parent(bench: Bench) -> None:
    c = bench.client
    plain = c.get("/locations").text
    assert "Add a location" not in plain and "/edit" not in plain and 'href="/locations?edit=1"' in plain
    page = c.get("/locations?edit=1")  # issue 17 point 6: editing is one mode
    assert page.status_code == 200 and "Add a location" in page.text and f'href="/l/{bench.drawer}/edit"' in page.text
    assert '<option value="">Nothing (top level)</option>' in page.text and 'for="parent_id">Inside' in page.text
    r = post_form(c, "/locations?edit=1", "/locations/new", name="Box 9", location_type="box", parent_id=bench.shelf)
    assert r.status_code == 303 and said(r).startswith("Added 'Shelf 1") and said(r).endswith("Box 9'")
    tree = c.get(r.headers["location"]).text
    assert "Box 9" in tree and "Added" in tree
    top = post_form(c, "/locations?edit=1", "/locations/new", name="Cabinet", location_type="cabinet", parent_id="")
    assert top.status_code == 303 and said(top) == "Added 'Cabinet'"


def test_add_mistakes_are_sentences_on_the_page(bench: Bench) -> None:
    c = bench.client
    empty = post_form(c, "/locations?edit=1", "/locations/new", name="  ", location_type="box", parent_id="")
    assert refused_to(empty, "/locations?edit=1") == "The name must not be empty."
    twice = post_form(
        c, "/locations?edit=1", "/locations/new", name="Drawer A", location_type="drawer", parent_id=bench.shelf
    )
    assert "Drawer A" in refused_to(twice, "/locations?edit=1")
    assert flash_of(twice)["kept"]["name"] == "Drawer A"  # what was typed comes back (app.js fills it in)
    page = c.get("/locations?edit=1").text  # back on the form's page, in editing mode, the reason said
    assert 'class="error" role="alert"' in page and 'action="/locations/new"' in page and "data-kept=" in page
    ghost = post_form(c, "/locations?edit=1", "/locations/new", name="X", location_type="box", parent_id="no-such-id")
    assert refused_to(ghost, "/locations?edit=1") == "No location with id no-such-id."


def test_rename_and_move(bench: Bench) -> None:
    c = bench.client
    edit = f"/l/{bench.bin}/edit"
    page = c.get(edit)
    assert page.status_code == 200 and "Rename" in page.text and "Move inside" in page.text
    r = post_form(c, edit, f"/l/{bench.bin}/rename", name="Bin 4")
    assert r.status_code == 303 and said(r) == "Renamed to 'Bin 4'"
    assert bench.location(bench.bin)["name"] == "Bin 4"
    r = post_form(c, edit, f"/l/{bench.bin}/move", parent_id=bench.shelf)
    assert r.status_code == 303 and "now Shelf 1" in said(r)
    assert bench.location(bench.bin)["parent_id"] == bench.shelf
    r = post_form(c, edit, f"/l/{bench.bin}/move", parent_id="")
    assert r.status_code == 303 and said(r) == "Moved: now Bin 4"
    assert bench.location(bench.bin)["parent_id"] is None


def test_moving_under_itself_or_a_child_is_refused_in_words(bench: Bench) -> None:
    c = bench.client
    edit = f"/l/{bench.shelf}/edit"
    for target in (bench.shelf, bench.bin):
        r = post_form(c, edit, f"/l/{bench.shelf}/move", parent_id=target)
        assert "cannot be moved under itself or one of its own children" in refused_to(r, edit)
        shown = c.get(edit).text
        assert 'role="alert"' in shown and "<h1>Change Shelf 1</h1>" in shown
    assert bench.location(bench.shelf)["parent_id"] is None
    empty = post_form(c, edit, f"/l/{bench.shelf}/rename", name="")
    assert refused_to(empty, edit) == "The name must not be empty."
    assert c.get(f"/l/{bench.shelf}/rename", follow_redirects=False).headers["location"] == f"/l/{bench.shelf}"
    gone = c.get("/l/no-such-id/edit")
    assert gone.status_code == 404 and "No location with id no-such-id" in gone.text


def test_delete_shows_the_counts_first(bench: Bench) -> None:
    c = bench.client
    preview = c.get(f"/l/{bench.drawer}/delete")
    assert preview.status_code == 200
    text = re.sub(r"\s+", " ", preview.text)
    assert "deletes Drawer A and the 1 location inside it." in text and "2 parts will no longer have a location" in text
    lone = bench.client.get(f"/l/{bench.bin}/delete").text
    assert "deletes Bin 3." in lone and "1 part will no longer" in lone
    assert "NE555 timer" in text and "LM358 op-amp" in text
    assert bench.location(bench.drawer)  # nothing deleted by looking
    r = c.post(f"/l/{bench.drawer}/delete", data={"csrf_token": csrf_of(preview.text)}, follow_redirects=False)
    assert r.status_code == 303 and said(r) == "Deleted 2 locations; 2 parts no longer have a location"
    assert bench.location(bench.drawer) == {} and bench.location(bench.bin) == {}
    again = c.post(f"/l/{bench.drawer}/delete", data={"csrf_token": csrf_of(preview.text)}, follow_redirects=False)
    assert again.status_code == 303 and said(again) == "That location was already gone"


def test_edits_need_the_csrf_token(bench: Bench) -> None:
    c = bench.client
    r = c.post(f"/l/{bench.bin}/rename", data={"name": "Evil"}, follow_redirects=False)
    assert r.status_code == 403 and "Page expired" in r.text
    r = c.post(f"/l/{bench.bin}/delete", data={"csrf_token": "x" * 40}, follow_redirects=False)
    assert r.status_code == 403
    assert bench.location(bench.bin)["name"] == "Bin 3"


def test_permissions_hide_the_controls_and_refuse_posts(bench: Bench) -> None:
    c = bench.client
    csrf = csrf_of(c.get("/locations").text)
    add_user(c, bench.admin, "viewer1", "viewer")
    add_user(c, bench.admin, "bench1", "user")
    for username in ("viewer1", "bench1"):  # neither holds locations:write nor locations:delete
        post_form(c, "/", "/logout")
        c.cookies.clear()
        assert page_login(c, username, "password-123").status_code == 303
        tree = c.get("/locations")
        assert tree.status_code == 200 and "Shelf 1" in tree.text
        assert "Add a location" not in tree.text and "/edit" not in tree.text
        assert "Change this location" not in c.get(f"/l/{bench.bin}").text
        csrf = csrf_of(tree.text)
        for action, fields in (
            ("/locations/new", {"name": "Sneaky", "parent_id": ""}),
            (f"/l/{bench.bin}/rename", {"name": "Sneaky"}),
            (f"/l/{bench.bin}/move", {"parent_id": ""}),
            (f"/l/{bench.bin}/delete", {}),
        ):
            r = c.post(action, data={"csrf_token": csrf, **fields}, follow_redirects=False)
            assert r.status_code == 403 and "may not do this" in r.text, action
        for url in (f"/l/{bench.bin}/edit", f"/l/{bench.bin}/delete"):
            assert c.get(url).status_code == 403, url
    assert bench.location(bench.bin)["name"] == "Bin 3"


def test_a_manager_may_edit_and_delete(bench: Bench) -> None:
    c = bench.client
    add_user(c, bench.admin, "mgr", "manager")
    post_form(c, "/", "/logout")
    c.cookies.clear()
    assert page_login(c, "mgr", "password-123").status_code == 303
    edit = c.get(f"/l/{bench.bin}/edit")
    assert edit.status_code == 200 and f'href="/l/{bench.bin}/delete"' in edit.text
    r = post_form(c, f"/l/{bench.bin}/delete", f"/l/{bench.bin}/delete")
    assert r.status_code == 303 and said(r) == "Deleted 1 locations; 1 parts no longer have a location"


def test_6_collapsed_tree_counts_what_is_inside_and_finds_places(bench: Bench) -> None:
    c = bench.client
    page = c.get("/locations").text
    assert "<details>" in page and "<details open>" not in page  # collapsed
    shelf = page[page.index(f'href="/l/{bench.shelf}"') :]
    assert re.match(r"[^<]*</a> <span class=\"muted count\">2</span>", shelf.split(">", 1)[1])  # parts inside count
    found = c.get("/locations", params={"q": "bin 3"}).text
    assert "Places matching" in found and f'href="/l/{bench.bin}"' in found and f'href="/l/{bench.shelf}"' not in found
