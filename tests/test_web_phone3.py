"""Issue 24 (the phone page's third pass) in headless Chromium at 360 px against a real daemon (--demo).

Points 4, 9, 10, 11, 12 and 16, walked as a first-time user would; each test covers several points
(named in its name) to keep browser start-ups few. Screenshots land in tests/artifacts/web/.
"""

from __future__ import annotations

import io
import os
import re

import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from browser_support import Api, api, browser, daemon, loaded_width, log_in, phone, shot
from daemon_process import Daemon
from test_orders_import import SAMPLES
from test_web_phone import BAG, IRLZ, open_part, qr_png, status

pytestmark = [pytest.mark.browser, pytest.mark.daemon]  # run by the full suite; left out of the fast part

BAR_HEIGHT = 52
SCREEN = 740
NEW_BAG = "{pbn:PICK24,on:GB24,pc:C2424241,pm:QWER2424ZX,qty:30,mc:10,cc:1,pdi:1,hp:0,wc:ZH}"
BIN = "Workshop / Shelf 2 / Drawer B / Bin 7"


__all__ = ["api", "browser", "daemon", "phone"]  # the shared fixtures, used by name


def in_view(phone: Page, what: Locator) -> None:
    """Wholly on the screen and above the bottom bar, where a thumb can reach it without scrolling."""
    box = what.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= SCREEN - BAR_HEIGHT, box


def test_point_4_a_failed_print_lands_on_its_reason_and_keeps_the_template(
    daemon: Daemon, phone: Page, api: Api
) -> None:
    api.call("POST", "/api/printer/simulator/", json={"state": "ready", "media": "29"})
    api.call("GET", "/api/printer/status", params={"refresh": "true"})
    try:
        open_part(phone, daemon, api, IRLZ)
        choice = phone.locator("#template")
        chosen = choice.locator("option").nth(2).get_attribute("value")
        assert chosen
        choice.select_option(chosen)
        phone.get_by_role("button", name="Print label").click()
        alert = phone.get_by_role("alert")
        expect(alert).to_contain_text("not printed")
        in_view(phone, alert)  # not 1 700 px above the view
        expect(phone.locator("#template")).to_have_value(chosen)  # not reset to Default
        shot(phone, "i24-p4-failed-print")
        # Unplugged: the part page says so before Print is tapped.
        api.call("POST", "/api/printer/simulator/", json={"state": "unplugged"})
        api.call("GET", "/api/printer/status", params={"refresh": "true"})
        phone.reload()
        note = phone.locator("#printer-note")
        expect(note).to_contain_text("Printer offline")
        note.scroll_into_view_if_needed()
        shot(phone, "i24-p4-printer-offline")
    finally:
        api.call("POST", "/api/printer/simulator/", json={"state": "ready", "media": "62"})
        api.call("GET", "/api/printer/status", params={"refresh": "true"})


def pick_place(phone: Page, scope: Page | Locator, typed: str, expected: str) -> None:
    scope.get_by_label("Find a place").fill(typed)
    expect(scope.locator(".pick-head")).to_have_text("Matching places")
    first = scope.locator(".picks label.pick").first
    expect(first).to_have_text(expected)
    first.click()
    expect(first.locator("input")).to_be_checked()


def test_point_9_one_searchable_place_picker_for_add_a_part_a_new_bag_and_move(
    daemon: Daemon, phone: Page, api: Api
) -> None:
    phone.goto(daemon.url + "/parts/new")
    log_in(phone)
    expect(phone.get_by_role("heading", level=1, name="Add a part")).to_be_visible()
    assert phone.locator("select#location_id").count() == 0
    expect(phone.locator(".pick-head")).to_have_text(re.compile("^(Recent places|Places)$"))
    phone.get_by_label("Name", exact=True).fill("Picker test part")
    pick_place(phone, phone, "shelf 2 drawer b bin 7", BIN)
    shot(phone, "i24-p9-add-part-picker")
    phone.get_by_role("button", name="Add part").click()
    status(phone, "Added 'Picker test part'")
    expect(phone.locator("p.where")).to_contain_text("Bin 7")
    assert api.part("Picker test part")["location"]["path"] == BIN
    # A new bag's card: the same picker, the exact place first.
    phone.goto(daemon.url + "/scan")
    phone.get_by_label("Photo of a bag or label").set_input_files(
        files=[{"name": "new.png", "mimeType": "image/png", "buffer": qr_png(NEW_BAG)}]
    )
    card = phone.locator(".results .card").first
    expect(card.get_by_text("Where will it live?")).to_be_visible()
    pick_place(phone, card, "drawer b bin 7", "Workshop / Shelf 1 / Drawer B / Bin 7")
    shot(phone, "i24-p9-new-bag-picker")
    card.get_by_role("button", name="Add this part (30)").click()
    status(phone, "Added 30")
    expect(phone.locator("p.where")).to_contain_text("Bin 7")
    # Move ranks the same way; one tap moves.
    phone.get_by_role("link", name="Move", exact=True).click()
    phone.get_by_label("Or find the place").fill("shelf 2 drawer b bin 7")
    expect(phone.locator("#places .pick-head")).to_have_text("Matching places")
    first = phone.locator("#places button.pick").first
    expect(first).to_have_text(BIN)
    first.click()
    status(phone, f" to {BIN}")  # "Moved from … to …", with Undo


