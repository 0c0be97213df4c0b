"""Shared tools on the phone (issue 26 point 1): who has a tool and since when, check out and return in a tap,
a tool's label whose QR, scanned, opens the tool's page, and adding a tool at the bench (/tools/new)."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import urlsplit

import zxingcpp
from litestar.testing import TestClient
from PIL import Image

from conftest import add_user, bearer, login
from once_support import twice_at_once
from web_helpers import Bench, bench, csrf_of, flash_of, logged_in, page_login, post_form, said, web

__all__ = ["bench", "web"]  # the shared fixtures (web_helpers), used by name

FROM = "http://testserver.local"  # the Referer a browser sends with a form post (errors go back there)


def _tool(bench: Bench, name: str, **fields: Any) -> dict[str, Any]:
    response = bench.client.post("/api/tools/", json={"tool_name": name, **fields}, headers=bench.headers)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def _open_checkouts(bench: Bench) -> int:
    return int(
        bench.services.db.read_sync(
            lambda db: db.execute("SELECT count(*) FROM tool_checkouts WHERE returned_at IS NULL").fetchone()[0]
        )
    )


def test_check_out_and_return_on_the_phone_a_double_tap_changes_nothing(bench: Bench, web: TestClient[Any]) -> None:
    drill = _tool(bench, "Cordless drill", emoji="🔧", location_id=bench.shelf)
    url = f"/t/{drill['id']}"
    assert 'href="/tools"' in web.get("/").text  # More → Shared tools
    listed = web.get("/tools")
    assert listed.status_code == 200 and "Cordless drill" in listed.text and "Available" in listed.text
    page = web.get(url)
    assert page.status_code == 200 and "Available: nobody has it" in page.text and "Check it out" in page.text
    assert "Kept in: <a" in page.text and "Shelf 1" in page.text

    out = post_form(web, url, f"{url}/checkout", notes="robot build")
    assert out.status_code == 303 and out.headers["location"] == url
    assert said(out) == "Cordless drill is checked out to you"
    page = web.get(url)
    assert "You have it" in page.text and "robot build" in page.text and "Return it" in page.text
    tool = bench.client.get(f"/api/tools/{drill['id']}", headers=bench.headers).json()["data"]
    assert tool["checked_out_by"] == "admin" and tool["checked_out_at"]

    # the same form sent twice (a double tap, a reload): nothing changes the second time
    again = web.post(f"{url}/checkout", data={"csrf_token": _csrf(web, url)}, follow_redirects=False)
    assert again.status_code == 303 and said(again) == "It is already checked out to you"
    assert _open_checkouts(bench) == 1

    back = post_form(web, url, f"{url}/return", condition="fair", notes="")
    assert back.status_code == 303 and said(back) == "Cordless drill is back, thank you"
    twice = web.post(f"{url}/return", data={"csrf_token": _csrf(web, url)}, follow_redirects=False)
    assert said(twice) == "It is already back"
    tool = bench.client.get(f"/api/tools/{drill['id']}", headers=bench.headers).json()["data"]
    assert tool["is_checked_out"] is False and tool["condition"] == "fair"
    history = web.get(url).text.split('id="hist-h"', 1)[1]
    assert "Checked out to admin" in history  # the history says it, and names admin once, not "admin admin"
    assert not re.search(r"Checked out to admin\s*<span class=\"muted\">[^<]*\badmin\b", history), history
    assert re.search(r"Returned by admin \(fair\)\s*<span class=\"muted\">· \d{4}-", history), history


def test_someone_elses_tool_shows_who_has_it_and_a_refusal_stays_on_the_page(
    bench: Bench, web: TestClient[Any]
) -> None:
    admin = bench.headers["Authorization"].removeprefix("Bearer ")
    add_user(bench.client, admin, "bob", "user")
    scope = _tool(bench, "Oscilloscope")
    bob = bearer(login(bench.client, "bob", "password-123"))
    bench.client.cookies.clear()
    web = logged_in(bench)
    assert bench.client.post(f"/api/tools/{scope['id']}/checkout", json={}, headers=bob).status_code == 200
    url = f"/t/{scope['id']}"
    page = web.get(url)
    assert "With bob" in page.text and "Since" in page.text

    refused = web.post(
        f"{url}/checkout", data={"csrf_token": _csrf(web, url)}, headers={"Referer": FROM + url}, follow_redirects=False
    )
    assert refused.status_code == 303 and refused.headers["location"] == url
    assert "already checked out to bob" in flash_of(refused)["error"]
    wrong = web.post(
        f"{url}/return",
        data={"csrf_token": _csrf(web, url), "condition": "melted"},
        headers={"Referer": FROM + url},
        follow_redirects=False,
    )
    assert wrong.status_code == 303 and "condition" in flash_of(wrong)["error"].lower()
    assert (
        bench.client.get(f"/api/tools/{scope['id']}", headers=bench.headers).json()["data"]["checked_out_by"] == "bob"
    )
    assert web.get("/t/no-such-tool").status_code == 404


def test_a_viewer_sees_the_state_but_has_no_buttons(bench: Bench) -> None:
    admin = bench.headers["Authorization"].removeprefix("Bearer ")
    add_user(bench.client, admin, "vera", "viewer")
    saw = _tool(bench, "Jigsaw")
    bench.client.cookies.clear()
    assert page_login(bench.client, "vera", "password-123").status_code == 303
    page = bench.client.get(f"/t/{saw['id']}")
    assert page.status_code == 200 and "Available: nobody has it" in page.text and "Check it out" not in page.text
    assert "Kept in: no place set yet" in page.text and "No place set" not in page.text
    html = bench.client.get("/").text
    refused = bench.client.post(
        f"/t/{saw['id']}/checkout", data={"csrf_token": _csrf_html(html)}, follow_redirects=False
    )
    assert refused.status_code == 403
    assert bench.client.get(f"/api/tools/{saw['id']}", headers=bench.headers).json()["data"]["is_checked_out"] is False


def test_a_tool_label_qr_opens_the_tool_page(bench: Bench, web: TestClient[Any]) -> None:
    iron = _tool(bench, "Soldering iron", tool_number="T-12")
    png = web.get(f"/t/{iron['id']}/label.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)).convert("L"))]
    assert len(found) == 1 and urlsplit(found[0]).path == f"/t/{iron['id']}"
    # our own scanner knows the label: the answer names the tool and its page opens
    scanned = bench.client.post("/api/scan/", json={"payload": found[0]}, headers=bench.headers).json()["data"]
    assert scanned["status"] == "tool" and scanned["tool"]["id"] == iron["id"], scanned
    assert "in its place" in scanned["message"]
    # a photo of the label on the Scan page goes straight to the tool's page, as a part's label does
    photo = web.post(
        "/scan",
        files={"file": ("label.png", png.content, "image/png")},
        data={"csrf_token": _csrf(web, "/scan")},
        follow_redirects=False,
    )
    assert photo.status_code == 303 and photo.headers["location"] == f"/t/{iron['id']}", photo.text
    assert "Soldering iron" in web.get(urlsplit(found[0]).path).text
    # a USB scanner types the label's URL into the search box: the tool's page opens
    typed = web.get("/", params={"q": found[0]}, follow_redirects=False)
    assert typed.status_code == 303 and typed.headers["location"] == f"/t/{iron['id']}"
    # and the phone's search finds parts by tag
    tag = bench.client.post("/api/tags", json={"name": "smd"}, headers=bench.headers).json()["data"]
    bench.client.post(f"/api/tags/{tag['id']}/parts/{bench.cap['id']}", headers=bench.headers)
    assert "100nF capacitor" in web.get("/search", params={"q": "#smd"}).text
    printed = post_form(web, f"/t/{iron['id']}", f"/t/{iron['id']}/print", copies="1")
    assert printed.status_code == 303 and printed.headers["location"] == f"/t/{iron['id']}", printed.text


# -- Add a tool on the phone (the usability walk: /tools was a dead end with no way to add one) ----------

HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def _new_form(web: TestClient[Any]) -> dict[str, str]:
    """The add-a-tool form's hidden fields (its CSRF token and one-time action id), as the page renders them."""
    page = web.get("/tools/new")
    assert page.status_code == 200, page.text
    form = page.text.split('action="/tools/new"', 1)[1].split("</form>", 1)[0]
    return dict(HIDDEN.findall(form))


