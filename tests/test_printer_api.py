"""Printing over HTTP through the real brother_ql USB path, with a simulated QL on the USB bus."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from litestar.testing import TestClient
from PIL import Image, ImageChops

from app_pool import client_for
from conftest import ADMIN_PASSWORD, FakeClock, bearer, login, make_settings
from inventory_helpers import add_location, add_part
from makermatrix_edge.bounds import MAX_INT
from makermatrix_edge.codes.payload import parse_payload
from makermatrix_edge.daemon import build_services
from makermatrix_edge.devices.printer.brother import BrotherQL
from makermatrix_edge.devices.printer.media import label_size
from makermatrix_edge.devices.printer.simulator import SimulatedQL, SimulatedUsb
from makermatrix_edge.labels.raster import decode, printable_area
from makermatrix_edge.services import Services
from test_ws import receive_until

PUBLIC = "http://bench.test:8080"


class Bench:
    def __init__(self, client: TestClient[Any], services: Services, bus: SimulatedUsb, headers: dict[str, str]) -> None:
        self.client, self.services, self.bus, self.headers = client, services, bus, headers
        self.sim = bus.printers[0]

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(path, json=body, headers=self.headers)

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)


@pytest.fixture
def bench(tmp_path: Path, clock: FakeClock) -> Iterator[Bench]:
    settings = make_settings(
        tmp_path / "data",
        server={"public_url": PUBLIC},
        printer={"kind": "brother_ql", "identifier": "usb://0x04f9:0x2042", "model": "QL-700", "default_label": "29x90",
                 "io_timeout_seconds": 0.5, "confirm_timeout_seconds": 1.0, "poll_seconds": 1.0},
    )  # fmt: skip
    services = build_services(settings, clock=clock, admin_password=ADMIN_PASSWORD)
    bus = SimulatedUsb(SimulatedQL("QL-700", media="29x90"))
    services.labels.queue.printer = BrotherQL("QL-700", "usb://0x04f9:0x2042", io_timeout=0.5, confirm_timeout=1.0,
                                              usb_backend=bus)  # fmt: skip
    try:
        with client_for(services) as client:
            yield Bench(client, services, bus, bearer(login(client, "admin", ADMIN_PASSWORD)))
    finally:
        services.close()


def _png(content: bytes) -> Image.Image:
    return Image.open(io.BytesIO(content))


def test_preview_prints_exactly_and_the_qr_opens_the_part(bench: Bench) -> None:
    location = add_location(bench.client, bench.headers, "Drawer A2")
    part = add_part(bench.client, bench.headers, "LM317T", part_number="LM317T-ND", location_id=location)
    preview = bench.post("/api/printer/preview", {"part_id": part["id"], "label_size": "29x90"})
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/png"
    shown = _png(preview.content)
    assert shown.size == (306, 991)
    assert (preview.headers["x-label-width"], preview.headers["x-label-height"]) == ("306", "991")
    codes = [c.text for c in zxingcpp.read_barcodes(shown.convert("L"))]
    assert codes == [f"{PUBLIC}/p/{part['id']}"]
    parsed = parse_payload(codes[0])  # the scanner reads it back to this part
    assert (parsed.kind, parsed.entity_id) == ("own_part", part["id"])

    answer = bench.post(f"/api/parts/{part['id']}/print", {"label_size": "29x90", "wait": True})
    assert answer.status_code == 202, answer.text
    job = answer.json()["data"]
    assert (job["state"], job["reason"], job["printed"]) == ("done", None, 1)
    assert answer.json()["message"] == "Printed 1 label for 'LM317T'"
    page = decode(bench.sim.jobs[-1])[0]
    printed = printable_area(page, label_size("29x90"), "QL-700")
    assert ImageChops.difference(printed.convert("L"), shown.convert("L")).getbbox() is None
    assert bench.get(f"/api/printer/jobs/{job['id']}").json()["data"]["state"] == "done"


def test_wrong_media_and_unplugged_give_clear_reasons(bench: Bench) -> None:
    part = add_part(bench.client, bench.headers, "NE555")
    bench.sim.media = "62"
    failed = bench.post(f"/api/parts/{part['id']}/print", {"label_size": "29x90", "wait": True}).json()
    assert failed["status"] == "error"
    assert failed["data"]["reason"] == "62 mm endless loaded, template needs 29x90"
    assert failed["message"] == "Label for 'NE555' not printed: 62 mm endless loaded, template needs 29x90"

    bench.sim.state = "unplugged"
    token = bench.headers["Authorization"].split()[1]
    with bench.client.websocket_connect(f"/ws/events?token={token}") as ws:
        ws.receive_json(timeout=5)  # hello
        failed = bench.post(f"/api/parts/{part['id']}/print", {"wait": True}).json()
        offline = receive_until(ws, lambda m: m["type"] == "printer_status")[-1]["data"]
    assert (offline["state"], offline["reason"]) == ("offline", "unplugged")
    assert failed["data"]["reason"] == "unplugged"  # the open USB handle went away
    status = bench.get("/api/printer/status").json()["data"]
    assert (status["state"], status["reason"]) == ("offline", "no printer on USB (04f9:2042)")
    health = bench.get("/api/health").json()["data"]["devices"]["printer"]
    assert health["state"] == "offline"

    bench.sim.state, bench.sim.media = "ready", "29x90"  # plugged back in; found without a restart
    status = bench.get("/api/printer/status").json()["data"]
    assert status["state"] == "ready" and status["model"] == "QL-700"
    assert status["media"] == {"width_mm": 29, "type": "die-cut", "length_mm": 90, "description": "29x90"}
    done = bench.post(f"/api/parts/{part['id']}/print", {"wait": True}).json()
    assert done["data"]["state"] == "done"


def test_jobs_queue_in_order_and_show_on_the_events_socket(bench: Bench) -> None:
    parts = [add_part(bench.client, bench.headers, f"Part {i}")["id"] for i in range(3)]
    token = bench.headers["Authorization"].split()[1]
    with bench.client.websocket_connect(f"/ws/events?token={token}") as ws:
        ws.receive_json(timeout=5)  # hello
        batch = bench.post("/api/printer/print_batch", {"part_ids": parts})
        assert batch.status_code == 202 and [j["state"] for j in batch.json()["data"]] == ["queued"] * 3
        last = batch.json()["data"][-1]["id"]
        seen = receive_until(ws, lambda m: m["type"] == "printer_job" and m["data"]["id"] == last
                             and m["data"]["state"] == "done")  # fmt: skip
    states = [(m["data"]["title"], m["data"]["state"]) for m in seen if m["type"] == "printer_job"]
    assert [s for s in states if s[1] == "done"] == [("Part 0", "done"), ("Part 1", "done"), ("Part 2", "done")]
    assert ("Part 0", "printing") in states
    assert len(bench.sim.jobs) == 3
    listed = bench.get("/api/printer/jobs").json()["data"]
    assert [j["title"] for j in listed[:3]] == ["Part 2", "Part 1", "Part 0"]


def test_spec_routes_print_label_qr_and_config(bench: Bench) -> None:
    part = add_part(bench.client, bench.headers, "BC547")
    answer = bench.post("/api/printer/print_label", {"part": {"id": part["id"]}, "label_size": "29x90", "wait": True})
    assert answer.json()["data"]["state"] == "done", answer.text
    by_name = bench.post("/api/printer/print_label", {"part_name": "BC547", "wait": True, "copies": 2})
    assert by_name.json()["data"]["printed"] == 2
    bench.sim.media = "62"
    qr = bench.post("/api/printer/print_qr", {"data": "hello bench", "label_size": "62", "wait": True}).json()
    assert qr["data"]["state"] == "done"
    page = decode(bench.sim.jobs[-1])[0].convert("L")
    assert [c.text for c in zxingcpp.read_barcodes(page)] == ["hello bench"]

    current = bench.get("/api/printer/current_printer").json()["data"]
    assert (current["model"], current["backend"], current["printer_identifier"]) == (
        "QL-700", "pyusb", "usb://0x04f9:0x2042"
    )  # fmt: skip
    labels = {s["name"] for s in bench.get("/api/printer/labels").json()["data"]}
    assert {"29x90", "62", "12", "17x54", "62x29"} <= labels and "102" not in labels and "62red" not in labels
    unknown = bench.post("/api/printer/config", {"model": "QL-9999"})
    assert unknown.status_code == 422 and "QL-9999" in unknown.json()["message"]
    changed = bench.post("/api/printer/config", {"model": "QL-800", "printer_identifier": "usb://0x04f9:0x209b"})
    assert changed.status_code == 200 and changed.json()["data"]["model"] == "QL-800"
    assert "62red" in {s["name"] for s in bench.get("/api/printer/labels").json()["data"]}
    assert bench.get("/api/printer/load_config").json()["data"]["model"] == "QL-800"


def test_location_labels_encode_the_location_url(bench: Bench) -> None:
    location = add_location(bench.client, bench.headers, "Shelf 3")
    bench.sim.media = "62"
    preview = bench.post("/api/printer/preview", {"location_id": location, "label_size": "62"})
    assert preview.status_code == 200
    codes = [c.text for c in zxingcpp.read_barcodes(_png(preview.content).convert("L"))]
    assert codes == [f"{PUBLIC}/l/{location}"]
    job = bench.post(f"/api/locations/{location}/print", {"label_size": "62", "wait": True}).json()["data"]
    assert (job["state"], job["entity_type"], job["template_id"]) == ("done", "location", "location-62")


def test_templates_crud_and_unknown_placeholders(bench: Bench) -> None:
    listed = bench.get("/api/printer/templates").json()["data"]
    assert {"part-29x90", "part-62", "part-12", "part-17x54", "part-62x29", "location-62"} <= {t["id"] for t in listed}
    bad = bench.post("/api/printer/templates", {"name": "Mine", "text": "{part_name} {colour}"})
    assert bad.status_code == 422 and "unknown placeholder '{colour}'" in bad.json()["message"]
    made = bench.post("/api/printer/templates", {"name": "Mine", "label_size": "29x90", "text": "{prop:package}\n{qr}"})
    assert made.status_code == 200, made.text
    template_id = made.json()["data"]["id"]
    again = bench.post("/api/printer/templates", {"name": "mine"})
    assert again.status_code == 409
    body = {"name": "Mine", "label_size": "29x90", "text": "{part_name}\n{prop:package}"}
    changed = bench.client.put(f"/api/printer/templates/{template_id}", headers=bench.headers, json=body)
    assert changed.status_code == 200 and changed.json()["data"]["text"] == "{part_name}\n{prop:package}"
    part = add_part(bench.client, bench.headers, "TL072", additional_properties={"package": "SOIC-8"})
    preview = bench.post("/api/printer/preview", {"part_id": part["id"], "template_id": template_id})
    assert _png(preview.content).size == (306, 991)
    printed = bench.post(f"/api/parts/{part['id']}/print", {"template": "Mine", "wait": True}).json()["data"]
    assert printed["state"] == "done" and printed["template_id"] == template_id
    builtin = bench.client.delete("/api/printer/templates/part-29x90", headers=bench.headers)
    assert builtin.status_code == 409
    gone = bench.client.delete(f"/api/printer/templates/{template_id}", headers=bench.headers)
    assert gone.status_code == 200
    assert bench.get(f"/api/printer/templates/{template_id}").status_code == 404


def test_preview_of_a_draft_and_bad_requests(bench: Bench) -> None:
    draft = {"name": "draft", "label_size": "12", "text": "{part_name}", "length_mm": 30}
    shown = bench.post("/api/printer/preview", {"template": draft, "data": {"part_name": "R1"}})
    assert shown.status_code == 200 and _png(shown.content).size == (106, 354)
    assert bench.post("/api/printer/preview", {"label_size": "99x1"}).status_code == 422
    missing = bench.post("/api/parts/no-such-part/print", {})
    assert missing.status_code == 404
    too_many = bench.post("/api/printer/print_label", {"part_name": "nothing", "copies": 500})
    assert too_many.status_code == 422


def test_job_listing_takes_a_bounded_limit(bench: Bench) -> None:
    for n in range(3):
        answer = bench.post("/api/printer/print_qr", {"data": f"label {n}", "label_size": "29x90", "wait": True})
        assert answer.json()["data"]["state"] == "done", answer.text
    assert [j["title"] for j in bench.get("/api/printer/jobs?limit=2").json()["data"]] == ["label 2", "label 1"]
    assert len(bench.get("/api/printer/jobs").json()["data"]) == 3  # without a limit: every job kept
    keep = bench.services.settings.printer.keep_jobs
    assert len(bench.get(f"/api/printer/jobs?limit={keep}").json()["data"]) == 3
    for limit in (0, -1, keep + 1):
        refused = bench.get(f"/api/printer/jobs?limit={limit}")
        assert refused.status_code == 422, (limit, refused.text)
        assert f"must be between 1 and {keep}" in refused.json()["message"]
    past = bench.get(f"/api/printer/jobs?limit={2**63}")
    assert past.status_code == 422 and str(MAX_INT) in past.json()["message"]
    assert bench.get("/api/printer/jobs?limit=ten").status_code == 422


def test_a_model_the_simulated_printer_cannot_be_is_refused_in_words(tmp_path: Path, clock: FakeClock) -> None:
    settings = make_settings(tmp_path / "data", printer={"kind": "fake", "fake_model": "QL-700", "fake_media": "62"})
    services = build_services(settings, clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        with client_for(services) as client:
            headers = bearer(login(client, "admin", ADMIN_PASSWORD))
            # QL-500 is a model the labels know, but not one the simulator can enumerate as.
            answer = client.post("/api/printer/config", json={"model": "QL-500"}, headers=headers)
            assert answer.status_code == 422, answer.text
            assert "QL-500" in answer.json()["message"] and "QL-800" in answer.json()["message"]
            status = client.get("/api/printer/status", headers=headers).json()["data"]
            assert status["model"] == "QL-700" and status["state"] == "ready"
            assert client.get("/api/printer/load_config", headers=headers).json()["data"]["model"] == "QL-700"
    finally:
        services.close()
