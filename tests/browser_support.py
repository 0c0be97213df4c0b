"""Shared pieces of the headless-Chromium phone tests: the daemon, the browser, a phone page, API calls."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from daemon_process import ROOT, Daemon

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
PHONE = {"width": 360, "height": 740}
PASSWORD = "bench-admin-pw-1"
SHOTS = ROOT / "tests" / "artifacts" / "web"
README_SHOTS = ROOT / "docs" / "screenshots"
WAIT_MS = 10_000


def start_daemon(data_dir: Path, healthy_within: float = 60.0) -> Iterator[Daemon]:
    # No public_url: label QR codes must open the address the phone used (issue 17 point 14).
    env = {"MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD, "MAKERMATRIX_EDGE_SERVER__PUBLIC_URL": ""}
    proc = Daemon(data_dir, env=env, extra_args=["--demo"])
    try:
        proc.wait_healthy(healthy_within)
        yield proc
    finally:
        proc.stop()


def launch() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (./scripts/test does as root)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True, timeout=30_000)
        try:
            yield browser
        finally:
            browser.close()


def phone_page(browser: Browser, scheme: str = "light") -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        color_scheme=scheme,  # type: ignore[arg-type]
    )
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def shot(page: Page, name: str, readme: bool = False) -> None:
    """A full-page screenshot in tests/artifacts/web/; `readme` ones are copied to docs/screenshots/
    when MM_README_SHOTS=1 (so an ordinary test run leaves the committed images alone)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=not readme)
    if readme and os.environ.get("MM_README_SHOTS") == "1":
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, README_SHOTS / f"{name}.png")


def log_in(page: Page) -> None:
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def loaded_width(page: Page, img: Locator) -> int:
    """The image's natural width once the browser has finished loading it (0 if it failed).

    Visible is not loaded: the <img> shows as soon as it is in the page, its pixels come later.
    """
    handle = img.element_handle()
    page.wait_for_function("i => i.complete", arg=handle)
    return int(page.evaluate("i => i.naturalWidth", handle))


class Api:
    """The daemon's JSON API as the admin (to set the scene and check what the pages did)."""

    def __init__(self, daemon: Daemon) -> None:
        self.url = daemon.url
        found = httpx.post(
            self.url + "/api/auth/mobile-login", json={"username": "admin", "password": PASSWORD}, timeout=5
        ).json()["data"]
        self.headers = {"Authorization": f"Bearer {found['access_token']}"}

    def call(self, method: str, path: str, **kw: Any) -> Any:
        r = httpx.request(method, self.url + path, headers=self.headers, timeout=10, **kw)
        assert r.status_code < 300, r.text
        return r.json()["data"]

    def part(self, name: str) -> dict[str, Any]:
        return dict(self.call("GET", "/api/parts/get_part", params={"part_name": name}))


# The fixtures most phone tests share; a test file takes them with
# `from browser_support import api, browser, daemon, phone` (and names them in its __all__).
@pytest.fixture(scope="module")
def daemon(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """The real daemon with the demo bench, one per test file (its own data dir)."""
    yield from start_daemon(tmp_path_factory.mktemp(request.module.__name__.removeprefix("test_")) / "data")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


@pytest.fixture(scope="module")
def api(daemon: Daemon) -> Api:
    return Api(daemon)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    yield from phone_page(browser)
