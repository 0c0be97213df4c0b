"""Where supplier traffic may go, and how long it may take: fakes on 127.0.0.1 as the configured suppliers."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import FakeClock, bearer
from makermatrix_edge.services import Services
from makermatrix_edge.suppliers.outbound import AddressRefused, OutboundPolicy, is_public
from supplier_fakes import Fakes, Recorder, recording_server, supplier_fakes, supplier_settings
from tasks_support import quick, task_app, wait_task


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    with supplier_fakes() as running:
        yield running


@pytest.fixture
def other() -> Iterator[Recorder]:
    """Another service on this machine: the daemon itself, or anything else listening on loopback."""
    with recording_server() as running:
        yield running


def add_part(client: TestClient[Any], token: str, number: str) -> str:
    response = client.post(
        "/api/parts/add_part", json={"part_name": f"part {number}", "part_number": number}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["id"])


def get_part(client: TestClient[Any], token: str, part_id: str) -> dict[str, Any]:
    return dict(client.get(f"/api/parts/get_part?part_id={part_id}", headers=bearer(token)).json()["data"])


def enrich(client: TestClient[Any], token: str, part_id: str, until: str = "completed") -> dict[str, Any]:
    task = quick(client, token, "part_enrichment", part_id=part_id)
    return wait_task(client, token, task["id"], until, timeout=20)


def test_a_datasheet_redirected_to_the_daemons_own_backup_export_is_not_followed(
    tmp_path: Path, clock: FakeClock, fakes: Fakes, other: Recorder
) -> None:
    # `other` stands in for the daemon: its port is the daemon's port.
    fakes.redirects["/pdf/C2040.pdf"] = f"http://127.0.0.1:{other.port}/api/utility/backup/export"
    with task_app(tmp_path, clock, suppliers=supplier_settings(fakes), server={"port": other.port}) as (
        client,
        services,
        token,
    ):
        part_id = add_part(client, token, "C2040")
        task = enrich(client, token, part_id)
        warnings = task["result_data"]["warnings"]
        assert any("datasheet not saved" in w and "not a public address" in w for w in warnings), warnings
        part = get_part(client, token, part_id)
        assert part["datasheets"] == [] and part["manufacturer"] == "Raspberry Pi"  # the rest still applied
        assert part["image_url"]  # the picture on the supplier's own origin is fine
        assert not list((services.settings.data_dir / "datasheets").glob("*.pdf"))
    assert other.paths == []  # never asked


def test_a_picture_redirected_to_another_loopback_service_is_not_fetched_or_stored(
    tmp_path: Path, clock: FakeClock, fakes: Fakes, other: Recorder
) -> None:
    fakes.redirects["/img/C2040.png"] = f"{other.base}/internal/camera.png"
    fakes.easyeda_links["link"] = f"http://localhost:{other.port}/internal/sheet.pdf"  # a name, checked resolved
    with task_app(tmp_path, clock, suppliers=supplier_settings(fakes)) as (client, services, token):
        part_id = add_part(client, token, "C2040")
        task = enrich(client, token, part_id)
        warnings = task["result_data"]["warnings"]
        assert any(w.startswith("picture not saved") and "not a public address" in w for w in warnings), warnings
        assert any(w.startswith("datasheet not saved") and "localhost (127.0.0.1)" in w for w in warnings), warnings
        part = get_part(client, token, part_id)
        assert part["image_url"] is None and part["datasheets"] == []
        assert not list((services.settings.data_dir / "images").glob("*"))
    assert other.paths == []
    assert fakes.count("/img/C2040.png") == 1  # the supplier was asked; its redirect was not followed


def test_redirects_within_the_configured_origin_are_followed_with_a_hop_limit(
    app_fakes: tuple[TestClient[Any], Services, str, Fakes],
) -> None:
    client, _, token, fakes = app_fakes
    fakes.redirects["/pdf/C2040.pdf"] = "/pdf/C2040-current.pdf"
    part_id = add_part(client, token, "C2040")
    enrich(client, token, part_id)
    assert len(get_part(client, token, part_id)["datasheets"]) == 1
    fakes.redirects["/pdf/C25804.pdf"] = "/pdf/C25804.pdf"  # a loop
    looping = add_part(client, token, "C25804")
    task = enrich(client, token, looping)
    assert any("redirects more than 5 times" in w for w in task["result_data"]["warnings"])
    assert fakes.count("/pdf/C25804.pdf") == 6


def test_a_file_link_fails_that_download_alone_and_the_next_part_goes_on(
    app_fakes: tuple[TestClient[Any], Services, str, Fakes],
) -> None:
    client, _, token, fakes = app_fakes
    fakes.easyeda_links["link"] = "file:///etc/passwd"
    ids = [add_part(client, token, n) for n in ("C2040", "C25804")]
    task = quick(client, token, "bulk_enrichment", part_ids=ids)
    result = wait_task(client, token, task["id"], "completed", timeout=20)["result_data"]
    assert result["enriched"] == 2 and result["failed"] == 0, result
    for r in result["results"]:
        assert r["warnings"] == [
            "datasheet not saved: the datasheet link is not an http(s) address, so it is not fetched"
        ]
    assert get_part(client, token, ids[1])["manufacturer"] == "UNI-ROYAL(Uniroyal Elec)"


def test_credentials_never_follow_a_redirect_to_another_origin(
    tmp_path: Path, clock: FakeClock, fakes: Fakes, other: Recorder
) -> None:
    # `other` is a configured origin too (as LCSC's web shop), so only the credential rule can stop it.
    settings = supplier_settings(fakes, lcsc_web_url=other.base)
    with task_app(tmp_path, clock, suppliers=settings) as (client, services, token):
        fakes.redirects["/products/v4/search/BC857BLT1GOSCT-ND/productdetails"] = f"{other.base}/moved"
        enrich(client, token, add_part(client, token, "BC857BLT1GOSCT-ND"))  # found by keyword search instead
        assert other.paths == ["/moved"] and "authorization" not in other.headers[0]
        assert "x-digikey-client-id" not in other.headers[0]
        fakes.redirect_status = 307  # the token request carries the client secret in its body
        fakes.redirects = {"/v1/oauth2/token": f"{other.base}/token"}
        services.suppliers.get("digikey").forget_token()  # type: ignore[attr-defined]
        failed = enrich(client, token, add_part(client, token, "BC857BLT1G-ND"), until="failed")
        assert "redirects a request with a body to another address" in failed["error_message"]
        assert other.paths == ["/moved"]  # the secret never went there


@pytest.fixture
def app_fakes(tmp_path: Path, clock: FakeClock, fakes: Fakes) -> Iterator[tuple[TestClient[Any], Services, str, Fakes]]:
    with task_app(tmp_path, clock, suppliers=supplier_settings(fakes)) as (client, services, token):
        yield client, services, token, fakes


def test_which_addresses_count_as_public() -> None:
    public = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "1.1.1.1"]
    not_public = [
        "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.20", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:192.168.1.1", "224.0.0.1", "::",
    ]  # fmt: skip
    assert all(is_public(ipaddress.ip_address(a)) for a in public)
    assert not any(is_public(ipaddress.ip_address(a)) for a in not_public)


def test_a_configured_origin_may_be_on_loopback_but_never_the_daemon() -> None:
    policy = OutboundPolicy(["http://127.0.0.1:5000", "https://proxy.lan:8443/api"], daemon_port=8080)
    policy.check_addresses("127.0.0.1", 5000, ["127.0.0.1"], configured=True)
    policy.check_addresses("proxy.lan", 8443, ["192.168.1.9"], configured=True)
    with pytest.raises(AddressRefused, match="this daemon"):
        policy.check_addresses("127.0.0.1", 8080, ["127.0.0.1"], configured=True)
    with pytest.raises(AddressRefused, match="not a public address"):
        policy.check_addresses("127.0.0.1", 5001, ["127.0.0.1"], configured=False)
    with pytest.raises(AddressRefused, match="not a public address"):  # one bad address is enough
        policy.check_addresses("mixed.example", 443, ["93.184.216.34", "10.0.0.1"], configured=False)


# -- deadlines ---------------------------------------------------------------------------------


def test_a_supplier_trickling_its_answer_is_cut_at_the_request_deadline(
    tmp_path: Path, clock: FakeClock, fakes: Fakes
) -> None:
    fakes.trickle_seconds = 0.05  # one byte every 50 ms: each read gets something, the answer takes a minute
    with task_app(tmp_path, clock, suppliers=supplier_settings(fakes, timeout_seconds=1.0)) as (client, _, token):
        part_id = add_part(client, token, "C2040")
        started = time.monotonic()
        failed = enrich(client, token, part_id, until="failed")
        assert "did not finish answering within 1 s" in failed["error_message"], failed
        assert time.monotonic() - started < 15  # generous: the answer alone would take over a minute


def test_a_task_past_its_own_deadline_stops_while_a_supplier_trickles(
    tmp_path: Path, clock: FakeClock, fakes: Fakes
) -> None:
    fakes.trickle_seconds = 0.05
    with task_app(tmp_path, clock, suppliers=supplier_settings(fakes, timeout_seconds=120.0)) as (client, _, token):
        part_id = add_part(client, token, "C2040")
        task = quick(client, token, "part_enrichment", part_id=part_id)
        wait_task(client, token, task["id"], lambda t: fakes.count("/api/products/C2040") == 1, timeout=10)
        started = time.monotonic()
        clock.advance(301)  # the part_enrichment task's own 300 s have passed
        failed = wait_task(client, token, task["id"], "failed", timeout=15)
        assert "timed out after 300 s" in failed["error_message"], failed
        assert time.monotonic() - started < 15
        # A cancel, likewise, ends the request under way.
        task = quick(client, token, "part_enrichment", part_id=part_id)
        wait_task(client, token, task["id"], lambda t: fakes.count("/api/products/C2040") == 2, timeout=10)
        started = time.monotonic()
        assert client.post(f"/api/tasks/{task['id']}/cancel", headers=bearer(token)).status_code == 200
        wait_task(client, token, task["id"], "cancelled", timeout=15)
        assert time.monotonic() - started < 15
