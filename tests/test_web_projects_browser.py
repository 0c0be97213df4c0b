"""A project on a 360 px phone in headless Chromium, against a real daemon: the Build box, Start build, Done.

The project and its BOM lines are written into the daemon's database directly (the BOM import is
another module's); the parts go through the API.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from browser_support import Api
from daemon_process import Daemon
from test_web_browser import PASSWORD, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.daemon]

pytest_plugins = ["test_web_browser"]  # its Chromium and phone-sized page
NOW = "2026-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    proc = Daemon(tmp_path_factory.mktemp("projects") / "data", env={"MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD})
    try:
        proc.wait_healthy(timeout=60)  # 2 shared cores: a start can take longer than the default
        yield proc
    finally:
        proc.stop()


def fits_the_phone(page: Page) -> None:
    """No sideways scroll at 360 px; every shown button and field at least 44 px tall (hidden ones aside)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px"
    small = page.evaluate(
        """() => [...document.querySelectorAll('main button, main input:not([type=hidden]), main .button')]
             .filter(e => { const r = e.getBoundingClientRect(); return r.height > 0 && r.height < 44; })
             .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert small == [], f"touch targets under 44 px: {small}"


def _project(daemon: Daemon) -> tuple[str, dict[str, str]]:
    api = Api(daemon)
    parts = {
        "r": api.call("POST", "/api/parts/add_part", json={"part_name": "10k 0603", "quantity": 25,
                      "supplier": "LCSC", "part_number": "C25804", "unit_price": 0.002})["id"],
        "u": api.call("POST", "/api/parts/add_part", json={"part_name": "DRV8833 motor driver", "quantity": 3,
                      "supplier": "DigiKey", "part_number": "296-27974-1-ND", "unit_price": 1.5})["id"],
    }  # fmt: skip
    project = str(uuid.uuid4())
    with sqlite3.connect(daemon.data_dir / "makermatrix.db", timeout=10) as db:
        db.execute(
            "INSERT INTO projects (id, name, slug, created_at, updated_at) VALUES (?, 'Motor driver', 'motor-driver', "
            "?, ?)",
            [project, NOW, NOW],
        )
        for position, (designators, qty, part) in enumerate([("R1, R2", 2, parts["r"]), ("U1", 1, parts["u"])]):
            db.execute(
                "INSERT INTO bom_lines (project_id, position, designators, quantity_per_board, part_id, "
                "match_reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pinned', ?, ?)",
                [project, position, designators, qty, part, NOW, NOW],
            )
    return project, parts


def test_build_a_board_on_the_phone(daemon: Daemon, phone: Page) -> None:
    project, parts = _project(daemon)
    phone.goto(daemon.url + "/")
    log_in(phone)
    phone.locator("summary", has_text="More").click()
    phone.get_by_role("link", name="Projects").click()
    expect(phone.get_by_role("link", name="Motor driver")).to_be_visible()
    phone.goto(f"{daemon.url}/projects/{project}")  # a fresh page: the More menu closed again
    expect(phone.get_by_role("heading", level=1, name="Motor driver")).to_be_visible()
    expect(phone.get_by_role("status").filter(has_text="Yes: 1 can be built now (up to 3 boards).")).to_be_visible()

    phone.get_by_label("Boards").fill("5")  # the box answers as the number changes, without a page load
    answer = phone.get_by_text("No: 3 boards can be built now; for 5, 1 line is short")
    expect(answer).to_be_visible()
    short = phone.locator(".card.line.short")
    expect(short).to_have_count(1)
    expect(short).to_contain_text("Short 2 · buy from DigiKey 296-27974-1-ND at 1.5 USD = 3.00")
    assert short.evaluate("e => getComputedStyle(e.querySelector('.short-text')).color") == "rgb(122, 0, 0)"
    expect(phone.get_by_role("link", name="DigiKey cart file (1 line, 3.00 USD)")).to_be_visible()
    expect(phone.get_by_role("button", name="Start build of 5")).to_have_count(0)  # only when the shelf can
    fits_the_phone(phone)
    shot(phone, "40-project-build-box")

    phone.get_by_label("Boards").fill("3")
    expect(phone.get_by_text("Yes: 3 can be built now (up to 3 boards).")).to_be_visible()
    phone.get_by_role("button", name="Start build of 3").click()
    expect(phone.get_by_text("Build #1 of Motor driver: 3 boards reserved, not built yet.").first).to_be_visible()
    phone.get_by_role("button", name="Done", exact=True).click()
    expect(
        phone.get_by_text("Build #1 of Motor driver: 3 built; the parts were taken from stock.").first
    ).to_be_visible()
    fits_the_phone(phone)
    shot(phone, "41-project-build-done")
    api = Api(daemon)
    got = api.call("GET", "/api/parts/get_part", params={"part_id": parts["u"]})
    assert got["quantity"] == 0
    assert api.call("GET", "/api/parts/get_part", params={"part_id": parts["r"]})["quantity"] == 25 - 6
    assert api.call("GET", f"/api/projects/{project}/builds")[0]["status"] == "completed"
