"""Supplier enrichment end to end against fake LCSC, DigiKey and Mouser servers on 127.0.0.1."""

from __future__ import annotations

import logging
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from big_images import progressive_jpeg
from conftest import FakeClock, add_user, bearer, login
from makermatrix_edge.backups.service import BackupOptions
from makermatrix_edge.runtime.imaging import DecodeGate
from makermatrix_edge.services import Services
from supplier_fakes import MOUSER_KEY, Fakes, supplier_fakes, supplier_settings
from tasks_support import quick, task_app, wait_task


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    with supplier_fakes() as running:
        yield running


@pytest.fixture
def app(tmp_path: Path, clock: FakeClock, fakes: Fakes) -> Iterator[tuple[TestClient[Any], Services, str]]:
    drive = tmp_path / "drive"
    drive.mkdir()
    with task_app(tmp_path, clock, suppliers=supplier_settings(fakes), backup={"target": str(drive)}) as running:
        yield running


def add_part(client: TestClient[Any], token: str, name: str, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/parts/add_part", json={"part_name": name, **fields}, headers=bearer(token))
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def get_part(client: TestClient[Any], token: str, part_id: str) -> dict[str, Any]:
    return dict(client.get(f"/api/parts/get_part?part_id={part_id}", headers=bearer(token)).json()["data"])


def enrich(client: TestClient[Any], token: str, part_id: str, until: str = "completed", **body: Any) -> dict[str, Any]:
    task = quick(client, token, "part_enrichment", part_id=part_id, **body)
    return wait_task(client, token, task["id"], until, timeout=60)


def test_lcsc_c2040_gains_manufacturer_package_datasheet_and_picture_in_one_task(
    app: tuple[TestClient[Any], Services, str], fakes: Fakes
) -> None:
    client, services, token = app
    part = add_part(client, token, "RP2040 MCU", supplier="LCSC", part_number="C2040")
    task = enrich(client, token, part["id"])
    assert task["result_data"]["status"] == "enriched", task
    done = get_part(client, token, part["id"])
    assert done["manufacturer"] == "Raspberry Pi"
    assert done["manufacturer_part_number"] == "RP2040"
    assert done["additional_properties"]["package"] == "LQFN-56(7x7)"
    assert done["additional_properties"]["category_suggestion"] == "ICs"
    assert done["description"] == "Dual-core Arm Cortex-M0+ microcontroller"  # EasyEDA has none: the page's
    # The picture: downloaded from the protocol-relative thumb, checked, stored and thumbnailed like an upload.
    assert done["image_url"].startswith("/api/utility/get_image/")
    thumb = client.get(done["image_url"] + "?size=thumb")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/png"
    assert fakes.count("/img/C2040.png") == 1
    # The datasheet: stored as a PDF, served to logged-in users at a stable URL, refused to strangers.
    [sheet] = done["datasheets"]
    assert sheet["url"] == "/api/utility/static/datasheets/" + sheet["filename"]
    served = client.get(sheet["url"], headers=bearer(token))
    assert served.status_code == 200 and served.content.startswith(b"%PDF-")
    assert served.headers["content-type"] == "application/pdf"
    assert client.get(sheet["url"]).status_code == 401
    # Prices and stock from the product page, with the date fetched; each change logged with who and which task.
    extra = client.get(f"/api/parts/{part['id']}/enrichment", headers=bearer(token)).json()["data"]
    [offer] = extra["offers"]
    assert offer["stock"] == 48210 and offer["price_breaks"] == [{"quantity": 1, "unit_price": 0.7, "currency": "USD"}]
    assert offer["fetched_at"]
    fields = {e["field"] for e in extra["log"]}
    assert {"manufacturer", "properties.package", "image_url", "datasheet", "offer"} <= fields
    assert {e["username"] for e in extra["log"]} == {"admin"} and {e["task_id"] for e in extra["log"]} == {task["id"]}
    # The backup carries the datasheet folder.
    result = services.backups.create(BackupOptions())
    with zipfile.ZipFile(result.path) as zf:
        assert f"datasheets/{sheet['filename']}" in zf.namelist()


def test_values_a_person_typed_are_kept_unless_overwrite(app: tuple[TestClient[Any], Services, str]) -> None:
    client, _, token = app
    part = add_part(client, token, "10k resistor", part_number="C25804", manufacturer="My favourite maker")
    task = enrich(client, token, part["id"])
    assert "manufacturer" in task["result_data"]["kept"]
    kept = get_part(client, token, part["id"])
    assert kept["manufacturer"] == "My favourite maker"
    assert kept["manufacturer_part_number"] == "0603WAF1002T5E"  # was empty: filled
    assert kept["supplier"] == "lcsc"  # told by its number
    enrich(client, token, part["id"], overwrite=True)
    replaced = get_part(client, token, part["id"])
    assert replaced["manufacturer"] == "UNI-ROYAL(Uniroyal Elec)"
    log = client.get(f"/api/parts/{part['id']}/enrichment", headers=bearer(token)).json()["data"]["log"]
    change = next(e for e in log if e["field"] == "manufacturer")
    assert change["old_value"] == "My favourite maker" and change["new_value"] == "UNI-ROYAL(Uniroyal Elec)"


def test_digikey_token_is_cached_and_parameters_reach_parametric_search(
    app: tuple[TestClient[Any], Services, str], fakes: Fakes
) -> None:
    client, services, token = app
    first = add_part(client, token, "BC857B", part_number="BC857BLT1GOSCT-ND")
    second = add_part(client, token, "BC857B spare", supplier="Digi-Key", manufacturer_part_number="BC857BLT1G")
    enrich(client, token, first["id"])
    enrich(client, token, second["id"])  # no DigiKey number: found by keyword search on the MPN
    assert fakes.tokens_issued == 1
    done = get_part(client, token, first["id"])
    assert done["manufacturer"] == "onsemi" and done["additional_properties"]["Transistor Type"] == "PNP"
    assert done["datasheets"] and done["image_url"].startswith("/api/utility/get_image/")
    assert fakes.count("/img/BC857B.png") == 2  # PhotoUrl was protocol-relative
    found = client.post(
        "/api/parts/parametric",
        json={"filters": {"technology": "PNP", "v_max_min": "40V", "i_max_min": "0.1A"}},
        headers=bearer(token),
    ).json()["data"]
    assert {c["part_id"] for c in found} == {first["id"], second["id"]}
    offers = client.get(f"/api/parts/{first['id']}/enrichment", headers=bearer(token)).json()["data"]["offers"]
    assert [b["quantity"] for b in offers[0]["price_breaks"]] == [1, 10] and offers[0]["stock"] == 412345
    # An expired token is renewed before the next call.
    client_dk = services.suppliers.get("digikey")
    assert client_dk._token is not None  # type: ignore[attr-defined]
    client_dk._token = (client_dk._token[0], 0.0, client_dk._token[2])  # type: ignore[attr-defined]
    enrich(client, token, first["id"])
    assert fakes.tokens_issued == 2


def test_an_answer_with_very_many_parameters_keeps_the_first_and_applies_the_rest(
    app: tuple[TestClient[Any], Services, str], fakes: Fakes
) -> None:
    client, _, token = app
    fakes.extra_parameters = 600
    part = add_part(client, token, "BC857B", part_number="BC857BLT1GOSCT-ND")
    task = enrich(client, token, part["id"])
    assert "kept the first 100 of the supplier's 606 parameters" in task["result_data"]["warnings"]
    done = get_part(client, token, part["id"])
    props = done["additional_properties"]
    assert done["manufacturer"] == "onsemi" and done["datasheets"] and done["image_url"]
    assert props["Transistor Type"] == "PNP" and "Extra parameter 0093" in props and "Extra parameter 0094" not in props
    # A part whose own properties leave little room takes what fits and says what it left out.
    mine = {f"bin note {i}": "x" * 100 for i in range(150)}
    full = add_part(client, token, "BC857B mine", part_number="BC857BLT1GOSCT-ND", additional_properties=mine)
    task = enrich(client, token, full["id"])
    notes = [w for w in task["result_data"]["warnings"] if "properties not saved" in w]
    assert notes and "a part holds at most 200 in 32 KB" in notes[0], task["result_data"]["warnings"]
    props = get_part(client, token, full["id"])["additional_properties"]
    assert len(props) == 200 and all(props[k] == v for k, v in mine.items())


def test_digikey_not_subscribed_and_wrong_secret_fail_in_words(tmp_path: Path, clock: FakeClock, fakes: Fakes) -> None:
    fakes.digikey_subscribed = False
    with task_app(tmp_path, clock, suppliers=supplier_settings(fakes)) as (client, _, token):
        part = add_part(client, token, "BC857B", part_number="BC857BLT1GOSCT-ND")
        failed = enrich(client, token, part["id"], until="failed")
        assert "not subscribed" in failed["error_message"]
    with task_app(tmp_path / "b", clock, suppliers=supplier_settings(fakes, digikey_client_secret="wrong")) as (
        client,
        _,
        token,
    ):
        part = add_part(client, token, "BC857B", part_number="BC857BLT1GOSCT-ND")
        failed = enrich(client, token, part["id"], until="failed")
        assert "refused the client id and secret" in failed["error_message"]


def test_mouser_prices_stock_empty_results_and_a_refused_key(
    app: tuple[TestClient[Any], Services, str], fakes: Fakes
) -> None:
    client, _, token = app
    flash = add_part(client, token, "W25Q32", part_number="454-W25Q32JWSSIQ")
    enrich(client, token, flash["id"])
    done = get_part(client, token, flash["id"])
    assert done["manufacturer"] == "Winbond" and done["unit_price"] == 0.8 and done["currency"] == "USD"
    offers = client.get(f"/api/parts/{flash['id']}/enrichment", headers=bearer(token)).json()["data"]["offers"]
    assert offers[0]["stock"] == 5234 and offers[0]["price_breaks"][1]["unit_price"] == 0.66
    unknown = add_part(client, token, "mystery", part_number="595-NOSUCHPART")
    failed = enrich(client, token, unknown["id"], until="failed")
    assert "Mouser Electronics has no product '595-NOSUCHPART'" in failed["error_message"]


def test_mouser_key_refused_and_never_shown_or_logged(
    tmp_path: Path, clock: FakeClock, fakes: Fakes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = supplier_settings(fakes, mouser_api_key="")
    with task_app(tmp_path, clock, suppliers=settings) as (client, _, token):
        caps = client.get("/api/tasks/capabilities/suppliers/mouser", headers=bearer(token)).json()["data"]
        assert caps["enrichment_available"] is False and caps["missing_credentials"] == ["api_key"]
        assert "mouser_api_key" in caps["message"]
        part = add_part(client, token, "W25Q32", part_number="454-W25Q32JWSSIQ")
        failed = enrich(client, token, part["id"], until="failed")
        assert "needs api_key" in failed["error_message"]
        add_user(client, token, "mgr", "manager")
        manager = login(client, "mgr", "password-123")
        url = "/api/suppliers/mouser/credentials"
        assert client.post(url, json={"api_key": MOUSER_KEY}, headers=bearer(manager)).status_code == 403
        assert client.post(url, json={"apikey": "x"}, headers=bearer(token)).status_code == 422
        stored = client.post(url, json={"api_key": "not-the-key"}, headers=bearer(token))
        assert stored.status_code == 200 and stored.json()["data"]["credentials_source"] == "set by an admin"
        failed = enrich(client, token, part["id"], until="failed")
        assert "Mouser refused the API key (Invalid unique identifier.)" in failed["error_message"]
        client.post(url, json={"api_key": MOUSER_KEY}, headers=bearer(token))
        enrich(client, token, part["id"])
        removed = client.post(url, json={"api_key": ""}, headers=bearer(token)).json()["data"]
        assert removed["configured"] is False and removed["missing_credentials"] == ["api_key"]
        seen = [
            client.get(u, headers=bearer(token)).text
            for u in (
                "/api/suppliers/",
                "/api/suppliers/mouser/credentials/status",
                "/api/tasks/capabilities/suppliers",
                "/api/tasks/",
                f"/api/parts/{part['id']}/enrichment",
            )
        ]
    assert not any(MOUSER_KEY in text or "not-the-key" in text for text in seen)
    assert MOUSER_KEY not in caplog.text and "not-the-key" not in caplog.text


def test_429_retry_after_and_503_are_retried_within_limits(tmp_path: Path, clock: FakeClock, fakes: Fakes) -> None:
    with task_app(tmp_path, clock, suppliers=supplier_settings(fakes, max_retries=2)) as (client, _, token):
        part = add_part(client, token, "RP2040", part_number="C2040")
        fakes.throttle, fakes.retry_after = 1, "1"
        enrich(client, token, part["id"])
        assert fakes.count("/api/products/C2040") == 2  # refused once, asked again after Retry-After
        fakes.fail = 1
        enrich(client, token, part["id"])
        fakes.fail = 6  # beyond max_retries at EasyEDA and at the product page: the part fails with the reason
        failed = enrich(client, token, part["id"], until="failed", capabilities=["get_part_details"])
        assert failed["error_message"] == "LCSC answered HTTP 503 3 times; try again later"
        assert fakes.fail == 0
        fakes.fail = 0
        fakes.throttle, fakes.retry_after = 5, "600"  # longer than max_retry_after_seconds: no 10-minute wait
        failed = enrich(client, token, part["id"], until="failed")
        assert "asks to wait 600 s" in failed["error_message"]


def test_offline_supplier_fails_fast_with_offline_and_the_rest_goes_on(
    tmp_path: Path, clock: FakeClock, fakes: Fakes
) -> None:
    settings = supplier_settings(fakes, lcsc_api_url="http://127.0.0.1:9", lcsc_web_url="http://127.0.0.1:9")
    with task_app(tmp_path, clock, suppliers=settings) as (client, _, token):
        lcsc = [add_part(client, token, f"lcsc {i}", part_number=f"C{2040 + i}")["id"] for i in range(3)]
        mouser = add_part(client, token, "W25Q32", part_number="454-W25Q32JWSSIQ")["id"]
        task = quick(client, token, "bulk_enrichment", part_ids=[*lcsc, mouser])
        done = wait_task(client, token, task["id"], "completed", timeout=60)
        result = done["result_data"]
        assert result["failed"] == 3 and result["enriched"] == 1
        assert all(r["message"].startswith("offline: LCSC cannot be reached") for r in result["results"][:3])
        single = enrich(client, token, lcsc[0], until="failed")
        assert single["error_message"].startswith("offline")


def test_a_deadline_ends_a_hanging_supplier(tmp_path: Path, clock: FakeClock, fakes: Fakes) -> None:
    fakes.slow_seconds = 4.0  # the deadline (1 s: room for a slow connect on a busy machine) ends it first
    with task_app(tmp_path, clock, suppliers=supplier_settings(fakes, timeout_seconds=1.0)) as (client, _, token):
        part = add_part(client, token, "RP2040", part_number="C2040")
        failed = enrich(client, token, part["id"], until="failed")
        assert "did not answer within 1 s" in failed["error_message"]


def test_a_web_page_instead_of_a_pdf_is_not_stored_and_the_rest_is(
    app: tuple[TestClient[Any], Services, str], fakes: Fakes
) -> None:
    client, services, token = app
    fakes.datasheet_is_html = True
    part = add_part(client, token, "RP2040", part_number="C2040")
    task = enrich(client, token, part["id"])
    assert any("did not give a PDF" in w for w in task["result_data"]["warnings"])
    done = get_part(client, token, part["id"])
    assert done["datasheets"] == [] and done["manufacturer"] == "Raspberry Pi"
    assert not list((services.settings.data_dir / "datasheets").glob("*.pdf"))


@pytest.mark.slow
def test_a_progressive_jpeg_as_the_supplier_picture_is_refused_from_its_header(
    app: tuple[TestClient[Any], Services, str], fakes: Fakes
) -> None:
    """Issue 22 item 14: decoded without the photo gate, it took the daemon to 345 MB."""
    client, services, token = app
    fakes.picture = progressive_jpeg()
    part = add_part(client, token, "RP2040", part_number="C2040")
    task = enrich(client, token, part["id"])
    [warning] = [w for w in task["result_data"]["warnings"] if w.startswith("picture not saved")]
    assert "6000x6600 progressive JPEG would take" in warning and "at most 48 MB" in warning
    done = get_part(client, token, part["id"])
    assert done["image_url"] is None and done["manufacturer"] == "Raspberry Pi"  # the rest is kept
    assert not list((services.settings.data_dir / "images").glob("*.*"))


def test_the_supplier_picture_waits_for_the_photo_gate(
    app: tuple[TestClient[Any], Services, str], fakes: Fakes
) -> None:
    """The task thread takes a decode slot like a photo request: none free, the picture is skipped with a reason."""
    client, services, token = app
    gate = services.enrichment.gate
    assert gate is services.decode_gate  # one gate for photos, uploads and supplier pictures
    services.enrichment.gate = small = DecodeGate(slots=1, wait_seconds=0.3)
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        inside.set()
        release.wait(10)

    holder = threading.Thread(target=small.run_blocking, args=(hold,))
    holder.start()
    try:
        assert inside.wait(5)
        part = add_part(client, token, "RP2040", part_number="C2040")
        task = enrich(client, token, part["id"])
        assert "picture not saved: Busy decoding other images; try again in 1 s" in task["result_data"]["warnings"]
        assert get_part(client, token, part["id"])["image_url"] is None
    finally:
        release.set()
        holder.join(5)
    again = enrich(client, token, part["id"], force_refresh=True)
    assert not any("picture" in w for w in again["result_data"]["warnings"])
    assert get_part(client, token, part["id"])["image_url"].startswith("/api/utility/get_image/")


def test_bulk_enrichment_reports_progress_over_ws_and_can_be_cancelled(
    tmp_path: Path, clock: FakeClock, fakes: Fakes
) -> None:
    slow = supplier_settings(fakes, lcsc_requests_per_minute=120.0)  # 0.5 s apart: the task is still running
    with task_app(tmp_path, clock, suppliers=slow) as (client, _, token):
        ids = [
            add_part(client, token, f"part {i}", part_number="C2040" if i % 2 else "C25804")["id"] for i in range(200)
        ]
        with client.websocket_connect(f"/ws/tasks?token={token}") as ws:
            ws.receive_json(timeout=5)
            task = quick(client, token, "bulk_enrichment", part_ids=ids, capabilities=["get_part_details"])
            seen: list[int] = []
            while len([p for p in seen if p > 0]) < 2:
                message = ws.receive_json(timeout=10)
                if message["type"] == "task_update" and message["data"]["id"] == task["id"]:
                    seen.append(message["data"]["progress_percentage"])
        assert max(seen) > 0
        cancelled = client.post(f"/api/tasks/{task['id']}/cancel", headers=bearer(token)).json()["data"]
        final = wait_task(client, token, cancelled["id"], "cancelled", timeout=60)
        assert final["progress_percentage"] < 100


def test_capability_routes(app: tuple[TestClient[Any], Services, str]) -> None:
    client, _, token = app
    listed = client.get("/api/tasks/capabilities/suppliers", headers=bearer(token)).json()
    assert list(listed["data"]) == ["lcsc", "digikey", "mouser"]  # keyed by supplier, as MakerMatrix answers
    assert all("get_part_details" in caps for caps in listed["data"].values())
    assert listed["message"].endswith("ready for enrichment: lcsc, digikey, mouser")
    one = client.get("/api/tasks/capabilities/suppliers/LCSC", headers=bearer(token)).json()["data"]
    assert "fetch_datasheet" in one["capabilities"] and one["message"] == "LCSC Electronics needs no credentials"
    found = client.get("/api/tasks/capabilities/find/fetch_image", headers=bearer(token))
    assert len(found.json()["data"]) == 3
    assert client.get("/api/tasks/capabilities/find/teleport", headers=bearer(token)).status_code == 422
    assert client.get("/api/tasks/capabilities/suppliers/farnell", headers=bearer(token)).status_code == 404
    bad = client.post(
        "/api/tasks/quick/part_enrichment",
        json={"part_id": "nope", "capabilities": ["fetch_datasheet"]},
        headers=bearer(token),
    )
    assert bad.status_code == 404
    part = add_part(client, token, "x", part_number="C2040")
    bad = client.post(
        "/api/tasks/quick/part_enrichment",
        json={"part_id": part["id"], "capabilities": ["teleport"]},
        headers=bearer(token),
    )
    assert bad.status_code == 422 and "teleport" in bad.json()["message"]


def test_a_part_without_a_known_supplier_says_what_to_do(app: tuple[TestClient[Any], Services, str]) -> None:
    client, _, token = app
    part = add_part(client, token, "mystery resistor")
    failed = enrich(client, token, part["id"], until="failed")
    assert "Cannot tell the supplier" in failed["error_message"]


def test_price_update_and_single_fetches(app: tuple[TestClient[Any], Services, str], fakes: Fakes) -> None:
    client, _, token = app
    part = add_part(client, token, "W25Q32", part_number="454-W25Q32JWSSIQ", manufacturer="mine")
    task = quick(client, token, "price_update", part_ids=[part["id"]])
    done = wait_task(client, token, task["id"], "completed", timeout=60)
    assert done["result_data"]["enriched"] == 1
    after = get_part(client, token, part["id"])
    assert after["manufacturer"] == "mine" and after["datasheets"] == [] and after["image_url"] is None
    task = quick(client, token, "datasheet_fetch", part_id=part["id"])
    wait_task(client, token, task["id"], "completed", timeout=60)
    task = quick(client, token, "image_fetch", part_id=part["id"])
    wait_task(client, token, task["id"], "completed", timeout=60)
    after = get_part(client, token, part["id"])
    assert len(after["datasheets"]) == 1 and after["image_url"].startswith("/api/utility/get_image/")
    everything = quick(client, token, "price_update", update_all=True)
    assert wait_task(client, token, everything["id"], "completed", timeout=60)["result_data"]["total"] == 1


def test_lcsc_product_page_json_ld_is_the_fallback_when_easyeda_has_nothing(
    app: tuple[TestClient[Any], Services, str], fakes: Fakes
) -> None:
    client, _, token = app
    part = add_part(client, token, "Blue pill MCU", part_number="C8734")
    task = enrich(client, token, part["id"])
    assert fakes.count("/api/products/C8734/components") == 1  # asked first: result null
    done = get_part(client, token, part["id"])
    assert done["manufacturer"] == "STMicroelectronics" and done["manufacturer_part_number"] == "STM32F103C8T6"
    assert done["additional_properties"]["package"] == "LQFP-48(7x7)"
    assert done["image_url"].startswith("/api/utility/get_image/") and len(done["datasheets"]) == 1
    assert task["result_data"]["category_suggestion"] == "Microcontrollers (MCU/MPU/SOC)"


def test_a_value_enrichment_wrote_is_refreshed_without_overwrite(
    app: tuple[TestClient[Any], Services, str], fakes: Fakes
) -> None:
    client, _, token = app
    part = add_part(client, token, "10k", part_number="C25804")
    enrich(client, token, part["id"])
    assert get_part(client, token, part["id"])["manufacturer"] == "UNI-ROYAL(Uniroyal Elec)"
    original = fakes.easyeda

    def renamed(number: str) -> dict[str, Any]:
        answer = original(number)
        answer["result"]["dataStr"]["head"]["c_para"]["Manufacturer"] = "Uniroyal"
        return answer

    fakes.easyeda = renamed  # type: ignore[method-assign]
    task = enrich(client, token, part["id"])
    assert "manufacturer" in task["result_data"]["changed"]
    assert get_part(client, token, part["id"])["manufacturer"] == "Uniroyal"


def test_an_order_import_with_enrichment_fills_in_its_new_parts(app: tuple[TestClient[Any], Services, str]) -> None:
    """The import's enrichment hook runs the real enrichment service against the supplier (fake)."""
    client, _, token = app
    header = (
        "LCSC Part Number,Manufacture Part Number,Manufacturer,Customer NO.,Package,Description,RoHS,"
        "Order Qty.,Min\\Mult Order Qty.,Unit Price($),Order Price($)"
    )
    csv = f"{header}\nC2040,,,,,MCU,YES,5,1\\1,0.70,3.50\n"
    response = client.post(
        "/api/import/file",
        files={"file": ("LCSC_Exported__20250301_101010.csv", csv.encode())},
        data={"enable_enrichment": "true"},
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    result = response.json()["data"]
    task = wait_task(client, token, result["enrichment_task_id"], "completed", timeout=60)
    assert task["task_type"] == "file_import_enrichment" and task["result_data"]["enriched"] == 1, task
    part = get_part(client, token, result["created_part_ids"][0])
    assert part["manufacturer"] == "Raspberry Pi" and part["manufacturer_part_number"] == "RP2040"
    assert part["quantity"] == 5 and part["datasheets"], part
