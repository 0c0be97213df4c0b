"""Issue 24 points 3, 7 and 8 walked as a first-time user on a 360 px phone, against a real daemon.

Import an order choosing where its new parts go, find it under More → Orders, open a part and see
the order it came in and at what price, move two of its parts by ticking them and all its new parts
in one go, then pick the same file again: Cancel is the primary button, "Import it again" the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from browser_support import Api
from daemon_process import Daemon
from test_orders_import import SAMPLES
from test_web_browser import PASSWORD, log_in, shot
from test_web_import_browser import fits_the_phone

pytestmark = [pytest.mark.browser, pytest.mark.daemon]

pytest_plugins = ["test_web_browser"]  # its Chromium and phone-sized page
LCSC_FILE = SAMPLES / "LCSC_Exported__20241222_232708.csv"
CAP = "100 µF 35 V aluminium electrolytic capacitor"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    proc = Daemon(tmp_path_factory.mktemp("orders") / "data", env={"MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD})
    try:
        proc.wait_healthy(timeout=60)  # two cores shared by many runs: a start may be slow
        yield proc
    finally:
        proc.stop()


def open_menu(phone: Page, entry: str) -> None:
    phone.locator("details.more summary").click()
    phone.get_by_role("link", name=entry, exact=True).click()


def pick_file(phone: Page, url: str) -> None:
    phone.goto(url + "/import")
    phone.get_by_label("Order file").set_input_files(
        files=[{"name": LCSC_FILE.name, "mimeType": "text/csv", "buffer": LCSC_FILE.read_bytes()}]
    )
    phone.get_by_role("button", name="Show what it would do").click()


def test_orders_places_and_names_on_the_phone(daemon: Daemon, phone: Page) -> None:
    api = Api(daemon)
    shelf = api.call("POST", "/api/locations/add_location", json={"name": "Shelf 1"})["id"]
    for name in ("Bin 7", "Drawer B"):
        api.call("POST", "/api/locations/add_location", json={"name": name, "parent_id": shelf})
    phone.goto(daemon.url + "/")
    log_in(phone)
    open_menu(phone, "Orders")
    expect(phone.get_by_role("heading", level=1, name="Orders")).to_be_visible()
    expect(phone.get_by_text("No order imported yet.")).to_be_visible()

    # The preview says where the new parts go, and the order's place is picked there.
    pick_file(phone, daemon.url)
    place = phone.get_by_label("The 5 new parts go to")
    expect(place).to_be_visible()
    place.select_option(label="Shelf 1 / Bin 7")
    fits_the_phone(phone)
    shot(phone, "40-import-preview-place")
    phone.get_by_role("button", name="Import 5 lines").click()
    expect(phone.get_by_role("heading", level=1, name="LCSC order 20241222_232708")).to_be_visible()
    expect(phone.get_by_text("They are in Shelf 1 / Bin 7.")).to_be_visible()
    fits_the_phone(phone)
    shot(phone, "41-order-page")
    order_url = phone.url.split("?")[0]

    # A part named from its description, with the order it came in and the price.
    phone.get_by_role("link", name=CAP).click()
    expect(phone.get_by_role("heading", level=1, name=CAP)).to_be_visible()
    came_in = phone.get_by_role("link", name=re.compile("LCSC order 20241222_232708"))
    expect(came_in).to_contain_text("50 × 0.0874 USD = 4.37 USD")
    fits_the_phone(phone)
    shot(phone, "41b-part-orders")
    came_in.click()
    expect(phone.get_by_role("heading", level=1, name="LCSC order 20241222_232708")).to_be_visible()

    # Tick two lines, one "Move 2 selected to …", the searchable picker, one tap.
    phone.get_by_role("checkbox", name=f"Select {CAP}").check()
    phone.get_by_role("checkbox", name=re.compile(r"^Select Wire To Board Connector 1x2P")).check()
    phone.get_by_role("button", name="Move 2 selected to …").click()
    expect(phone.get_by_role("heading", level=1, name="Move 2 parts")).to_be_visible()
    phone.get_by_label("Find the place").fill("drawer")
    fits_the_phone(phone)
    shot(phone, "42-move-selected")
    phone.get_by_role("button", name="Shelf 1 / Drawer B").click()
    expect(phone.get_by_role("status")).to_contain_text("Moved 2 parts to Shelf 1 / Drawer B")
    assert api.part(CAP)["location"]["name"] == "Drawer B"

    # All the order's new parts in one go.
    phone.get_by_role("link", name="Move these 5 parts to …").click()
    phone.get_by_role("button", name="Shelf 1 / Bin 7", exact=True).first.click()
    expect(phone.get_by_role("status")).to_contain_text("Moved 5 parts to Shelf 1 / Bin 7 (3 were there already)")
    assert phone.url.split("?")[0] == order_url

    # The list: newest first, supplier, date, lines, total.
    open_menu(phone, "Orders")
    card = phone.get_by_role("link", name=re.compile("LCSC order 20241222_232708"))
    expect(card).to_contain_text("ordered 2024-12-22")
    expect(card).to_contain_text("5 lines · 17.77 USD")
    fits_the_phone(phone)
    shot(phone, "43-orders")

    # Search results take ticks too.
    phone.goto(daemon.url + "/?q=PicoBlade")
    phone.get_by_role("checkbox", name=re.compile(r"^Select Wire To Board Connector 1x6P")).check()
    expect(phone.get_by_role("button", name="Move 1 selected to …")).to_be_visible()
    fits_the_phone(phone)
    shot(phone, "43b-search-ticks")

    # The same file again: Cancel is the primary button, "Import it again" the secondary one.
    pick_file(phone, daemon.url)
    expect(phone.get_by_role("alert")).to_contain_text("already imported")
    cancel = phone.get_by_role("link", name="Cancel")
    again = phone.get_by_role("button", name="Import it again")
    filled = "el => getComputedStyle(el).backgroundColor"
    accent = phone.evaluate("getComputedStyle(document.querySelector('.bar > a')).color")
    assert cancel.evaluate(filled) == accent and again.evaluate(filled) != accent
    assert cancel.bounding_box()["y"] <= again.bounding_box()["y"]  # type: ignore[index]
    fits_the_phone(phone)
    shot(phone, "44-import-again")
    cancel.click()
    expect(phone.get_by_role("heading", level=1, name="Import an order")).to_be_visible()
    assert len(api.call("GET", "/api/orders")) == 1
