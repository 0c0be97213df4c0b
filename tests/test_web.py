"""The phone pages in-process: session and CSRF, search, part and location pages, printing, errors."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD, add_user, login
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.web.words import in_words
from web_helpers import Bench, bench, csrf_of, flash_of, page_login, post_form, said, web

__all__ = ["bench", "web"]  # the shared fixtures (web_helpers), used by name


# -- session -------------------------------------------------------------------------------
def test_pages_redirect_to_login_and_back(bench: Bench) -> None:
    c = bench.client
    part_url = f"/p/{bench.ne555['id']}"
    r = c.get(part_url, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next={part_url}"
    assert c.get("/", follow_redirects=False).headers["location"] == "/login"
    r = page_login(c, next_url=part_url)
    assert r.status_code == 303 and r.headers["location"] == part_url
    page = c.get(part_url)
    assert page.status_code == 200 and "NE555 timer" in page.text and "Log out admin" in page.text


def test_login_errors_are_words_on_the_page(bench: Bench) -> None:
    r = page_login(bench.client, password="wrong-password")
    assert r.status_code == 401 and "Incorrect username or password" in r.text and "<form" in r.text
    assert 'value="admin"' in r.text  # the name stays typed in


def test_next_never_leaves_the_site(bench: Bench) -> None:
    for evil in ("//evil.example/x", "https://evil.example/", "\\\\evil"):
        assert page_login(bench.client, next_url=evil).headers["location"] == "/"


def test_form_posts_need_the_csrf_token(bench: Bench) -> None:
    c = bench.client
    c.get("/login")
    r = c.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": "x" * 43})
    assert r.status_code == 403 and "Page expired" in r.text and "refresh_token" not in r.cookies
    page_login(c)
    r = c.post(f"/p/{bench.ne555['id']}/adjust", data={"delta": "-1"}, follow_redirects=False)
    assert r.status_code == 403
    assert (
        bench.client.get(f"/api/parts/get_part?part_id={bench.ne555['id']}", headers=bench.headers).json()["data"][
            "quantity"
        ]
        == 10
    )


def test_page_session_does_not_rotate_and_logout_ends_it(web: TestClient[Any], bench: Bench) -> None:
    token = web.cookies.get("refresh_token")
    for _ in range(3):
        assert web.get("/").status_code == 200
    assert web.cookies.get("refresh_token") == token  # a page load does not rotate the session
    r = post_form(web, "/", "/logout")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert web.get("/", follow_redirects=False).status_code == 303
    web.cookies.set("refresh_token", token or "")  # the old cookie replayed: revoked, and the login page says so
    assert web.get("/", follow_redirects=False).headers["location"] == "/login?why=ended"


# -- search ---------------------------------------------------------------------------------
def test_search_as_you_type_and_landing_on_one_hit(web: TestClient[Any], bench: Bench) -> None:
    home = web.get("/")
    assert home.status_code == 200 and 'id="q"' in home.text and "autofocus" in home.text
    fragment = web.get("/search?q=capacitor")
    assert fragment.status_code == 200 and "100nF capacitor 0603" in fragment.text and "<html" not in fragment.text
    assert "No part matches" in web.get("/search?q=zzzqqq").text
    r = web.get("/?q=NE555", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/p/{bench.ne555['id']}"


def test_a_bag_code_typed_into_search_offers_what_a_photo_offers(web: TestClient[Any], bench: Bench) -> None:
    payload = "{pbn:PICK1,on:GB1,pc:C7593,pm:NE555DR,qty:5,mc:10,cc:1,pdi:1,hp:0,wc:ZH}"
    r = web.get("/", params={"q": payload}, follow_redirects=False)
    assert r.status_code == 200 and f'href="/p/{bench.ne555["id"]}"' in r.text and "Receive 5" in r.text
    assert "No part matches" not in r.text  # the walk's #5: the card answers the code, nothing says "no match" above it
    feed = web.get("/scans/feed")  # a search is not a bench-camera scan (issue 17 point 13)
    assert feed.status_code == 200 and "NE555 timer" not in feed.text


# -- the part page ----------------------------------------------------------------------------
def test_part_page_shows_where_and_how_many(web: TestClient[Any], bench: Bench) -> None:
    page = web.get(f"/p/{bench.ne555['id']}").text
    assert f'href="/l/{bench.shelf}">Shelf 1</a>' in page and f'href="/l/{bench.drawer}">Drawer A</a>' in page
    assert '<span id="quantity">10</span>' in page and "C7593" in page
    assert 'aria-label="Take one"' in page and 'for="take"' in page and "Print label" in page


def test_minus_plus_and_take_n_are_stock_movements(web: TestClient[Any], bench: Bench) -> None:
    url = f"/p/{bench.ne555['id']}"
    r = post_form(web, url, f"{url}/adjust", delta="-1")
    assert r.status_code == 303 and said(r) == "Taken 1: 9 left"
    assert said(post_form(web, url, f"{url}/adjust", delta="1")) == "Added 1: 10 left"
    assert said(post_form(web, url, f"{url}/adjust", take="6")) == "Taken 6: 4 left"
    page = web.get(url).text
    assert '<span id="quantity">4</span>' in page and "Low stock" in page
    assert page.count("taken on the phone page") == 2 and "added on the phone page" in page
    history = web.get(f"/api/parts/{bench.ne555['id']}/history", headers=bench.headers).json()["data"]
    assert [h["delta"] for h in history[:3]] == [-6, 1, -1] and history[0]["source"] == "phone"


def test_taking_too_many_or_nonsense_is_a_sentence(web: TestClient[Any], bench: Bench) -> None:
    url = f"/p/{bench.ne555['id']}"
    r = post_form(web, url, f"{url}/adjust", take="50")
    assert r.status_code == 400 and "Only 10 in stock, cannot take 50." in r.text and "<h1>" in r.text
    r = post_form(web, url, f"{url}/adjust", take="two")
    assert r.status_code == 400 and "must be a whole number" in r.text
    assert '"status"' not in r.text  # never a JSON dump


def test_unknown_part_is_a_404_page(web: TestClient[Any]) -> None:
    r = web.get("/p/no-such-part")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"] and "Not found" in r.text


def test_a_viewer_sees_but_cannot_take(web: TestClient[Any], bench: Bench) -> None:
    add_user(web, login(web, "admin", ADMIN_PASSWORD), "looker", "viewer")
    post_form(web, "/", "/logout")
    page_login(web, "looker", "password-123")
    url = f"/p/{bench.ne555['id']}"
    page = web.get(url).text
    assert "NE555 timer" in page and 'aria-label="Take one"' not in page
    web.cookies.set("mm_csrf", csrf_of(page))
    r = web.post(f"{url}/adjust", data={"csrf_token": csrf_of(page), "delta": "-1"})
    assert r.status_code == 403 and "may not do this" in r.text


# -- printing --------------------------------------------------------------------------------
def test_label_preview_and_print_through_the_fake_printer(web: TestClient[Any], bench: Bench) -> None:
    url = f"/p/{bench.ne555['id']}"
    preview = web.get(f"{url}/label.png")
    assert preview.status_code == 200 and preview.content.startswith(b"\x89PNG")
    r = post_form(web, url, f"{url}/print", copies="2")
    assert r.status_code == 303 and said(r) == "Printed 2 labels for 'NE555 timer'"
    assert "Printed 2 labels" in web.get(r.headers["location"]).text


def test_print_refusals_are_sentences(web: TestClient[Any], bench: Bench) -> None:
    url = f"/p/{bench.ne555['id']}"
    r = post_form(web, url, f"{url}/print", copies="0")
    assert r.status_code == 400 and "Copies must be between 1 and 20." in r.text
    bench.services.labels.script_simulator("cover_open", None)
    r = post_form(web, url, f"{url}/print", copies="1")
    text = flash_of(r).get("error", "") if r.status_code == 303 else r.text
    assert "not printed" in text or "Device not available" in text


def test_the_copies_field_offers_what_the_printer_takes(web: TestClient[Any], bench: Bench) -> None:
    """The walk's #6: the field allowed 100 while the print service refuses more than max_copies (20)."""
    limit = bench.services.labels.cfg.max_copies
    url = f"/p/{bench.ne555['id']}"
    assert f'name="copies" type="number" inputmode="numeric" min="1" max="{limit}"' in web.get(url).text
    r = post_form(web, url, f"{url}/print", copies=str(limit + 1))
    assert r.status_code == 400 and f"Copies must be between 1 and {limit}." in r.text


