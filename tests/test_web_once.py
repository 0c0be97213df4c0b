"""Issue 24 points 1, 2 and 13 on the phone page, in-process.

1. A double tap sends a form twice: each rendered form carries a one-time action id, and the second
   post of it gets the first answer (the same redirect and message) and changes nothing, even when
   both are in flight at once (two threads, the first held at the database writer).
2. A post after the session ended goes to a login page that says why; after the login the user is
   back on the page with the form filled in and one sentence saying it was NOT done.
13. A move says where the part came from and can be undone, like a stock change.
"""

from __future__ import annotations

import base64
import html
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import FakeClock, add_user
from inventory_helpers import history_sum
from makermatrix_edge.db.replies import ReplyStore
from once_support import twice_at_once
from test_web import Bench
from test_web_import import LCSC_FILE, STAGED, pick
from web_helpers import flash_of, page_login, said

pytest_plugins = ["test_web"]  # its bench (a shelf, a drawer, NE555 x10) and logged-in page client
TEMPLATES = Path(__file__).parents[1] / "makermatrix_edge" / "web" / "templates"
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')
BAG = "{pbn:PICK2311010075,on:GB2311011210,pc:C136648,pm:LMR16030SDDAR,qty:5,mc:10,cc:1,pdi:95387529,hp:0,wc:ZH}"


def form_of(page: str, action: str, field: str | None = None) -> dict[str, str]:
    """The hidden fields of the page's form posting to `action` (the one holding `field`, when several do)."""
    for block in FORM.findall(page):
        posted = 'method="post"' in block and f'action="{action}"' in block
        if posted and (field is None or f'name="{field}"' in block):
            return {name: html.unescape(value) for name, value in HIDDEN.findall(block)}
    raise AssertionError(f"no form for {action} ({field}) on the page")


def quantity(bench: Bench, part_id: str) -> int:
    answer = bench.client.get(f"/api/parts/get_part?part_id={part_id}", headers=bench.headers)
    return int(answer.json()["data"]["quantity"])


def post(web: TestClient[Any], action: str, fields: dict[str, str], referer: str) -> Any:
    headers = {"Referer": f"{web.base_url}{referer}"}
    return web.post(action, data=fields, headers=headers, follow_redirects=False)


def test_a_double_tap_on_take_is_two_concurrent_posts_and_takes_once(web: TestClient[Any], bench: Bench) -> None:
    part = f"/p/{bench.ne555['id']}"
    fields = {**form_of(web.get(part).text, f"{part}/adjust", "take"), "take": "5"}
    assert len(fields["action_id"]) >= 16
    answers = twice_at_once(bench.services, lambda: post(web, f"{part}/adjust", fields, part))
    assert [a.status_code for a in answers] == [303, 303]
    assert [a.headers["location"] for a in answers] == [part, part]
    assert said(answers[0]) == said(answers[1]) == "Taken 5: 5 left"
    assert flash_of(answers[0]) == flash_of(answers[1])  # the same Undo too: it gives back 5, once
    assert quantity(bench, bench.ne555["id"]) == 5 == history_sum(bench.client, bench.headers, bench.ne555["id"])


def test_a_form_sent_again_later_gets_the_first_answer(web: TestClient[Any], bench: Bench) -> None:
    """A retry after a lost answer, or Back and send: Take, Add and Set count each happen once."""
    part = f"/p/{bench.ne555['id']}"
    page = web.get(part).text
    sends = [
        ("adjust", "take", {"take": "3"}, "Taken 3: 7 left"),
        ("adjust", "add", {"add": "10"}, "Added 10: 17 left"),
        ("count", "count", {"count": "12"}, "Counted 12 (-5)"),
    ]
    for action, field, values, words in sends:
        fields = {**form_of(page, f"{part}/{action}", field), **values}
        for _ in range(3):
            answer = post(web, f"{part}/{action}", fields, part)
            assert answer.status_code == 303 and said(answer) == words, action
    assert quantity(bench, bench.ne555["id"]) == 12 == history_sum(bench.client, bench.headers, bench.ne555["id"])
    # A new rendering is a new intent: its Take is done.
    fields = {**form_of(web.get(part).text, f"{part}/adjust", "take"), "take": "2"}
    assert said(post(web, f"{part}/adjust", fields, part)) == "Taken 2: 10 left"