def test_point_10_the_scan_result_is_in_view_and_our_own_label_opens_its_part(
    daemon: Daemon, phone: Page, api: Api
) -> None:
    phone.goto(daemon.url + "/scan")
    log_in(phone)
    phone.get_by_label("Photo of a bag or label").set_input_files(
        files=[{"name": "bag.png", "mimeType": "image/png", "buffer": qr_png(BAG)}]
    )
    button = phone.locator(".results .card").first.get_by_role("button", name=re.compile(r"^(Receive|Add) "))
    expect(button).to_be_visible()
    in_view(phone, button)  # not under the bottom bar
    shot(phone, "i24-p10-scan-result")
    part = api.part(IRLZ)
    label = phone.request.get(f"{daemon.url}/p/{part['id']}/label.png").body()
    phone.goto(daemon.url + "/scan")
    phone.get_by_label("Photo of a bag or label").set_input_files(
        files=[{"name": "label.png", "mimeType": "image/png", "buffer": label}]
    )
    expect(phone.get_by_role("heading", level=1, name=IRLZ)).to_be_visible()
    assert phone.url.endswith(f"/p/{part['id']}")


def big_photo() -> bytes:
    """A 12 Mpx photo with sensor-like grain: several MB, as a phone sends."""
    grain = Image.frombytes("RGB", (1000, 750), os.urandom(1000 * 750 * 3))
    buffer = io.BytesIO()
    grain.resize((4000, 3000), Image.Resampling.BILINEAR).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_points_11_12_a_small_photo_on_the_page_and_the_bench_camera_off_then_on(
    daemon: Daemon, phone: Page, api: Api
) -> None:
    made = api.call("POST", "/api/parts/add_part", json={"part_name": "Photo test 2N7000", "quantity": 4})
    phone.goto(f"{daemon.url}/p/{made['id']}")
    log_in(phone)
    photo = big_photo()
    phone.get_by_label("Add a photo").set_input_files(
        files=[{"name": "cam.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    status(phone, "Photo saved")
    img = phone.get_by_role("img", name="Photo of Photo test 2N7000")
    expect(img).to_be_visible()
    src = img.get_attribute("src") or ""
    assert src.endswith("?size=page")
    served = phone.request.get(daemon.url + src).body()
    assert len(served) <= 150 * 1024 < len(photo)
    assert loaded_width(phone, img) == 800
    full = phone.get_by_role("link", name="Full-size photo")
    assert len(phone.request.get(daemon.url + (full.get_attribute("href") or "")).body()) == len(photo)
    # 12: the camera is off (dev config: no autostart), and an admin can start it here.
    phone.goto(daemon.url + "/")
    feed = phone.locator("#scans")
    expect(feed).to_contain_text("The bench camera is off.")
    expect(feed).not_to_contain_text("No scans yet")
    feed.get_by_role("button", name="Start the camera").click()
    status(phone, "Bench camera started.")
    try:
        # The dev config's fake camera replays a bag, live into the feed (then its replay ends).
        expect(phone.locator("#scans")).to_contain_text("LMR16030SDDAR", timeout=15_000)
        shot(phone, "i24-p12-camera-on")
        bench_scan = api.part(IRLZ)["part_number"]  # what a USB scanner at the bench would send
        api.call("POST", "/api/scan", json={"payload": bench_scan})
        link = phone.locator("#scans ul.feed a").first
        expect(link).to_be_visible()
        links = phone.locator("#scans ul.feed a").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
        assert min(links) >= 40, links  # 16: feed links are tap targets
    finally:
        api.call("POST", "/api/scanner/stop")
    phone.goto(daemon.url + "/")
    expect(phone.locator("#scans")).to_contain_text("The bench camera is off")
    expect(phone.locator("#scans").get_by_role("button", name="Start the camera")).to_be_visible()


def test_point_16_placeholders_local_times_link_heights_and_the_ask_box(daemon: Daemon, phone: Page, api: Api) -> None:
    sample = SAMPLES / "LCSC_Exported__20241222_232708.csv"
    done = api.call("POST", "/api/import/file", files={"file": (sample.name, sample.read_bytes(), "text/csv")})
    phone.goto(f"{daemon.url}/orders/{done['order_id']}")
    log_in(phone)
    intro = phone.locator("main > p").first.inner_text()
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", intro), intro  # no raw ISO UTC time
    assert re.search(r"imported \d{4}-\d\d-\d\d \d\d:\d\d", intro), intro
    heights = phone.locator("ul.results a").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and min(heights) >= 40, heights
    shot(phone, "i24-p16-order")
    for name in ("300 ohm resistor", "300 ohm resistor 1%"):  # two: one hit would open the part itself
        api.call("POST", "/api/parts/add_part", json={"part_name": name, "quantity": 300})
    phone.goto(daemon.url + "/?q=300+ohm")
    tile = phone.locator("a.card.part .thumb").first
    expect(tile).to_have_text("")  # no "3" beside "300"
    phone.goto(daemon.url + "/ask")
    box = phone.get_by_label("Question")
    assert box.evaluate("e => e.tagName") == "TEXTAREA"
    assert (box.bounding_box() or {}).get("height", 0) >= 60
