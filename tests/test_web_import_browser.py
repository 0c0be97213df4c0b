"""Import an order on a 360 px phone in headless Chromium, against a real daemon (dev config, fake printer).

From the search page: pick the LCSC file, see the preview, confirm, land on the order with links to the
new parts, print their labels. Each page fits the phone with big enough touch targets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from daemon_process import Daemon
from test_orders_import import SAMPLES
from test_web_browser import PASSWORD, PHONE, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.daemon]  # run by the full suite; left out of the fast part

pytest_plugins = ["test_web_browser"]  # its Chromium and phone-sized page
LCSC_FILE = SAMPLES / "LCSC_Exported__20241222_232708.csv"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    proc = Daemon(tmp_path_factory.mktemp("import") / "data", env={"MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD})
    try:
        proc.wait_healthy()
        yield proc
    finally:
        proc.stop()


def fits_the_phone(page: Page) -> None:
    """No sideways scroll, and every button and field shown is at least 44 px tall (one hidden by a
    filter, or in the closed More menu, is not a touch target)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px at {PHONE['width']} px"
    small = page.evaluate(
        """() => [...document.querySelectorAll('button, input:not([type=hidden])')]
             .map(e => [e, e.getBoundingClientRect()])
             .filter(([e, r]) => r.width > 0 && r.height < 44).map(([e]) => e.outerHTML.slice(0, 80))"""
    )
    assert small == [], f"touch targets under 44 px: {small}"


def test_import_an_order_on_the_phone(daemon: Daemon, phone: Page) -> None:
    phone.goto(daemon.url + "/")
    log_in(phone)
    phone.get_by_role("link", name="Import an order").click()
    expect(phone.get_by_role("heading", level=1, name="Import an order")).to_be_visible()
    fits_the_phone(phone)
    shot(phone, "30-import-pick")
    phone.get_by_label("Order file").set_input_files(
        files=[{"name": LCSC_FILE.name, "mimeType": "text/csv", "buffer": LCSC_FILE.read_bytes()}]
    )
    phone.get_by_role("button", name="Show what it would do").click()
    expect(phone.get_by_role("heading", name="LCSC Electronics order 20241222_232708")).to_be_visible()
    expect(phone.get_by_text("5 new parts", exact=True)).to_be_visible()
    fits_the_phone(phone)
    shot(phone, "31-import-preview")

    phone.get_by_role("button", name="Import 5 lines").click()
    expect(phone.get_by_role("heading", level=1, name=re.compile("LCSC order 20241222_232708"))).to_be_visible()
    expect(phone.get_by_role("status")).to_contain_text("5 new parts")
    fits_the_phone(phone)
    shot(phone, "32-import-result")
    phone.get_by_role("button", name="Print labels for these").click()
    expect(phone.get_by_role("status")).to_have_text("5 labels sent to the printer")

    # Named from the file's description (issue 24 point 7), not by its MPN.
    cap = "100 µF 35 V aluminium electrolytic capacitor"
    phone.get_by_role("link", name=cap).click()
    expect(phone.get_by_role("heading", level=1, name=cap)).to_be_visible()
    expect(phone.locator("#quantity")).to_have_text("50")
