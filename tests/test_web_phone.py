"""Issue 17 (the phone page, second pass) in headless Chromium at 360 px against a real daemon (--demo).

Each test covers several numbered points of the issue (named in its name) to keep browser start-ups few.
Screenshots land in tests/artifacts/web/; the README ones are copied to docs/screenshots/ when the
run sets MM_README_SHOTS=1.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import qrcode
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from browser_support import Api, api, browser, daemon, loaded_width, log_in, phone, phone_page, shot
from daemon_process import Daemon

pytestmark = [pytest.mark.browser, pytest.mark.daemon]  # run by the full suite; left out of the fast part

IRLZ = "IRLZ44N N-MOSFET TO-220"
BAG = "{pbn:PICK2311010099,on:GB2311011299,pc:C20526,pm:MMBT3904,qty:100,mc:10,cc:1,pdi:95387599,hp:0,wc:ZH}"
NEW_BAG = "{pbn:PICK9,on:GB9,pc:C9999991,pm:ZXCV1234QW,qty:25,mc:10,cc:1,pdi:1,hp:0,wc:ZH}"
LONG = "Unbroken" + "X" * 192  # 200 characters without a space


__all__ = ["api", "browser", "daemon", "phone"]  # the shared fixtures, used by name


def qr_png(text: str) -> bytes:
    made = qrcode.make(text, box_size=8, border=4)
    image: Image.Image = made.get_image() if hasattr(made, "get_image") else made
    out = io.BytesIO()
    image.convert("L").save(out, "PNG")
    return out.getvalue()


def open_part(phone: Page, daemon: Daemon, api: Api, name: str) -> dict[str, Any]:
    part = api.part(name)
    phone.goto(f"{daemon.url}/p/{part['id']}")
    if phone.get_by_role("heading", name="Log in").is_visible():
        log_in(phone)
    expect(phone.get_by_role("heading", level=1, name=name)).to_be_visible()
    return part


def status(phone: Page, text: str) -> None:
    expect(phone.get_by_role("status").filter(has_text=text)).to_be_visible()


def test_points_1_4_10_stock_errors_and_one_time_messages(daemon: Daemon, phone: Page, api: Api) -> None:
    part = open_part(phone, daemon, api, IRLZ)
    start = int(phone.locator("#quantity").inner_text())
    # 1: Add N, Count, and Undo of the last change.
    phone.get_by_label("Add", exact=True).fill("3")
    phone.get_by_role("button", name="Add", exact=True).click()
    status(phone, f"Added 3: {start + 3} left")
    phone.get_by_role("button", name="Undo").click()
    status(phone, f"Undone: {start} in stock")
    phone.get_by_label("Counted").fill("20")
    phone.get_by_role("button", name="Set count").click()
    status(phone, f"Counted 20 ({20 - start:+d})")
    expect(phone.locator("#quantity")).to_have_text("20")
    expect(phone.locator(".history li").first).to_contain_text("counted")
    shot(phone, "readme-part-light", readme=True)
    # 10: the message is not in the URL; a reload or Back does not repeat it; no link can set it.
    assert "said" not in phone.url
    phone.reload()
    expect(phone.get_by_role("heading", level=1, name=IRLZ)).to_be_visible()
    expect(phone.locator(".said")).to_have_count(0)
    phone.goto(f"{daemon.url}/p/{part['id']}?said=You+were+hacked")
    expect(phone.get_by_text("You were hacked")).to_have_count(0)
    # 4: the take limit follows the live quantity; an error comes back on this page, in words, form kept.
    expect(phone.locator("body")).to_have_attribute("data-live", "open")
    api.call("POST", f"/api/parts/{part['id']}/adjust", json={"delta": -5, "reason": "bench"})
    expect(phone.locator("#quantity")).to_have_text("15")
    expect(phone.get_by_label("Take", exact=True)).to_have_attribute("max", "15")
    take = phone.get_by_label("Take", exact=True)
    take.evaluate("el => el.removeAttribute('max')")  # as if another phone took stock a moment ago
    take.fill("99")
    phone.get_by_role("button", name="Take", exact=True).click()
    alert = phone.get_by_role("alert")
    expect(alert).to_have_text("Only 15 in stock, cannot take 99.")
    expect(phone.get_by_role("heading", level=1, name=IRLZ)).to_be_visible()  # the page the user was on
    expect(phone.get_by_label("Take", exact=True)).to_have_value("99")  # the form kept
    expect(phone.get_by_role("navigation", name="Main")).to_be_visible()
    shot(phone, "p4-error-on-page")
    phone.goto(daemon.url + "/p/no-such-part")
    expect(phone.get_by_role("navigation", name="Main").get_by_role("link", name="Find")).to_be_visible()


def test_points_2_8_a_bag_twice_a_typed_code_and_a_new_part(daemon: Daemon, phone: Page, api: Api) -> None:
    phone.goto(daemon.url + "/scan")
    log_in(phone)
    photo = phone.get_by_label("Photo of a bag or label")
    assert photo.get_attribute("accept") == "image/*" and photo.get_attribute("capture") == "environment"
    photo.set_input_files(files=[{"name": "bag.png", "mimeType": "image/png", "buffer": qr_png(BAG)}])
    card = phone.locator(".results .card").first  # 8: read on choose, no second button
    expect(card.locator("dl.bag")).to_contain_text("100")
    shot(phone, "readme-scan-light", readme=True)
    card.get_by_role("button", name="Receive 100").click()
    status(phone, "Received 100")
    photo = phone.goto(daemon.url + "/scan")
    phone.get_by_label("Photo of a bag or label").set_input_files(
        files=[{"name": "bag.png", "mimeType": "image/png", "buffer": qr_png(BAG)}]
    )
    # 2: the same bag again is one clear confirm.
    expect(
        phone.get_by_text(re.compile(r"This bag was received (just now|\d+ min ago)\. Add 100 more\?"))
    ).to_be_visible()
    before = api.part("MMBT3904 NPN transistor SOT-23")["quantity"]
    phone.get_by_role("button", name="Add 100 more").click()
    status(phone, f"Received 100: {before + 100} in stock")
    # 2: the bag's code typed into search (or sent by a USB scanner) offers the same.
    phone.goto(daemon.url + "/")
    phone.get_by_label("Name, number or a scanned code").fill(BAG)
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("button", name="Add 100 more")).to_be_visible()
    # 8: an unknown bag shows its details and asks where the new part lives.
    phone.goto(daemon.url + "/scan")
    phone.get_by_label("Photo of a bag or label").set_input_files(
        files=[{"name": "new.png", "mimeType": "image/png", "buffer": qr_png(NEW_BAG)}]
    )
    where = phone.get_by_role("group", name="Where will it live?")
    expect(where).to_be_visible()
    place = where.locator(".picks label.pick").first  # a recent place, or one of the first (issue 24 point 9)
    chosen = place.inner_text().strip()
    place.click()
    phone.get_by_role("button", name="Add this part (25)").click()
    status(phone, "Added 25")
    expect(phone.locator("p.where")).to_contain_text(chosen.split(" / ")[-1].strip())


def test_points_3_7_9_failed_print_bottom_bar_and_long_names(daemon: Daemon, phone: Page, api: Api) -> None:
    api.call("POST", "/api/parts/add_part", json={"part_name": LONG, "quantity": 1})
    api.call("POST", "/api/locations/add_location", json={"name": "Shelf" + "Y" * 95})  # 100 characters, no space
    api.call("POST", "/api/utility/backup/create", json={})  # a task and a file with long unbroken names
    api.call("POST", "/api/printer/simulator/", json={"media": "29"})
    api.call("GET", "/api/printer/status", params={"refresh": "true"})
    open_part(phone, daemon, api, IRLZ)
    # 7: a compact header and a bottom bar with the errands; the rest behind "More".
    assert phone.locator("header.top").bounding_box()["height"] <= 60  # type: ignore[index]
    bar = phone.get_by_role("navigation", name="Main")
    for name in ("Find", "Scan", "Locations"):
        expect(bar.get_by_role("link", name=name, exact=True)).to_be_visible()
    box = bar.bounding_box()
    assert box is not None and box["y"] + box["height"] >= 740 - 1  # at the bottom of the screen
    bar.get_by_text("More", exact=True).click()
    for name in ("Printer", "Tasks", "Backups", "Users"):
        expect(bar.get_by_role("link", name=name, exact=True)).to_be_visible()
    shot(phone, "p7-menu")
    phone.keyboard.press("Escape")
    # 3: the sizes that fit the loaded tape first and marked; a failure is red and says what to do.
    options = phone.locator("#template option").all_inner_texts()
    group = phone.locator("#template option").nth(1).evaluate("o => o.parentElement.label")
    assert group == "Fit the loaded 29 mm tape", (group, options)
    phone.get_by_role("button", name="Print label").click()
    alert = phone.get_by_role("alert")
    expect(alert).to_contain_text("not printed")
    expect(alert).to_contain_text("Load 62 mm tape")
    expect(phone.locator(".said")).to_have_count(0)
    colour = alert.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(253, 226, 226)", colour  # the error red, not the success green
    api.call("POST", "/api/printer/simulator/", json={"media": "62"})
    # 9: every page wraps at 360 px, even a 200-character unbroken name.
    phone.goto(daemon.url + "/?q=Unbroken")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    long_part = api.part(LONG)
    pid = long_part["id"]
    paths = ["/", "/?q=Unbroken", f"/p/{pid}", f"/p/{pid}/edit", f"/p/{pid}/move", "/locations", "/locations?edit=1",
             "/locations?q=shelf", "/scan", "/printer", "/tasks", "/backups", "/users", "/parts/new", "/low-stock",
             "/categories", "/no/such/page"]  # fmt: skip
    for path in paths:
        phone.goto(daemon.url + path)
        expect(phone.locator("h1")).to_be_visible()
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow} px"
    shot(phone, "p9-long-name")


def test_readme_screens_in_dark(daemon: Daemon, browser: Browser, api: Api) -> None:
    for page in phone_page(browser, "dark"):
        open_part(page, daemon, api, IRLZ)
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
        bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert bg == "rgb(18, 18, 18)", bg
        shot(page, "readme-part-dark", readme=True)
        page.goto(daemon.url + "/?q=MOSFET")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        shot(page, "readme-search-dark", readme=True)


def test_point_5_move_by_search_and_by_scanning_a_location_label(daemon: Daemon, phone: Page, api: Api) -> None:
    open_part(phone, daemon, api, "AO3401A P-MOSFET SOT-23")
    phone.get_by_role("link", name="Move", exact=True).click()
    expect(phone.get_by_role("heading", level=1, name=re.compile("^Move "))).to_be_visible()
    phone.get_by_label("Or find the place").fill("drawer")  # searched as it is typed
    expect(phone.locator("#places .pick-head")).to_have_text("Matching places")
    visible = phone.locator("#places li")
    expect(visible.first).to_contain_text(re.compile("drawer", re.I))
    shot(phone, "p5-move-picker")
    target = visible.first.inner_text().strip()
    visible.first.get_by_role("button").click()
    status(phone, f"to {target}")
    expect(phone.locator(".history li").first).to_contain_text(f"to {target}")
    # Scan a location's label: the part moves there.
    locations = api.call("GET", "/api/locations/get_all_locations")
    other = next(loc for loc in locations if "drawer" not in loc["name"].lower() and loc["parent_id"])
    phone.get_by_role("link", name="Move", exact=True).click()
    phone.get_by_label("Scan the new place's label").set_input_files(
        files=[
            {"name": "label.png", "mimeType": "image/png", "buffer": qr_png(f"http://bench.local:8080/l/{other['id']}")}
        ]
    )
    status(phone, "Moved from")
    expect(phone.locator("p.where")).to_contain_text(other["name"])
    assert phone.locator("h2#hist-h").bounding_box()["y"] < phone.locator("h2#print-h").bounding_box()["y"]  # type: ignore[index]


def test_point_13_search_wifi_compact_cards_more_and_no_feed_entry(daemon: Daemon, phone: Page, api: Api) -> None:
    for i in range(22):
        api.call("POST", "/api/parts/add_part", json={"part_name": f"ESP8266 Wi-Fi board {i:02d}", "quantity": i})
    phone.goto(daemon.url + "/")
    log_in(phone)
    search = phone.get_by_label("Name, number or a scanned code")
    search.fill("wifi")
    search.press("Enter")
    cards = phone.locator("a.card.part")
    expect(cards).to_have_count(20)
    heights = cards.evaluate_all("els => els.slice(0, 5).map(e => e.getBoundingClientRect().height)")
    assert max(heights) <= 90, heights  # about 7 per screen instead of 2.5
    expect(cards.first.locator(".thumb")).to_be_visible()
    expect(cards.first).to_contain_text("no location")
    shot(phone, "readme-search-light", readme=True)
    found = int(phone.get_by_text(re.compile(r"^\d+ parts found")).inner_text().split()[0])
    assert found >= 22
    phone.get_by_role("link", name="Show more").click()
    expect(cards).to_have_count(found)
    expect(phone.locator("#scans")).not_to_contain_text("wifi")  # a search is not a bench-camera scan


def test_points_11_12_backups_and_users(daemon: Daemon, phone: Page, api: Api) -> None:
    phone.goto(daemon.url + "/backups")
    log_in(phone)
    phone.get_by_role("button", name="Back up now").click()
    expect(phone).to_have_url(daemon.url + "/backups")  # stays on Backups, no "started" banner
    expect(phone.locator(".said[role=status]")).to_have_count(0)
    latest = phone.locator("#backup-status p").first
    expect(latest).to_contain_text(re.compile(r"Latest backup: (done|failed)"), timeout=30_000)  # followed live
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d", phone.locator("main").inner_text())  # no raw ISO stamps
    shot(phone, "p11-backups")
    # 12: users
    api.call("POST", "/api/users/register", json={"username": "bench-bob", "password": "password-123"})
    phone.goto(daemon.url + "/users")
    expect(phone.get_by_text(re.compile("Passwords: At least 8 characters"))).to_be_visible()  # before any failure
    expect(phone.get_by_role("button", name=re.compile("^Deactivate admin"))).to_have_count(0)
    expect(phone.get_by_label("Current password")).to_be_visible()  # your own password
    deactivate = phone.get_by_role("button", name=re.compile("^Deactivate bench-bob"))
    colour = deactivate.evaluate("el => getComputedStyle(el).backgroundColor")
    plain = phone.get_by_role("button", name="Add user").evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour != plain  # destructive buttons look different
    deactivate.click()
    expect(phone.get_by_role("heading", name="Deactivate bench-bob?")).to_be_visible()
    shot(phone, "p12-confirm")
    phone.get_by_role("link", name="Keep it as it is").click()
    expect(phone.get_by_role("button", name=re.compile("^Deactivate bench-bob"))).to_be_visible()  # nothing changed


def test_point_6_locations_collapsed_with_inclusive_counts_search_and_edit_mode(daemon: Daemon, phone: Page) -> None:
    phone.goto(daemon.url + "/locations")
    log_in(phone)
    expect(phone.get_by_role("heading", level=1, name="Locations")).to_be_visible()
    height = phone.evaluate("document.documentElement.scrollHeight")
    assert height < 1500, height  # collapsed, not a 3 300 px tree
    expect(phone.get_by_role("link", name="Change", exact=True)).to_have_count(0)  # no "Change" on every line
    counts = phone.locator("main > ul.tree > li > details > summary .count").all_inner_texts()
    assert counts and all(int(c) > 0 for c in counts), counts  # a top place counts the parts inside it
    phone.locator("main > ul.tree > li > details > summary").first.click(position={"x": 4, "y": 20})  # the ▸ opens it
    expect(phone.locator("main > ul.tree > li > details").first).to_have_attribute("open", "")
    shot(phone, "p6-locations")
    phone.get_by_label("Find a place").fill("drawer")
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name=re.compile("Places matching"))).to_be_visible()
    expect(phone.locator("ul.cards a.card").first).to_contain_text(re.compile("drawer", re.I))
    phone.goto(daemon.url + "/locations")
    phone.get_by_role("link", name="Edit", exact=True).click()
    expect(phone.get_by_role("heading", name="Add a location")).to_be_visible()
    expect(phone.get_by_role("link", name=re.compile("^Change ")).first).to_be_visible()


def test_point_14_photo_delete_low_stock_categories_favicon_gzip_and_qr(daemon: Daemon, phone: Page, api: Api) -> None:
    made = api.call(
        "POST", "/api/parts/add_part", json={"part_name": "Doomed 2N2222", "quantity": 2, "min_quantity": 5}
    )
    response = phone.goto(f"{daemon.url}/p/{made['id']}")
    log_in(phone)
    expect(phone.get_by_role("heading", level=1, name="Doomed 2N2222")).to_be_visible()
    # a photo straight from the camera
    photo = phone.get_by_label("Add a photo")
    assert photo.get_attribute("capture") == "environment"
    photo.set_input_files(files=[{"name": "cam.png", "mimeType": "image/png", "buffer": qr_png("photo")}])
    status(phone, "Photo saved")
    img = phone.get_by_role("img", name="Photo of Doomed 2N2222")
    expect(img).to_be_visible()
    assert loaded_width(phone, img) > 0
    # gzip for text, a favicon
    response = phone.goto(f"{daemon.url}/p/{made['id']}")
    assert response is not None and response.headers.get("content-encoding") == "gzip"
    icon = phone.evaluate("fetch(document.querySelector('link[rel=icon]').href).then(r => r.status)")
    assert icon == 200
    # the label's QR opens the address this phone used (no public_url on the bench)
    label = phone.request.get(f"{daemon.url}/p/{made['id']}/label.png").body()
    found = api.call("POST", "/api/scan/image", files={"file": ("label.png", label, "image/png")})
    assert [s["parsed"]["raw"] for s in found] == [f"{daemon.url}/p/{made['id']}"]
    # low stock and categories behind "More"
    bar = phone.get_by_role("navigation", name="Main")
    bar.get_by_text("More", exact=True).click()
    bar.get_by_role("link", name="Low stock").click()
    expect(phone.get_by_role("link", name=re.compile("Doomed 2N2222"))).to_be_visible()
    bar.get_by_text("More", exact=True).click()
    bar.get_by_role("link", name="Categories").click()
    expect(phone.get_by_role("heading", level=1, name="Categories")).to_be_visible()
    phone.locator("ul.cards a.card").first.click()
    expect(phone.locator("a.card.part").first).to_be_visible()
    # delete, after a confirmation
    phone.goto(f"{daemon.url}/p/{made['id']}")
    phone.get_by_role("link", name="Delete…").click()
    expect(phone.get_by_role("heading", name="Delete Doomed 2N2222?")).to_be_visible()
    phone.get_by_role("button", name="Delete Doomed 2N2222").click()
    status(phone, "Deleted 'Doomed 2N2222'; its stock history is kept")
