"""Issue 13 item 16: the pages' CSRF token is tied to the session, and pages refuse framing."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD
from web_helpers import Bench, bench, csrf_of, page_login, web

__all__ = ["bench", "web"]  # the shared fixtures (web_helpers), used by name

PLANTED = "attacker-chosen-value-" + "x" * 30  # long enough for the old double-submit check


def quantity(bench: Bench) -> int:
    r = bench.client.get(f"/api/parts/get_part?part_id={bench.ne555['id']}", headers=bench.headers)
    return int(r.json()["data"]["quantity"])


def test_a_planted_cookie_and_matching_field_are_refused(web: TestClient[Any], bench: Bench) -> None:
    web.cookies.set("mm_csrf", PLANTED)
    r = web.post(f"/p/{bench.ne555['id']}/adjust", data={"csrf_token": PLANTED, "delta": "-1"}, follow_redirects=False)
    assert r.status_code == 403 and "Page expired" in r.text
    assert quantity(bench) == 10
    r = web.post("/logout", data={"csrf_token": PLANTED}, follow_redirects=False)
    assert r.status_code == 403
    assert web.get("/", follow_redirects=False).status_code == 200  # still logged in


def test_a_planted_pair_cannot_log_someone_in(bench: Bench) -> None:
    c = bench.client
    c.cookies.set("mm_csrf", PLANTED)
    r = c.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": PLANTED})
    assert r.status_code == 403 and "refresh_token" not in r.cookies


def test_the_token_follows_the_session(bench: Bench) -> None:
    c = bench.client
    before = csrf_of(c.get("/login").text)
    page_login(c)
    mine = csrf_of(c.get("/").text)
    assert mine != before  # logging in starts a new token
    r = c.post(f"/p/{bench.ne555['id']}/adjust", data={"csrf_token": before, "delta": "-1"}, follow_redirects=False)
    assert r.status_code == 403  # the pre-login token does not work for the session
    r = c.post(f"/p/{bench.ne555['id']}/adjust", data={"csrf_token": mine, "delta": "-1"}, follow_redirects=False)
    assert r.status_code == 303 and quantity(bench) == 9
    other = TestClient(c.app)
    page_login(other)
    theirs = csrf_of(other.get("/").text)
    assert theirs != mine  # another session of the same user has its own token
    r = c.post(f"/p/{bench.ne555['id']}/adjust", data={"csrf_token": theirs, "delta": "-1"}, follow_redirects=False)
    assert r.status_code == 403 and quantity(bench) == 9


def test_pages_refuse_framing_and_limit_what_they_load(web: TestClient[Any], bench: Bench) -> None:
    for url in ("/", "/login", f"/p/{bench.ne555['id']}", "/no/such/page"):
        r = web.get(url, follow_redirects=False)
        assert r.headers["x-frame-options"] == "DENY", url
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, url
        assert r.headers["referrer-policy"] == "same-origin", url


def test_a_stale_form_comes_back_filled_in_not_applied(web: TestClient[Any], bench: Bench) -> None:
    url = f"/p/{bench.ne555['id']}"
    r = web.post(
        f"{url}/adjust",
        data={"csrf_token": "stale", "take": "3"},
        headers={"Referer": f"http://testserver.local{url}"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == url
    page = web.get(url).text
    assert "The page had expired" in page and "data-kept=" in page and quantity(bench) == 10
