"""The phone walk's project defects, in headless Chromium at 360 px against a real daemon (--demo).

The Boards number typed as 2.5 or 10^12 (build.js), choosing a part at 30 boards, tap targets of the
links the walk measured at 21 px, and the two selects whose text the phone cut off. Screenshots land
in tests/artifacts/web/ (names starting w28-).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from bom_support import BOMS
from browser_support import SHOTS, Api, api, browser, daemon, log_in, phone, shot
from daemon_process import Daemon

pytestmark = [pytest.mark.browser, pytest.mark.daemon]

__all__ = ["api", "browser", "daemon", "phone"]  # the shared fixtures, used by name
KICAD = BOMS / "kicad_default.csv"
PART = "10kΩ 0603 1% resistor"


def short_links(page: Page) -> list[tuple[str, float]]:
    """Every link shown in the page's main part under 40 px tall, with its text."""
    found = page.locator("main a").evaluate_all(
        """els => els.map(e => [e.textContent.trim(), e.getBoundingClientRect().height])
                 .filter(([t, h]) => h > 0 && h < 40)"""
    )
    return [(str(t), float(h)) for t, h in found]


def cut_options(select: Locator) -> list[str]:
    """The options of `select` whose text is wider than the select shows at this width."""
    return list(
        select.evaluate(
            """s => { const c = document.createElement('canvas').getContext('2d'); const cs = getComputedStyle(s);
                c.font = cs.font;
                const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 24;
                return [...s.options].filter(o => c.measureText(o.text).width > room).map(o => o.text); }"""
        )
    )


def in_view(page: Page, name: str) -> None:
    """What the phone's screen shows now (not the whole page), for looking at one place."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _project(api: Api) -> dict[str, Any]:
    made = api.call("POST", "/api/projects/", json={"name": "Walk test board"})
    api.call("POST", f"/api/projects/{made['id']}/bom", files={"file": (KICAD.name, KICAD.read_bytes(), "text/csv")})
    return dict(made)


def test_boards_number_pin_and_link_heights_on_the_project_pages(daemon: Daemon, phone: Page, api: Api) -> None:
    project = _project(api)
    url = f"{daemon.url}/projects/{project['id']}"
    phone.goto(f"{url}/bom")
    log_in(phone)
    expect(phone.get_by_role("heading", level=1, name="Import a BOM")).to_be_visible()
    expect(phone.get_by_text("Choose another file")).to_have_count(0)  # no file chosen yet
    assert short_links(phone) == []
    shot(phone, "w28-bom-form")
    phone.get_by_label("BOM file").set_input_files(str(KICAD))
    phone.get_by_role("button", name="Show what it would do").click()
    expect(phone.get_by_role("link", name="Choose another file")).to_be_visible()
    assert short_links(phone) == []

    phone.goto(f"{url}?n=30")
    boards = phone.get_by_label("Boards")
    expect(boards).to_have_value("30")
    expect(phone.locator(".card.line a.line-link").first).to_be_visible()
    assert short_links(phone) == []  # All projects, every part link on a BOM line
    shot(phone, "w28-project-30")
    # Typed, not submitted: build.js answers for the nearest whole number, the field shows it, the note says why.
    boards.fill("2.5")
    expect(boards).to_have_value("3")
    expect(phone.locator("#n-note")).to_have_text("2.5 is not a whole number of boards: showing 3.")
    expect(phone.locator("#buildable")).to_have_attribute("data-n", "3")
    shot(phone, "w28-boards-2.5")
    boards.fill("1000000000000")
    expect(boards).to_have_value("10000")
    expect(phone.locator("#n-note")).to_contain_text("more than the 10000 a build can be")
    boards.fill("30")
    expect(phone.locator("#n-note")).to_have_count(0)
    expect(phone.locator("#buildable")).to_have_attribute("data-n", "30")

    # Choosing a part for a line keeps the 30 boards, and with them the shortages.
    j1 = phone.locator(".card.line", has_text="J1")
    j1.get_by_text("Choose part").click()
    j1.get_by_label("Find a part for J1").fill("AO3400A")
    j1.get_by_role("button", name="Find").click()
    j1 = phone.locator(".card.line", has_text="J1")
    j1.get_by_role("button", name="AO3400A N-MOSFET SOT-23").click()
    expect(phone.get_by_text("J1: AO3400A N-MOSFET SOT-23, pinned.")).to_be_visible()
    expect(phone.get_by_label("Boards")).to_have_value("30")
    expect(phone.locator("#buildable")).to_have_attribute("data-n", "30")
    shot(phone, "w28-pinned-at-30")


def test_part_and_move_pages_links_and_selects_fit_360_px(daemon: Daemon, phone: Page, api: Api) -> None:
    api.call("GET", "/api/printer/status", params={"refresh": "true"})  # the loaded 62 mm tape, known to the page
    part = api.part(PART)
    phone.goto(f"{daemon.url}/p/{part['id']}")
    log_in(phone)
    expect(phone.get_by_role("heading", level=1, name=PART)).to_be_visible()
    expect(phone.get_by_role("link", name="Supplier keys")).to_be_visible()
    assert short_links(phone) == []
    phone.get_by_text("Move some to another place").click()
    source = phone.get_by_label("From", exact=True)
    assert cut_options(source) == []
    assert source.evaluate("s => s.options[s.selectedIndex].text").startswith(f"{part['quantity']} in ")
    template = phone.locator("#template")
    expect(template.locator("option").first).to_have_text("Default")
    assert template.locator("option").first.evaluate("o => o.parentElement.label") == "Fit the loaded 62 mm tape"
    assert cut_options(template) == []
    source.scroll_into_view_if_needed()
    in_view(phone, "w28-move-some-from")
    phone.locator("#template").scroll_into_view_if_needed()
    in_view(phone, "w28-label-template")
    phone.goto(f"{daemon.url}/p/{part['id']}/move")
    expect(phone.get_by_role("link", name=f"Back to {PART}")).to_be_visible()
    assert short_links(phone) == []
    shot(phone, "w28-move-page")
