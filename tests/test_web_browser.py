"""The phone page in headless Debian Chromium at a phone's size, against a real daemon with the demo bench.

A person's errand: log in, find a part, see where it lives, take two, print its label and see it
printed; scan a bag with the phone and receive it; open a label's link while logged out and land on
the part after logging in. Screenshots of each page go to tests/artifacts/web/ (not committed).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import qrcode
from PIL import Image
from playwright.sync_api import Browser, Page, expect, sync_playwright

from browser_support import loaded_width
from daemon_process import ROOT, Daemon

pytestmark = [pytest.mark.browser, pytest.mark.daemon]  # run by the full suite; left out of the fast part

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}  # the narrowest phone the issue names
PASSWORD = "bench-admin-pw-1"
SHOTS = ROOT / "tests" / "artifacts" / "web"
WAIT_MS = 10_000
LCSC_BAG = "{pbn:PICK2311010099,on:GB2311011299,pc:C20526,pm:MMBT3904,qty:100,mc:10,cc:1,pdi:95387599,hp:0,wc:ZH}"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    proc = Daemon(
        tmp_path_factory.mktemp("web") / "data",
        env={"MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD},
        extra_args=["--demo"],
    )
    try:
        proc.wait_healthy()
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (./scripts/test does as root)")
    with sync_playwright() as pw:
        try:
            launched = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True, timeout=30_000)
        except Exception as exc:  # the message says why Chromium would not start
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}")
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page: Page) -> None:
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def qr_png(text: str) -> bytes:
    made = qrcode.make(text, box_size=8, border=4)
    image: Image.Image = made.get_image() if hasattr(made, "get_image") else made
    out = io.BytesIO()
    image.convert("L").save(out, "PNG")
    return out.getvalue()


def test_find_take_two_and_print_a_label(daemon: Daemon, phone: Page) -> None:
    phone.goto(daemon.url + "/")
    shot(phone, "01-login")
    log_in(phone)
    search = phone.get_by_label("Name, number or a scanned code")
    expect(search).to_be_focused()
    search.press_sequentially("IRLZ44", delay=30)  # results as you type, no Enter
    result = phone.get_by_role("link", name=re.compile("IRLZ44N N-MOSFET TO-220"))
    expect(result).to_be_visible()
    shot(phone, "02-search")
    result.click()

    expect(phone.get_by_role("heading", level=1, name="IRLZ44N N-MOSFET TO-220")).to_be_visible()
    expect(phone.locator("#quantity")).to_have_text("6")
    shot(phone, "03-part")
    phone.get_by_label("Take", exact=True).fill("2")
    phone.get_by_role("button", name="Take", exact=True).click()
    expect(phone.get_by_role("status").filter(has_text="Taken 2: 4 left")).to_be_visible()
    expect(phone.locator("#quantity")).to_have_text("4")

    preview = phone.get_by_role("img", name="Preview of the label")
    expect(preview).to_be_visible()
    assert loaded_width(phone, preview) > 0
    phone.get_by_role("button", name="Print label").click()
    expect(phone.get_by_role("status").filter(has_text="Printed 1 label for 'IRLZ44N N-MOSFET TO-220'")).to_be_visible()
    shot(phone, "04-printed")

    where = phone.locator("p.where a").last
    where.click()
    expect(phone.get_by_role("link", name=re.compile("IRLZ44N"))).to_be_visible()
    shot(phone, "05-location")


def test_scan_a_bag_photo_and_receive_it(daemon: Daemon, phone: Page) -> None:
    phone.goto(daemon.url + "/scan")
    log_in(phone)
    expect(phone.get_by_role("heading", name="Scan with the phone")).to_be_visible()
    phone.get_by_label("Photo of a bag or label").set_input_files(
        files=[{"name": "bag.png", "mimeType": "image/png", "buffer": qr_png(LCSC_BAG)}]
    )
    receive = phone.get_by_role("button", name="Receive 100")
    expect(receive).to_be_visible()
    shot(phone, "06-scan")
    receive.click()
    expect(phone.get_by_role("heading", level=1, name="MMBT3904 NPN transistor SOT-23")).to_be_visible()
    expect(phone.get_by_role("status").filter(has_text="Received 100: 550 in stock")).to_be_visible()


def test_a_label_link_while_logged_out_lands_on_the_part(daemon: Daemon, phone: Page) -> None:
    found = httpx.post(
        daemon.url + "/api/auth/mobile-login", json={"username": "admin", "password": PASSWORD}, timeout=5
    ).json()["data"]
    headers = {"Authorization": f"Bearer {found['access_token']}"}
    part = httpx.get(
        daemon.url + "/api/parts/get_part", params={"part_name": "AO3401A P-MOSFET SOT-23"}, headers=headers, timeout=5
    ).json()["data"]
    phone.goto(f"{daemon.url}/p/{part['id']}")
    expect(phone).to_have_url(re.compile(r"/login\?next=/p/"))
    log_in(phone)
    expect(phone.get_by_role("heading", level=1, name="AO3401A P-MOSFET SOT-23")).to_be_visible()
    assert phone.url == f"{daemon.url}/p/{part['id']}"
    phone.get_by_text("More", exact=True).click()  # the rest of the pages and Log out sit behind "More"
    phone.get_by_role("button", name=re.compile("Log out")).click()
    expect(phone.get_by_role("heading", name="Log in")).to_be_visible()


def test_a_bench_scan_appears_in_the_home_feed_without_reload(daemon: Daemon, phone: Page) -> None:
    phone.goto(daemon.url + "/")
    log_in(phone)
    expect(phone.get_by_role("heading", name="Bench camera")).to_be_visible()
    expect(phone.locator("body")).to_have_attribute("data-live", "open")  # /ws/events with the page's token
    phone.evaluate(
        "() => { window.sameLoad = true; document.querySelectorAll('#scans li').forEach(li => li.dataset.old = '1'); }"
    )
    found = httpx.post(
        daemon.url + "/api/auth/mobile-login", json={"username": "admin", "password": PASSWORD}, timeout=5
    ).json()["data"]
    headers = {"Authorization": f"Bearer {found['access_token']}"}
    scanned = httpx.post(daemon.url + "/api/scan", json={"payload": LCSC_BAG}, headers=headers, timeout=5)
    assert scanned.status_code < 300, scanned.text
    fresh = phone.locator("#scans li:not([data-old])").first
    expect(fresh.get_by_role("link", name="MMBT3904 NPN transistor SOT-23")).to_be_visible()
    assert phone.evaluate("() => window.sameLoad === true"), "the page reloaded instead of taking the event"
    shot(phone, "07-live-feed")

    fresh.get_by_role("link", name="MMBT3904 NPN transistor SOT-23").click()  # the part page follows its quantity
    expect(phone.get_by_role("heading", level=1, name="MMBT3904 NPN transistor SOT-23")).to_be_visible()
    expect(phone.locator("body")).to_have_attribute("data-live", "open")
    before = int(phone.locator("#quantity").inner_text())
    part_id = phone.url.rsplit("/", 1)[1]
    moved = httpx.post(
        f"{daemon.url}/api/parts/{part_id}/adjust", json={"delta": -3, "reason": "bench"}, headers=headers, timeout=5
    )
    assert moved.status_code == 200, moved.text
    expect(phone.locator("#quantity")).to_have_text(str(before - 3))


def test_without_the_socket_the_feed_falls_back_to_polling(daemon: Daemon, phone: Page) -> None:
    phone.add_init_script("window.WebSocket = function () { throw new Error('blocked by a proxy'); };")
    phone.goto(daemon.url + "/")
    log_in(phone)
    expect(phone.get_by_role("heading", name="Bench camera")).to_be_visible()
    phone.evaluate("() => { window.sameLoad = true; }")
    found = httpx.post(
        daemon.url + "/api/auth/mobile-login", json={"username": "admin", "password": PASSWORD}, timeout=5
    ).json()["data"]
    headers = {"Authorization": f"Bearer {found['access_token']}"}
    scanned = httpx.post(daemon.url + "/api/scan", json={"payload": "POLL-FALLBACK-42"}, headers=headers, timeout=5)
    assert scanned.status_code < 300, scanned.text
    expect(phone.locator("#scans")).to_contain_text("POLL-FALLBACK-42")  # the next poll, within 4 s
    assert phone.evaluate("() => window.sameLoad === true && !document.body.dataset.live")


def test_every_page_fits_a_phone_with_big_enough_targets(daemon: Daemon, phone: Page) -> None:
    phone.goto(daemon.url + "/login")
    log_in(phone)
    expect(phone.get_by_role("heading", name="Find a part")).to_be_visible()
    first_part = phone.evaluate("fetch('/search?q=MOSFET').then(r => r.text())")
    part_url = re.search(r'href="(/p/[^"]+)"', first_part)
    assert part_url, "the demo bench has MOSFETs"
    tree = phone.evaluate("fetch('/locations?edit=1').then(r => r.text())")
    edit_url = re.search(r'href="(/l/[^"]+)/edit"', tree)
    assert edit_url, "the demo bench has locations an admin may change"
    pages = {
        "10-home": "/",
        "11-locations": "/locations",
        "12-printer": "/printer",
        "13-tasks": "/tasks",
        "14-backups": "/backups",
        "15-users": "/users",
        "16-add-part": "/parts/new",
        "17-edit-part": part_url.group(1) + "/edit",
        "18-not-found": "/no/such/page",
        "19-location-edit": edit_url.group(1) + "/edit",
        "20-location-delete": edit_url.group(1) + "/delete",
    }
    for name, path in pages.items():
        phone.goto(daemon.url + path)
        expect(phone.locator("h1")).to_be_visible()
        shot(phone, name)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow} px at {PHONE['width']} px"
        small = phone.evaluate(
            """() => [...document.querySelectorAll('button, select, input:not([type=hidden]), textarea')]
                 .filter(e => e.getBoundingClientRect().height < 44)
                 .map(e => e.outerHTML.slice(0, 80))"""
        )
        assert small == [], f"{path}: touch targets under 44 px: {small}"
        unlabelled = phone.evaluate(
            """() => [...document.querySelectorAll('select, input:not([type=hidden]), textarea')]
                 .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                 .map(e => e.outerHTML.slice(0, 80))"""
        )
        assert unlabelled == [], f"{path}: inputs without a label: {unlabelled}"