def test_a_form_done_before_a_crash_is_not_done_again(
    web: TestClient[Any], bench: Bench, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The take committed, then the daemon died before it kept the answer: the resend is told, not done again."""

    async def crash(self: ReplyStore, scope: str, key: str, reply: Any) -> None:
        raise OSError("power cut before the answer was stored")

    part = f"/p/{bench.ne555['id']}"
    fields = {**form_of(web.get(part).text, f"{part}/adjust", "take"), "take": "3"}
    with monkeypatch.context() as patched:
        patched.setattr(ReplyStore, "keep", crash)
        assert said(post(web, f"{part}/adjust", fields, part)) == "Taken 3: 7 left"
    again = post(web, f"{part}/adjust", fields, part)
    assert again.status_code == 303 and again.headers["location"] == part
    assert flash_of(again)["error"] == (
        "This form was already sent and done, but its answer was lost (the daemon stopped, or could not save it); "
        "nothing was done twice. Reload the page to see the result."
    )
    assert quantity(bench, bench.ne555["id"]) == 7 == history_sum(bench.client, bench.headers, bench.ne555["id"])


def test_many_taps_at_once_on_three_forms_change_stock_three_times(web: TestClient[Any], bench: Bench) -> None:
    part = f"/p/{bench.ne555['id']}"
    forms = [{**form_of(web.get(part).text, f"{part}/adjust", "add"), "add": str(n)} for n in (1, 2, 4)]
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda i: post(web, f"{part}/adjust", forms[i % 3], part), range(12)))
    assert {a.status_code for a in answers} == {303}
    for i in range(3):  # each form's four sends got one answer
        assert len({said(a) for a in answers[i::3]}) == 1
    assert quantity(bench, bench.ne555["id"]) == 17 == history_sum(bench.client, bench.headers, bench.ne555["id"])


def test_the_same_form_with_other_values_is_refused_in_words(web: TestClient[Any], bench: Bench) -> None:
    part = f"/p/{bench.ne555['id']}"
    fields = form_of(web.get(part).text, f"{part}/adjust", "take")
    assert said(post(web, f"{part}/adjust", {**fields, "take": "5"}, part)) == "Taken 5: 5 left"
    other = post(web, f"{part}/adjust", {**fields, "take": "4"}, part)
    assert other.status_code == 303 and other.headers["location"] == part
    assert (
        flash_of(other)["error"]
        == "This form was already sent with other values; nothing was done twice. Reload the page."
    )
    assert quantity(bench, bench.ne555["id"]) == 5


def test_a_damaged_action_id_is_400_in_words(web: TestClient[Any], bench: Bench) -> None:
    part = f"/p/{bench.ne555['id']}"
    fields = {**form_of(web.get(part).text, f"{part}/adjust", "take"), "take": "1", "action_id": "x<script>"}
    answer = post(web, f"{part}/adjust", fields, part)
    assert "This form is damaged" in flash_of(answer)["error"]
    assert quantity(bench, bench.ne555["id"]) == 10


def test_import_confirm_tapped_twice_imports_once_and_both_see_the_result(web: TestClient[Any], bench: Bench) -> None:
    preview = pick(web, LCSC_FILE.name, LCSC_FILE.read_bytes()).text
    assert STAGED.search(preview)
    fields = form_of(preview, "/import/confirm")
    answers = twice_at_once(bench.services, lambda: post(web, "/import/confirm", fields, "/import"))
    assert [a.status_code for a in answers] == [303, 303], [a.text for a in answers]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    assert said(answers[0]) == said(answers[1]) and said(answers[0]).startswith("Processed 5 lines from LCSC")
    assert "gone" not in (flash_of(answers[1]).get("error") or "")
    counts = bench.client.get("/api/utility/get_counts", headers=bench.headers).json()["data"]
    assert counts["parts"] == 2 + 5  # the bench's two and the order's five, once
    orders = bench.client.get("/api/orders/", headers=bench.headers)
    assert orders.status_code == 200 and len(orders.json()["data"]) == 1


def test_receive_tapped_twice_receives_once_and_both_see_the_result(web: TestClient[Any], bench: Bench) -> None:
    part = bench.client.post(
        "/api/parts/add_part",
        json={"part_name": "LMR16030 buck", "part_number": "C136648", "supplier": "LCSC", "quantity": 3},
        headers=bench.headers,
    ).json()["data"]
    card = web.get("/", params={"q": BAG}).text
    fields = form_of(card, "/scan/receive")
    answers = twice_at_once(bench.services, lambda: post(web, "/scan/receive", fields, "/"))
    assert [a.status_code for a in answers] == [303, 303]
    assert said(answers[0]) == said(answers[1]) == "Received 5: 8 in stock"
    assert quantity(bench, part["id"]) == 8 == history_sum(bench.client, bench.headers, part["id"])


def test_every_post_form_in_the_templates_carries_form_keys() -> None:
    """The one-time action id comes from form_keys(): a form written without it is not once-only."""
    checked = 0
    for template in sorted(TEMPLATES.glob("*.html")):
        for block in FORM.findall(template.read_text()):
            if 'method="post"' in block:
                assert "{{ form_keys() }}" in block, f"{template.name}: {block[:120]}"
                checked += 1
    assert checked >= 30


# -- 13: a move says where from, and Undo puts it back ------------------------------------------


def test_a_move_says_where_from_and_undo_puts_it_back(web: TestClient[Any], bench: Bench) -> None:
    part = f"/p/{bench.ne555['id']}"
    fields = form_of(web.get(f"{part}/move").text, f"{part}/move")
    moved = post(web, f"{part}/move", {**fields, "location_id": bench.shelf}, f"{part}/move")
    assert said(moved) == "Moved from Shelf 1 / Drawer A to Shelf 1", flash_of(moved)
    shown = web.get(part).text
    assert "Moved from Shelf 1 / Drawer A to Shelf 1" in shown and f'action="{part}/move/undo"' in shown
    undo = form_of(shown, f"{part}/move/undo")
    back = post(web, f"{part}/move/undo", undo, part)
    assert said(back) == "Moved back to Shelf 1 / Drawer A"
    where = bench.client.get(f"/api/parts/get_part?part_id={bench.ne555['id']}", headers=bench.headers)
    assert where.json()["data"]["location_id"] == bench.drawer
    history = web.get(part).text
    assert "Moved from Shelf 1 to Shelf 1 / Drawer A" in history  # the undo is in the history too
    # The same Undo button again (a double tap): the first answer, not a second move.
    assert said(post(web, f"{part}/move/undo", undo, part)) == "Moved back to Shelf 1 / Drawer A"
    # Another rendering of that Undo (same signature): spent already.
    again = post(web, f"{part}/move/undo", {**undo, "action_id": "another-rendering-0001"}, part)
    assert flash_of(again)["error"] == "That change was already undone."


def test_undo_of_a_move_refuses_when_it_has_moved_since_or_after_a_minute(
    web: TestClient[Any], bench: Bench, clock: FakeClock
) -> None:
    part = f"/p/{bench.ne555['id']}"
    moved = post(
        web, f"{part}/move", {**form_of(web.get(f"{part}/move").text, f"{part}/move"), "location_id": ""}, part
    )
    assert said(moved) == "Moved from Shelf 1 / Drawer A to no location"
    undo = form_of(web.get(part).text, f"{part}/move/undo")
    clock.advance(61)
    late = post(web, f"{part}/move/undo", undo, part)
    assert "Undo works for 60 seconds" in flash_of(late)["error"]
    post(
        web,
        f"{part}/move",
        {**form_of(web.get(f"{part}/move").text, f"{part}/move"), "location_id": bench.drawer},
        part,
    )
    post(web, f"{part}/move", {**form_of(web.get(f"{part}/move").text, f"{part}/move"), "location_id": ""}, part)
    undo = form_of(web.get(part).text, f"{part}/move/undo")
    later = form_of(web.get(f"{part}/move").text, f"{part}/move")
    assert said(post(web, f"{part}/move", {**later, "location_id": bench.shelf}, part)).endswith("to Shelf 1")
    refused = post(web, f"{part}/move/undo", undo, part)
    assert flash_of(refused)["error"] == "It was moved again since (it is in Shelf 1); move it by hand."
    forged = post(web, f"{part}/move/undo", {**undo, "back_to": bench.shelf, "action_id": "forged-000000000001"}, part)
    assert "not yours" in flash_of(forged)["error"]


# -- 2: the session ended ------------------------------------------------------------------------


def test_take_after_the_cookie_is_gone_logs_in_and_comes_back_filled_in_not_done(
    web: TestClient[Any], bench: Bench
) -> None:
    part = f"/p/{bench.ne555['id']}"
    fields = {**form_of(web.get(part).text, f"{part}/adjust", "take"), "take": "4"}
    web.cookies.delete("refresh_token")  # the phone dropped it (expired): the CSRF cookie stays
    sent = post(web, f"{part}/adjust", fields, part)
    assert sent.status_code == 303 and sent.headers["location"] == f"/login?next={part}&why=ended"
    assert "mm_unsent" in sent.cookies
    login_page = web.get(sent.headers["location"]).text
    assert "Your session had ended. Log in to go on." in login_page
    assert "check the form" not in login_page
    back = page_login(web, next_url=part)
    assert back.status_code == 303 and back.headers["location"] == part
    shown = web.get(part).text
    assert "Your session had ended; Take 4 was not done. Tap Take to do it now." in shown
    kept = re.search(r'data-kept="([^"]+)"', shown)
    assert kept and json.loads(html.unescape(kept.group(1))) == {"action": f"{part}/adjust", "fields": {"take": "4"}}
    assert quantity(bench, bench.ne555["id"]) == 10  # not done
    assert "Your session had ended" not in web.get(part).text  # said once


def test_after_an_admin_reset_the_password_the_login_page_says_so(bench: Bench) -> None:
    client = bench.client
    alice = add_user(client, bench.headers["Authorization"][7:], "alice", "user", password="alice-pw-123")
    assert page_login(client, "alice", "alice-pw-123").status_code == 303
    part = f"/p/{bench.ne555['id']}"
    fields = {**form_of(client.get(part).text, f"{part}/adjust", "take"), "take": "4"}
    reset = client.put(
        f"/api/users/{alice['id']}/password", json={"new_password": "new-pw-4567"}, headers=bench.headers
    )
    assert reset.status_code == 200, reset.text
    sent = post(client, f"{part}/adjust", fields, part)
    assert sent.headers["location"] == f"/login?next={part}&why=password_reset"
    assert "mm_unsent" in sent.cookies, sent.headers
    text = client.get(sent.headers["location"]).text
    assert "An admin reset your password, which ended your session." in text
    assert page_login(client, "alice", "new-pw-4567", next_url=part).headers["location"] == part
    assert "Take 4 was not done" in client.get(part).text
    assert quantity(bench, bench.ne555["id"]) == 10


def test_a_kept_form_never_holds_a_password_nor_the_forms_keys(web: TestClient[Any], bench: Bench) -> None:
    fields = {"current_password": "old-secret-1", "new_password": "new-secret-2", "note": "x" * 500}
    fields |= {"csrf_token": "t", "action_id": "a" * 22}
    web.cookies.delete("refresh_token")
    sent = post(web, "/account/password", fields, "/users")
    raw = sent.cookies["mm_unsent"].strip('"').partition(".")[0]
    kept = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    assert kept["fields"] == {"note": "x" * 200} and kept["page"] == "/users"
    assert "secret" not in sent.headers["set-cookie"]


def test_another_sites_post_is_not_kept_for_after_the_login(web: TestClient[Any], bench: Bench) -> None:
    part = f"/p/{bench.ne555['id']}"
    web.cookies.clear()
    fields = {"take": "400", "csrf_token": "x", "action_id": "a" * 22}
    ours = f"{web.base_url}{part}"
    for headers in ({}, {"Referer": "http://evil.example/p"}, {"Referer": ours, "Origin": "http://evil.example"}):
        sent = web.post(f"{part}/adjust", data=fields, headers=headers, follow_redirects=False)
        assert sent.status_code == 303 and "mm_unsent" not in sent.cookies, headers