def _add(web: TestClient[Any], **fields: str) -> Any:
    typed = {"condition": "good", "checkable": "yes", **fields}
    return web.post("/tools/new", data={**_new_form(web), **typed}, follow_redirects=False)


def _tool_names(bench: Bench) -> list[str]:
    found = bench.client.get("/api/tools/", params={"page_size": 100}, headers=bench.headers).json()["data"]
    return sorted(t["tool_name"] for t in found["tools"])


def test_add_a_tool_on_the_phone_lands_on_its_page(bench: Bench, web: TestClient[Any]) -> None:
    empty = web.get("/tools").text
    assert 'href="/tools/new"' in empty and "Add a tool" in empty
    assert "No shared tools yet. Add one with “Add a tool” above" in empty
    form = web.get("/tools/new").text
    assert "{{" not in form and 'name="location_id_q"' in form and 'name="checkable" value="yes" checked' in form

    made = _add(web, tool_name="  Soldering station ", tool_number="T-7", location_id=bench.drawer,
                description="Hakko FX-888D\nTips in the left drawer", checkable="")  # fmt: skip
    assert made.status_code == 303 and made.headers["location"].startswith("/t/"), made.text
    assert said(made) == "Added tool 'Soldering station'"
    tool_id = made.headers["location"].removeprefix("/t/")
    tool = bench.client.get(f"/api/tools/{tool_id}", headers=bench.headers).json()["data"]
    assert tool["tool_name"] == "Soldering station" and tool["tool_number"] == "T-7"
    assert tool["location_id"] == bench.drawer and tool["description"] == "Hakko FX-888D\nTips in the left drawer"
    assert tool["is_checkable"] is False and tool["condition"] == "good"
    page = web.get(made.headers["location"]).text
    assert "Added tool &#39;Soldering station&#39;" in page and "Shelf 1 / Drawer A" in page
    assert "Stays in place" in page and "Print label" in page  # its QR label is offered on its page
    history = page.split('id="hist-h"', 1)[1]
    assert "Created &#39;Soldering station&#39;" in history or "Created 'Soldering station'" in history, history

    # a place typed in the picker's search but not tapped is the place it names
    typed = _add(web, tool_name="Bench vise", location_id_q="drawer a")
    vise = bench.client.get(f"/api/tools/{typed.headers['location'].removeprefix('/t/')}", headers=bench.headers)
    assert vise.json()["data"]["location_id"] == bench.drawer and vise.json()["data"]["is_checkable"] is True
    listed = web.get("/tools").text
    assert "Soldering station" in listed and "Bench vise" in listed and "No shared tools yet" not in listed


