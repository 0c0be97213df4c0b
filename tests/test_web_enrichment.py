"""Phone pages: "Fetch details" on a part, picture, datasheet, prices and stock; thumbnails; supplier keys."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import FakeClock, bearer
from makermatrix_edge.services import Services
from supplier_fakes import MOUSER_KEY, Fakes, supplier_fakes, supplier_settings
from tasks_support import task_app, wait_task
from web_helpers import page_login, post_form, said


@pytest.fixture
def app(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[TestClient[Any], Services, str, Fakes]]:
    with (
        supplier_fakes() as fakes,
        task_app(tmp_path, clock, suppliers=supplier_settings(fakes, mouser_api_key="")) as (
            client,
            services,
            token,
        ),
    ):
        yield client, services, token, fakes


def _rp2040(client: TestClient[Any], token: str) -> dict[str, Any]:
    """A part LCSC knows (by its C number), added through the API."""
    made = client.post(
        "/api/parts/add_part",
        json={"part_name": "RP2040 MCU", "supplier": "LCSC", "part_number": "C2040"},
        headers=bearer(token),
    )
    return dict(made.json()["data"])


def test_fetch_details_shows_picture_datasheet_prices_and_stock(
    app: tuple[TestClient[Any], Services, str, Fakes],
) -> None:
    client, _, token, _ = app
    made = _rp2040(client, token)
    assert page_login(client).status_code == 303
    before = client.get(f"/p/{made['id']}").text
    assert "Fetch details from LCSC" in before and "No supplier details fetched yet" in before
    answer = post_form(client, f"/p/{made['id']}", f"/p/{made['id']}/enrich")
    assert answer.status_code == 303 and "Fetching details" in said(answer)
    tasks = client.get("/api/tasks/?task_type=part_enrichment", headers=bearer(token)).json()["data"]
    wait_task(client, token, tasks[0]["id"], "completed", timeout=20)
    html = client.get(f"/p/{made['id']}").text
    assert re.search(
        r'<img class="photo" src="/api/utility/get_image/[0-9a-f-]+\.png\?size=page"', html
    )  # a page-sized copy
    link = re.search(r'href="(/datasheets/[0-9a-f]{64}\.pdf)"', html)
    assert link, html
    assert "48,210 in stock" in html and "1+: 0.7 USD" in html
    pdf = client.get(link.group(1))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    listed = client.get("/search?q=RP2040").text
    assert re.search(r'<img class="thumb" src="/api/utility/get_image/[0-9a-f-]+\.png\?size=thumb"', listed), listed
    client.cookies.clear()
    assert client.get(link.group(1), follow_redirects=False).status_code in (302, 303)


def test_admin_sets_supplier_keys_on_the_page_and_never_sees_them_again(
    app: tuple[TestClient[Any], Services, str, Fakes],
) -> None:
    client, _, token, _ = app
    page_login(client)
    html = client.get("/suppliers").text
    mouser = html.split('id="s-mouser"', 1)[1].split("</section>", 1)[0]
    assert "Not set up yet: enter its API key below (from your Mouser Electronics developer account)." in mouser
    assert "Works without keys." in html.split('id="s-lcsc"', 1)[1].split("</section>", 1)[0]
    assert "in the config" not in html and "api_key:" not in html and "on the Suppliers page" not in html
    done = post_form(client, "/suppliers", "/suppliers/mouser", api_key=MOUSER_KEY)
    assert done.status_code == 303
    after = client.get(done.headers["location"]).text
    assert said(done) == "Mouser Electronics: Set up: its keys are stored here."
    assert "Set up: its keys are stored here." in after and MOUSER_KEY not in after
    status = client.get("/api/suppliers/mouser/credentials/status", headers=bearer(token)).json()["data"]
    assert status["configured"] is True


def test_a_failed_fetch_is_told_on_the_part_page_and_in_tasks_in_words(tmp_path: Path, clock: FakeClock) -> None:
    # LCSC's address is a closed port on this machine: the supplier cannot be reached, as with no internet.
    with (
        supplier_fakes() as fakes,
        task_app(
            tmp_path,
            clock,
            suppliers=supplier_settings(fakes, lcsc_api_url="http://127.0.0.1:9", lcsc_web_url="http://127.0.0.1:9"),
        ) as (client, _, token),
    ):
        made = _rp2040(client, token)
        assert page_login(client).status_code == 303
        answer = post_form(client, f"/p/{made['id']}", f"/p/{made['id']}/enrich")
        assert said(answer) == "Fetching details from the supplier; reload in a moment"
        tasks = client.get("/api/tasks/?task_type=part_enrichment", headers=bearer(token)).json()["data"]
        failed = wait_task(client, token, tasks[0]["id"], "failed", timeout=20)
        assert "cannot be reached" in failed["error_message"]  # the API keeps the technical reason
        page = client.get(f"/p/{made['id']}").text
        said_there = re.search(r'<p class="error" role="status">([^<]+)</p>', page)
        assert said_there, page
        assert re.fullmatch(
            r"Fetching details failed at \d\d:\d\d: LCSC cannot be reached \(no internet\?\)\. "
            r"Check the Pi&#39;s network, then fetch again\.",
            said_there.group(1),
        ), said_there.group(1)
        assert "No supplier details fetched yet" not in page and "Fetch details from LCSC" in page  # the way on
        listed = client.get("/tasks").text
        assert "Fetch details for RP2040 MCU" in listed and made["id"] not in listed
        assert "LCSC cannot be reached (no internet?)" in listed
        assert "Errno" not in listed and "127.0.0.1" not in listed and "offline:" not in listed
        assert "Starting" not in listed  # a finished task's last step is not shown
