"""Issue 17 in-process: one-time messages (10), errors back on the page in words (4), stock add/count/undo (1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import FakeClock
from makermatrix_edge.web.timefmt import ago, local
from tasks_support import wait_task
from web_helpers import Bench, csrf_of, flash_of, logged_in, make_bench, said

FROM = "http://testserver.local"


@pytest.fixture
def bench(tmp_path: Path, clock: FakeClock) -> Iterator[Bench]:
    # No backup drive on a test machine: backups go to the data dir (the page must say so).
    yield from make_bench(tmp_path, clock, backup={"fallback_to_data_dir": True})


@pytest.fixture
def web(bench: Bench) -> TestClient[Any]:
    return logged_in(bench)


def post_from(client: TestClient[Any], page: str, action: str, **fields: str) -> Any:
    """A form post as the browser sends it: from `page` (the Referer our Referrer-Policy keeps)."""
    html = client.get(page).text
    return client.post(
        action, data={"csrf_token": csrf_of(html), **fields}, headers={"Referer": FROM + page}, follow_redirects=False
    )


def quantity(bench: Bench) -> int:
    r = bench.client.get(f"/api/parts/get_part?part_id={bench.ne555['id']}", headers=bench.headers)
    return int(r.json()["data"]["quantity"])


def test_10_the_message_shows_once_and_no_link_can_set_it(web: TestClient[Any], bench: Bench) -> None:
    url = f"/p/{bench.ne555['id']}"
    r = post_from(web, url, f"{url}/adjust", take="2")
    assert r.status_code == 303 and r.headers["location"] == url  # nothing in the URL
    first = web.get(url).text
    assert "Taken 2: 8 left" in first
    assert "Taken 2" not in web.get(url).text  # a reload does not repeat it
    assert "Hacked" not in web.get(f"{url}?said=Hacked").text
    web.cookies.set("mm_flash", "eyJvayI6IkhhY2tlZCJ9.0000")  # {"ok":"Hacked"} with a made-up signature
    assert "Hacked" not in web.get(url).text


def test_4_errors_come_back_on_the_page_in_words_with_the_form(web: TestClient[Any], bench: Bench) -> None:
    url = f"/p/{bench.ne555['id']}"
    r = post_from(web, url, f"{url}/adjust", take="50")
    assert r.status_code == 303 and r.headers["location"] == url
    kept = flash_of(r)
    assert kept["error"] == "Only 10 in stock, cannot take 50." and kept["kept"] == {"take": "50"}
    page = web.get(url).text
    assert 'class="error" role="alert">Only 10 in stock, cannot take 50.' in page
    assert "data-kept=" in page and 'aria-label="Main"' in page and "delta:" not in page
    r = post_from(web, url, f"{url}/print", copies="0")
    assert flash_of(r)["error"] == "Copies must be between 1 and 20."
    r = post_from(web, "/parts/new", "/parts/new", part_name="  ", quantity="1")
    assert r.status_code == 400 and "The name must not be empty." in r.text and "$.part_name" not in r.text
    html = web.get("/scan").text
    r = web.post(
        "/scan",
        data={"csrf_token": csrf_of(html)},
        files={"file": ("photo.jpg", b"not an image at all", "image/jpeg")},
        headers={"Referer": FROM + "/scan"},
        follow_redirects=False,
    )
    text = flash_of(r).get("error", "") if r.status_code == 303 else r.text
    assert "not a photo this page can read" in text and "BytesIO" not in text
    missing = web.get("/p/nope")  # an error page keeps the bar: never a dead end
    assert missing.status_code == 404 and 'aria-label="Main"' in missing.text and 'href="/scan"' in missing.text
    assert quantity(bench) == 10


def test_1_add_count_and_undo_within_a_minute(web: TestClient[Any], bench: Bench, clock: FakeClock) -> None:
    url = f"/p/{bench.ne555['id']}"
    r = post_from(web, url, f"{url}/adjust", add="5")
    assert said(r) == "Added 5: 15 left" and quantity(bench) == 15
    r = post_from(web, url, f"{url}/count", count="12")
    assert said(r) == "Counted 12 (-3)" and quantity(bench) == 12
    page = web.get(url).text
    assert 'action="' + url + '/undo"' in page
    history = bench.client.get(f"/api/parts/{bench.ne555['id']}/history", headers=bench.headers)
    assert "counted" in history.text
    undo = flash_of(r)["undo"]
    fields = {"delta": str(undo["delta"]), "at": repr(undo["at"]), "sig": undo["sig"]}
    done = post_from(web, url, f"{url}/undo", **fields)
    assert said(done) == "Undone: 15 in stock" and quantity(bench) == 15
    again = post_from(web, url, f"{url}/undo", **fields)
    assert "already undone" in flash_of(again)["error"] and quantity(bench) == 15
    r = post_from(web, url, f"{url}/adjust", take="1")
    undo = flash_of(r)["undo"]
    clock.advance(61)
    late = post_from(web, url, f"{url}/undo", delta=str(undo["delta"]), at=repr(undo["at"]), sig=undo["sig"])
    assert "60 seconds" in flash_of(late)["error"] and quantity(bench) == 14
    forged = post_from(web, url, f"{url}/undo", delta="-100", at=repr(undo["at"]), sig=undo["sig"])
    assert "not yours" in flash_of(forged)["error"] and quantity(bench) == 14


def test_3_a_failed_print_is_red_and_says_what_to_do(web: TestClient[Any], bench: Bench) -> None:
    url = f"/p/{bench.ne555['id']}"
    bench.services.labels.script_simulator("ready", "29")
    bench.client.get("/api/printer/status?refresh=true", headers=bench.headers)  # the page shows what is known
    page = web.get(url).text
    options = page[page.index('<select id="template"') :].split("</select>", 1)[0]
    assert "Loaded: 29 mm tape" in page
    fit, other = options.split('<optgroup label="Need other tape">')
    assert '<optgroup label="Fit the loaded 29 mm tape">' in fit and fit.count("<option") >= 1  # those first
    assert '<option value="">Default</option>' in fit.split("<optgroup")[0] and "<option" in other
    r = post_from(web, url, f"{url}/print", copies="1")
    shown = flash_of(r)
    assert "ok" not in shown and "not printed" in shown["error"] and "Load 62 mm tape" in shown["error"]
    follow = web.get(url).text
    assert 'class="error" role="alert">' in follow and "Load 62 mm tape" in follow


def test_5_move_with_a_searching_picker_and_it_shows_in_the_history(
    web: TestClient[Any], bench: Bench, clock: FakeClock
) -> None:
    url = f"/p/{bench.ne555['id']}"
    clock.advance(5)
    assert f'href="{url}/move"' in web.get(url).text
    picker = web.get(f"{url}/move", params={"q": "shelf"}).text
    assert "Shelf 1" in picker and 'value="' + bench.shelf + '"' in picker
    assert 'value="' + bench.drawer + '"' not in web.get(f"{url}/move", params={"q": "nothing like it"}).text
    r = post_from(web, f"{url}/move?q=shelf", f"{url}/move", location_id=bench.shelf)
    assert said(r) == "Moved from Shelf 1 / Drawer A to Shelf 1"
    page = web.get(url).text
    history = page[page.index('id="hist-h"') :]
    moved = "Moved from Shelf 1 / Drawer A to Shelf 1"
    assert moved in history and history.index(moved) < history.index("created")
    assert page.index('id="hist-h"') < page.index('id="print-h"')  # the history sits above the label
    recent = web.get(f"{url}/move").text
    assert "Recent places" not in recent or bench.shelf not in recent.split("All places")[0]  # not where it is
    post_from(web, f"{url}/edit", f"{url}/edit", part_name="NE555 timer DIP-8", min_quantity="5")
    assert "Edited: part name" in web.get(url).text
    api = bench.client.get(f"/api/parts/{bench.ne555['id']}/history", headers=bench.headers).json()
    assert all(m["delta"] != 0 for m in api["data"])  # the API's stock history stays stock only


def test_13_search_folds_punctuation_shows_more_and_is_compact(web: TestClient[Any], bench: Bench) -> None:
    for i in range(23):
        bench.client.post(
            "/api/parts/add_part", json={"part_name": f"ESP32-C3 Wi-Fi module {i:02d}"}, headers=bench.headers
        )
    first = web.get("/", params={"q": "wifi"}).text
    assert "ESP32-C3 Wi-Fi module" in first and "23 parts found, 20 shown" in first
    assert 'href="/?q=wifi&amp;n=40"' in first and 'class="thumb"' in first
    more = web.get("/", params={"q": "wifi", "n": "40"}).text
    assert more.count('class="card part"') == 23 and "Show more" not in more
    assert "23 parts found" in web.get("/", params={"q": "esp32c3"}).text
    assert "No part matches" not in web.get("/search", params={"q": "wi-fi"}).text


def test_11_backups_follow_the_task_warn_about_the_sd_card_and_download(web: TestClient[Any], bench: Bench) -> None:
    r = post_from(web, "/backups", "/backups/run")
    assert r.status_code == 303 and r.headers["location"] == "/backups" and "ok" not in flash_of(r)  # no "started"
    token = bench.headers["Authorization"].split(" ", 1)[1]
    tasks = bench.client.get("/api/tasks/", headers=bench.headers).json()["data"]
    backup = next(t for t in tasks if t["task_type"] == "backup_creation")
    done = wait_task(bench.client, token, backup["id"], lambda t: t["status"] in ("completed", "failed"), timeout=30)
    assert done["status"] == "completed", done
    page = web.get("/backups").text
    assert "Latest backup: done" in page and "data-running" not in page  # the task as it is
    # The walk's #4: what the page polls while a backup runs holds the last result too, so the page
    # never says "Last result: never" above "Latest backup: done" until a reload.
    polled = web.get("/backups/status").text
    assert "Latest backup: done" in polled and "<dt>Last result</dt><dd>success</dd>" in polled
    assert "none yet" not in polled and "never" not in polled
    assert page.count("<dt>Last result</dt>") == 1  # said once, inside the polled part
    assert "No backup drive found" in page and "on the SD card" in page  # the test bench has no drive
    link = re.search(r'href="(/backups/download/[^"]+)"', page)
    assert link, page
    got = web.get(link.group(1))
    assert got.status_code == 200 and got.content[:2] == b"PK"
    listed = page[page.index("Backups kept") :]
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d", listed)  # no raw ISO stamps


def test_times_read_as_a_person_says_them() -> None:
    now = 1_800_000_000.0
    stamp = datetime.fromtimestamp(now - 180, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ago(stamp, now) == "3 min ago" and ago(stamp, now - 170) == "just now"
    assert local(stamp) == datetime.fromtimestamp(now - 180).strftime("%Y-%m-%d %H:%M")  # the Pi's own zone
