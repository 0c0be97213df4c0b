"""A project from nothing on a 360 px phone in headless Chromium, against a real daemon: New project, the KiCad BOM
through upload -> preview -> confirm, the Build box's answer, a line's part chosen by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from bom_support import BOMS
from browser_support import Api
from daemon_process import Daemon
from test_web_browser import PASSWORD, log_in, shot
from test_web_projects_browser import fits_the_phone

pytestmark = [pytest.mark.browser, pytest.mark.daemon]

pytest_plugins = ["test_web_browser"]  # its Chromium and phone-sized page
KICAD = BOMS / "kicad_default.csv"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    proc = Daemon(tmp_path_factory.mktemp("boms") / "data", env={"MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD})
    try:
        proc.wait_healthy(timeout=60)  # 2 shared cores: a start can take longer than the default
        yield proc
    finally:
        proc.stop()


def test_new_project_bom_import_and_build_box_on_the_phone(daemon: Daemon, phone: Page) -> None:
    api = Api(daemon)
    for name, qty in (("ATmega328P tray", 2), ("ATmega328P reel", 40)):
        api.call("POST", "/api/parts/add_part", json={"part_name": name, "quantity": qty,
                 "manufacturer_part_number": "ATmega328P-AU"})  # fmt: skip
    phone.goto(daemon.url + "/projects")
    log_in(phone)
    phone.get_by_text("New project").click()
    phone.get_by_label("Name").fill("Blinker")
    phone.get_by_label("Description (optional)").fill("ATmega blinker")
    fits_the_phone(phone)
    shot(phone, "50-bom-new-project")
    phone.get_by_role("button", name="Make the project").click()
    expect(phone.get_by_role("heading", level=1, name="Blinker")).to_be_visible()
    expect(phone.get_by_text("Project 'Blinker' made. Import its BOM next.")).to_be_visible()

    phone.get_by_role("link", name="Import a BOM").click()
    expect(phone.get_by_role("heading", level=1, name="Import a BOM")).to_be_visible()
    phone.get_by_label("BOM file").set_input_files(str(KICAD))
    phone.get_by_role("button", name="Show what it would do").click()
    expect(phone.get_by_text("Nothing is written yet.", exact=False)).to_be_visible()
    unmatched = phone.locator(".bom-rows .card.unmatched")
    expect(unmatched).to_have_count(12)
    expect(unmatched.first).to_contain_text("Unmatched:")
    expect(phone.locator(".bom-rows .card", has_text="U1 · 1 per board")).to_contain_text("Matched: the value")
    fits_the_phone(phone)
    shot(phone, "51-bom-preview")
    assert api.call("GET", "/api/projects")["projects"][0]["name"] == "Blinker"
    project = api.call("GET", "/api/projects")["projects"][0]["id"]
    assert api.call("GET", f"/api/projects/{project}/bom")["line_count"] == 0  # the preview wrote nothing

    phone.get_by_role("button", name="Import 14 lines").click()
    expect(phone.get_by_text("BOM imported. KiCad BOM: 14 lines, 1 matched", exact=False)).to_be_visible()
    no_build = "12 BOM lines have no matching part: match or pin a part before building."
    expect(phone.get_by_text(no_build)).to_be_visible()
    assert api.call("GET", f"/api/projects/{project}/bom")["line_count"] == 14
    fits_the_phone(phone)
    shot(phone, "52-bom-imported")

    u1 = phone.locator(".card.line", has_text="U1")
    u1.get_by_text("Choose part (2 fit)").click()
    expect(u1.get_by_role("button", name="ATmega328P tray")).to_be_visible()
    fits_the_phone(phone)
    shot(phone, "53-bom-choose-part")
    u1.get_by_role("button", name="ATmega328P tray").click()
    expect(phone.get_by_text("U1: ATmega328P tray, pinned.")).to_be_visible()
    expect(phone.locator(".card.line", has_text="U1").get_by_role("button", name="Unpin")).to_be_visible()
    fits_the_phone(phone)
    lines = api.call("GET", f"/api/projects/{project}/bom")["lines"]
    assert next(ln for ln in lines if ln["designators"] == ["U1"])["pinned_part_id"] is not None

    # A line nothing matched: its Choose part searches the shelf, starting from the line's value.
    crystal = api.call("POST", "/api/parts/add_part", json={"part_name": "16MHz crystal HC-49", "quantity": 5})
    phone.reload()
    y1 = phone.locator(".card.line", has_text="Y1")
    y1.get_by_text("Choose part").click()
    expect(y1.get_by_label("Find a part for Y1")).to_have_value("16MHz")
    y1.get_by_role("button", name="Find").click()
    y1 = phone.locator(".card.line", has_text="Y1")
    expect(y1.get_by_role("button", name="16MHz crystal HC-49")).to_be_visible()
    fits_the_phone(phone)
    shot(phone, "54-bom-find-a-part")
    y1.get_by_role("button", name="16MHz crystal HC-49").click()
    expect(phone.get_by_text("Y1: 16MHz crystal HC-49, pinned.")).to_be_visible()
    lines = api.call("GET", f"/api/projects/{project}/bom")["lines"]
    assert next(ln for ln in lines if ln["designators"] == ["Y1"])["pinned_part_id"] == crystal["id"]
    shot(phone, "55-bom-pinned")
