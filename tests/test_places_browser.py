"""A part in several places on a 360 px phone, the home page's latest changes, and a kill -9 after a transfer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from browser_support import PASSWORD, Api, launch, log_in, phone_page, shot
from daemon_process import Daemon

pytestmark = [pytest.mark.browser, pytest.mark.daemon]
ENV = {"MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD, "MAKERMATRIX_EDGE_SERVER__PUBLIC_URL": ""}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("places") / "data"


@pytest.fixture(scope="module")
def daemon(data_dir: Path) -> Iterator[Daemon]:
    proc = Daemon(data_dir, env=ENV, extra_args=["--demo"])
    try:
        proc.wait_healthy(timeout=90)  # the demo load takes a while on a busy machine
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    yield from phone_page(browser)


@pytest.fixture(scope="module")
def scene(daemon: Daemon) -> dict[str, Any]:
    """A demo part with stock in a drawer, 5 of it split into a new cassette on the bench."""
    api = Api(daemon)
    parts = api.call("GET", "/api/parts/get_all_parts", params={"page_size": 100})
    part = next(p for p in parts if p["location_id"] and p["quantity"] >= 20)
    split = api.call(
        "POST",
        f"/api/parts/{part['id']}/allocations/split_to_cassette",
        json={"from_location_id": part["location_id"], "quantity": 5, "cassette_name": "Cassette 42"},
    )
    return {"api": api, "part": part, "cassette": split["cassette"], "allocation": split["allocation"]}


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for box in page.locator(".places a, .changes a, .move-some summary").all():
        height = box.bounding_box()
        assert height is not None and height["height"] >= 40


def test_the_part_page_shows_every_place_and_moves_some(phone: Page, daemon: Daemon, scene: dict[str, Any]) -> None:
    part, cassette = scene["part"], scene["cassette"]
    phone.goto(f"{daemon.url}/p/{part['id']}")
    log_in(phone)
    places = phone.locator("#places li")
    expect(places).to_have_count(2)
    expect(places.nth(0)).to_contain_text(f"{part['quantity'] - 5}")
    expect(places.nth(0)).to_contain_text("main place")
    expect(places.nth(1)).to_contain_text("Cassette 42")
    expect(places.nth(1)).to_contain_text("5")
    _fits(phone)
    shot(phone, "part-places")
    phone.get_by_label("How many", exact=True).fill("2")
    phone.get_by_label("From", exact=True).select_option(part["location_id"])
    phone.locator("#move-to-q").fill("cassette 42")  # the one place picker: search, then tap the place
    phone.locator(f'#move-to-options input[value="{cassette["id"]}"]').check()
    phone.get_by_role("button", name="Move", exact=True).click()
    expect(phone.get_by_text("Moved 2 to Cassette 42")).to_be_visible()
    expect(phone.locator("#places li").nth(1)).to_contain_text("7")
    expect(phone.locator("#places li.here")).to_contain_text("Cassette 42")  # the place just filled
    expect(phone.locator(".history")).to_contain_text("Moved 2 from")
    assert phone.locator("#quantity").inner_text() == str(part["quantity"])  # the total stays
    # The cassette's label opens the part at that place.
    phone.goto(f"{daemon.url}/l/{cassette['id']}")
    expect(phone.locator("#places li.here")).to_contain_text("Cassette 42")
    assert f"/p/{part['id']}?at=" in phone.url
    # The home page: the last few changes, newest first.
    phone.goto(f"{daemon.url}/")
    changes = phone.locator(".changes li")
    expect(changes.first).to_contain_text(f"admin moved 2 × {part['part_name']} to Cassette 42")
    _fits(phone)
    shot(phone, "home-latest-changes")


def test_a_refused_move_some_opens_its_panel_with_the_reason_and_what_was_typed(
    phone: Page, daemon: Daemon, scene: dict[str, Any]
) -> None:
    """The walk's #1: a search naming several places, not tapped, Move: the reason was put in the closed panel."""
    api = scene["api"]
    parts = api.call("GET", "/api/parts/get_all_parts", params={"page_size": 100})
    part = next(p for p in parts if p["location_id"] and p["quantity"] >= 20 and p["id"] != scene["part"]["id"])
    before = api.call("GET", f"/api/parts/{part['id']}/allocations")
    phone.goto(f"{daemon.url}/p/{part['id']}")
    log_in(phone)
    panel = phone.locator("details.move-some")
    expect(panel).not_to_have_attribute("open", "")  # one place: the panel starts closed
    panel.locator("summary").click()
    phone.get_by_label("How many", exact=True).fill("3")
    phone.locator("#move-to-q").fill("Bin")  # several places found, none tapped
    expect(phone.locator("#move-to-options")).to_contain_text("Bin 2")
    phone.get_by_role("button", name="Move", exact=True).click()
    reason = phone.locator("#failed")
    expect(reason).to_contain_text("places match 'Bin' — tap the one you mean in the list")
    expect(panel).to_have_attribute("open", "")
    expect(reason).to_be_visible()
    assert reason.evaluate("el => el.closest('details.move-some') !== null")  # beside the form it is about
    expect(phone.get_by_label("How many", exact=True)).to_have_value("3")
    expect(phone.locator("#move-to-q")).to_have_value("Bin")
    expect(phone.locator("#move-to-options")).to_contain_text("Bin 2")  # the list for the search again
    assert api.call("GET", f"/api/parts/{part['id']}/allocations") == before  # nothing moved
    _fits(phone)
    shot(phone, "move-some-refused")


def test_a_transfer_survives_kill_9(daemon: Daemon, data_dir: Path, scene: dict[str, Any]) -> None:
    api, part, cassette = scene["api"], scene["part"], scene["cassette"]
    back = {"from_location_id": cassette["id"], "to_location_id": part["location_id"], "quantity": 1}
    api.call("POST", f"/api/parts/{part['id']}/transfer", params=back)
    before = api.call("GET", f"/api/parts/{part['id']}/allocations")
    daemon.kill()  # SIGKILL: no shutdown step runs
    again = Daemon(data_dir, env=ENV)
    try:
        again.wait_healthy(timeout=60)
        after_api = Api(again)
        assert after_api.call("GET", f"/api/parts/{part['id']}/allocations") == before
        rows = after_api.call("GET", f"/api/parts/{part['id']}/history")
        assert (rows[0]["moved"], rows[0]["from_location_id"], rows[0]["delta"]) == (1, cassette["id"], 0)
        assert sum(r["delta"] for r in after_api.call(
            "GET", f"/api/parts/{part['id']}/history", params={"page_size": 100})) == part["quantity"]  # fmt: skip
    finally:
        again.stop()