# -- locations -------------------------------------------------------------------------------
def test_location_page_and_tree(web: TestClient[Any], bench: Bench) -> None:
    page = web.get(f"/l/{bench.shelf}").text
    assert "<h1>Shelf 1</h1>" in page and f'href="/l/{bench.drawer}"' in page
    assert f'href="/p/{bench.ne555["id"]}"' in page and "Parts here and below (1)" in page
    tree = web.get("/locations").text
    assert "Shelf 1" in tree and "Drawer A" in tree
    r = post_form(web, f"/l/{bench.drawer}", f"/l/{bench.drawer}/print")
    assert r.status_code == 303 and said(r).startswith("Printed 1 label for")
    assert web.get(f"/l/{bench.drawer}/label.png").content.startswith(b"\x89PNG")
    assert web.get("/l/nowhere").status_code == 404


def test_static_assets_are_served_by_the_daemon(bench: Bench) -> None:
    css = bench.client.get("/static/app.css")
    assert css.status_code == 200 and "prefers-color-scheme: dark" in css.text
    assert bench.client.get("/static/app.js").status_code == 200
    assert "http" not in bench.client.get("/login").text.split("<main", 1)[0].replace('name="viewport"', "")


def test_a_refusal_worded_as_a_sentence_gets_no_second_label() -> None:
    """The walk's #3: "The project name Project name is required." (a label put before a whole sentence)."""
    assert in_words(InvalidInput("Project name is required", "name")) == "Project name is required."
    line = InvalidInput("This line is not in the BOM; reload the page", "line_id")
    assert in_words(line) == "This line is not in the BOM; reload the page."
    assert in_words(InvalidInput("must not be empty", "name")) == "The name must not be empty."  # a rule: labelled
