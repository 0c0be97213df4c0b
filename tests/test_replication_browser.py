"""The Backups page at 360 px with replication on: the replica's state and the two kinds of copy explained."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_support import PASSWORD, launch, log_in, phone_page, shot
from daemon_process import Daemon
from replication_support import litestream_or_skip, replication_env

pytestmark = pytest.mark.browser


def test_backups_page_shows_the_replica_on_a_phone(tmp_path: Path) -> None:
    litestream_or_skip()
    folder = tmp_path / "usb" / "makermatrix"
    folder.mkdir(parents=True)
    env = {"MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD, **replication_env(f"file://{folder}")}
    daemon = Daemon(tmp_path / "data", env=env)
    try:
        daemon.wait_healthy(timeout=60)
        for browser in launch():
            for page in phone_page(browser):
                page.goto(daemon.url + "/backups")
                log_in(page)
                page.goto(daemon.url + "/backups")
                expect(page.get_by_role("heading", name="Continuous replica")).to_be_visible()
                # The state shown is what the daemon knew when the page was made: reload until it synced.
                for _ in range(50):
                    if page.get_by_text("up to date").count():
                        break
                    page.wait_for_timeout(200)
                    page.reload()
                expect(page.get_by_text("up to date")).to_be_visible()
                page.get_by_text("Backup or replica?").click()
                expect(page.get_by_text("every change within about a second")).to_be_visible()
                assert page.evaluate("document.documentElement.scrollWidth") <= 360
                assert page.get_by_text("Backup or replica?").bounding_box()["height"] >= 40  # type: ignore[index]
                shot(page, "backups-replica")
    finally:
        daemon.stop()
