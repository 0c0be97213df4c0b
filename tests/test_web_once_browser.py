"""Issue 24 points 1, 2 and 13 in headless Chromium at 360 px against a real daemon (--demo), on a slow LAN.

The network is Chromium's own emulation (DevTools Network.emulateNetworkConditions, 400 ms latency),
so a second tap lands while the first post is still on its way, as on the bench's phone.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from browser_support import Api, api, browser, daemon, log_in, phone, phone_page, shot
from daemon_process import Daemon

pytestmark = [pytest.mark.browser, pytest.mark.daemon]
PART = "IRLZ44N N-MOSFET TO-220"
SLOW_LAN = {"offline": False, "latency": 400, "downloadThroughput": -1, "uploadThroughput": -1}


__all__ = ["api", "browser", "daemon", "phone"]  # the shared fixtures, used by name


def slow(page: Page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_LAN)


def status(page: Page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def history_sum(api: Api, part_id: str) -> int:
    rows = api.call("GET", f"/api/parts/{part_id}/history", params={"page_size": 100})
    return sum(int(r["delta"]) for r in rows)


def open_part(page: Page, daemon: Daemon, part: dict[str, Any]) -> None:
    page.goto(f"{daemon.url}/p/{part['id']}")
    if page.get_by_role("heading", name="Log in").is_visible():
        log_in(page)
    expect(page.get_by_role("heading", level=1, name=part["part_name"])).to_be_visible()


def test_a_double_tap_on_take_over_a_slow_lan_takes_once(daemon: Daemon, phone: Page, api: Api) -> None:
    part = api.part(PART)
    api.call("POST", f"/api/parts/{part['id']}/adjust", json={"delta": 20, "reason": "restocked"})
    open_part(phone, daemon, part)
    slow(phone)
    start = api.part(PART)["quantity"]
    phone.get_by_label("Take", exact=True).fill("5")
    phone.get_by_role("button", name="Take", exact=True).dblclick()
    status(phone, f"Taken 5: {start - 5} left")
    shot(phone, "once-double-tap-take")
    assert api.part(PART)["quantity"] == start - 5 == history_sum(api, part["id"])
    # The server is the guarantee: the same form posted twice at once, past the buttons' own guard.
    phone.get_by_label("Take", exact=True).fill("2")
    codes = phone.evaluate(
        """() => {
          const form = document.getElementById("take").form;
          const body = new URLSearchParams(new FormData(form));
          const send = () => fetch(form.action, {method: "POST", body, redirect: "manual", credentials: "same-origin"});
          return Promise.all([send(), send()]).then(rs => rs.map(r => r.type));
        }"""
    )
    assert codes == ["opaqueredirect", "opaqueredirect"]
    phone.reload()
    status(phone, f"Taken 2: {start - 7} left")
    assert api.part(PART)["quantity"] == start - 7 == history_sum(api, part["id"])
    # While a post is on its way (400 ms at least) its buttons rest: looked at 50 ms after the tap.
    resting = phone.evaluate(
        """() => new Promise(done => {
          const button = document.getElementById("add").form.querySelector("button");
          button.click();
          setTimeout(() => done([button.disabled, button.getAttribute("aria-busy")]), 50);
        })"""
    )
    assert resting == [True, "true"]
    status(phone, f"Added 1: {start - 6} left")


def test_a_take_after_the_session_ended_comes_back_filled_in_not_done(daemon: Daemon, phone: Page, api: Api) -> None:
    part = api.part(PART)
    open_part(phone, daemon, part)
    start = part["quantity"]
    phone.get_by_label("Take", exact=True).fill("4")
    kept = [c for c in phone.context.cookies() if c["name"] != "refresh_token"]
    phone.context.clear_cookies()  # the session cookie is gone (expired on the phone)
    phone.context.add_cookies(kept)  # type: ignore[arg-type]
    phone.get_by_role("button", name="Take", exact=True).click()
    expect(phone.get_by_role("heading", name="Log in")).to_be_visible()
    status(phone, "Your session had ended. Log in to go on.")
    expect(phone.get_by_text("check the form")).to_have_count(0)
    shot(phone, "once-session-ended-login")
    log_in(phone)
    expect(phone.get_by_role("heading", level=1, name=PART)).to_be_visible()
    status(phone, "Your session had ended; Take 4 was not done. Tap Take to do it now.")
    expect(phone.get_by_label("Take", exact=True)).to_have_value("4")
    shot(phone, "once-session-ended-back")
    assert api.part(PART)["quantity"] == start  # not done
    phone.get_by_role("button", name="Take", exact=True).click()
    status(phone, f"Taken 4: {start - 4} left")


def test_after_an_admin_reset_the_password_the_login_page_says_so(daemon: Daemon, browser: Browser, api: Api) -> None:
    bob = {"username": "bob", "password": "bob-pw-12345", "roles": ["user"]}
    made = api.call("POST", "/api/users/register", json=bob)
    for page in phone_page(browser):
        page.goto(f"{daemon.url}/login")
        page.get_by_label("User name").fill("bob")
        page.get_by_label("Password").fill("bob-pw-12345")
        page.get_by_role("button", name="Log in").click()
        part = api.part(PART)
        open_part(page, daemon, part)
        page.get_by_label("Take", exact=True).fill("1")
        api.call("PUT", f"/api/users/{made['id']}/password", json={"new_password": "bob-new-pw-678"})
        page.get_by_role("button", name="Take", exact=True).click()
        status(page, "An admin reset your password, which ended your session.")
        shot(page, "once-password-reset-login")
        page.get_by_label("User name").fill("bob")
        page.get_by_label("Password").fill("bob-new-pw-678")
        page.get_by_role("button", name="Log in").click()
        status(page, "Take 1 was not done")
        assert api.part(PART)["quantity"] == part["quantity"]


def test_a_move_says_where_from_and_undo_puts_it_back(daemon: Daemon, phone: Page, api: Api) -> None:
    part = api.part(PART)
    open_part(phone, daemon, part)
    phone.get_by_role("link", name="Move", exact=True).click()
    place = phone.locator(f'#places button:not([value="{part["location_id"]}"])').first
    target = place.inner_text().strip()
    place.click()
    status(phone, f"to {target}")
    expect(phone.get_by_role("status").filter(has_text="Moved from")).to_be_visible()
    shot(phone, "once-move-undo")
    phone.get_by_role("button", name="Undo").click()
    status(phone, "Moved back to")
    assert api.part(PART)["location_id"] == part["location_id"]


def test_a_take_resent_after_its_answer_was_lost_is_not_taken_again(daemon: Daemon, phone: Page, api: Api) -> None:
    """The power went after the take was saved and before its answer was: the resend says so, on the page."""
    part = api.part(PART)
    api.call("POST", f"/api/parts/{part['id']}/adjust", json={"delta": 10, "reason": "restocked"})
    open_part(phone, daemon, part)
    start = api.part(PART)["quantity"]
    phone.get_by_label("Take", exact=True).fill("3")
    sent = phone.evaluate("() => [...new FormData(document.getElementById('take').form)]")
    action = phone.evaluate("() => document.getElementById('take').form.action")
    phone.get_by_role("button", name="Take", exact=True).click()
    status(phone, f"Taken 3: {start - 3} left")
    key = f"form:{dict(sent)['action_id']}"
    with sqlite3.connect(daemon.data_dir / "makermatrix.db", timeout=10) as db:  # as a crash leaves it
        lost = db.execute(
            "UPDATE idempotent_replies SET status = 0, headers = '[]', body = NULL, body_bytes = 0 WHERE key = ?", [key]
        ).rowcount
    assert lost == 1
    phone.evaluate(
        """([action, sent]) => {
          const form = Object.assign(document.createElement("form"), {method: "post", action});
          for (const [name, value] of sent) form.append(Object.assign(document.createElement("input"), {name, value}));
          document.body.append(form);
          form.submit();
        }""",
        [action, sent],
    )
    expect(phone.get_by_role("alert")).to_contain_text(
        "This form was already sent and done, but its answer was lost (the daemon stopped, or could not save it); "
        "nothing was done twice. Reload the page to see the result."
    )
    expect(phone.get_by_role("heading", level=1, name=PART)).to_be_visible()  # still on the part's page
    shot(phone, "once-answer-lost")
    assert api.part(PART)["quantity"] == start - 3 == history_sum(api, part["id"])