def test_a_refused_tool_stays_on_the_form_with_the_reason_and_what_was_typed(
    bench: Bench, web: TestClient[Any]
) -> None:
    _tool(bench, "Hot air station")
    cases = [
        ({"tool_name": "   "}, 400, "The name must not be empty."),
        ({"tool_name": "x" * 256}, 400, "The name must be at most 255 characters."),
        ({"tool_name": "hot AIR station"}, 409, "A tool named &#39;hot AIR station&#39; already exists"),
        ({"tool_name": "Drill\x1b[31m"}, 400, "The name must not contain ESC (control characters are not stored)."),
        ({"tool_name": "Drill", "condition": "melted"}, 400, "The condition must be one of the listed conditions."),
        ({"tool_name": "Drill", "location_id_q": "nowhere at all"}, 400, "No place matches &#39;nowhere at all&#39;"),
    ]
    for fields, status, reason in cases:
        answer = _add(web, description="Cordless, 18 V; the charger is on the wall", tool_number="T-9", **fields)
        assert answer.status_code == status, (fields, answer.status_code, answer.text[:300])
        assert 'role="alert"' in answer.text and reason in answer.text, (fields, answer.text[:2000])
        # the input is kept: the form comes back as typed
        assert "Cordless, 18 V; the charger is on the wall</textarea>" in answer.text, fields
        assert 'value="T-9"' in answer.text, fields
        assert 'action="/tools/new"' in answer.text and "Traceback" not in answer.text
    duplicate = _add(web, tool_name="HOT AIR STATION")
    hot = bench.client.get("/api/tools/", headers=bench.headers).json()["data"]["tools"]
    assert f'href="/t/{hot[0]["id"]}">Open “Hot air station”</a>' in duplicate.text  # the way on: that tool
    assert _tool_names(bench) == ["Hot air station"]  # nothing written


def test_a_double_post_of_one_add_tool_form_makes_one_tool(bench: Bench, web: TestClient[Any]) -> None:
    fields = {**_new_form(web), "tool_name": "Oscilloscope", "condition": "good", "checkable": "yes"}

    def send() -> Any:
        return web.post("/tools/new", data=fields, follow_redirects=False)

    answers = twice_at_once(bench.services, send)  # a double tap: both in flight at once
    again = send()  # and a reload of the post afterwards
    assert [a.status_code for a in (*answers, again)] == [303, 303, 303], [a.text[:200] for a in answers]
    assert len({a.headers["location"] for a in (*answers, again)}) == 1
    assert said(again) == "Added tool 'Oscilloscope'"  # the first answer, not "already exists"
    assert _tool_names(bench) == ["Oscilloscope"]


def test_a_user_who_may_not_add_tools_sees_no_link_and_is_told_why(bench: Bench) -> None:
    admin = bench.headers["Authorization"].removeprefix("Bearer ")
    add_user(bench.client, admin, "bob", "user")  # a bench user: uses tools, does not add them
    bench.client.cookies.clear()
    assert page_login(bench.client, "bob", "password-123").status_code == 303
    listed = bench.client.get("/tools").text
    assert "/tools/new" not in listed and "Add a tool" not in listed
    assert "No shared tools yet. Someone who may add tools adds them here" in listed
    refused = bench.client.get("/tools/new")
    assert refused.status_code == 403
    assert "Your account may not do this (it needs the &#39;tools:write&#39; permission)" in refused.text
    posted = bench.client.post(
        "/tools/new", data={"csrf_token": csrf_of(listed), "tool_name": "Drill"}, follow_redirects=False
    )
    assert posted.status_code == 403 and _tool_names(bench) == []


def _csrf(web: TestClient[Any], url: str) -> str:
    return _csrf_html(web.get(url).text)


def _csrf_html(html: str) -> str:
    return csrf_of(html)
