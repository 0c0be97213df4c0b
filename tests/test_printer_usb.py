"""The real brother_ql USB path against a pyusb backend that answers like a QL-700 and a QL-800."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path

import pytest
import usb.core
from brother_ql.backends.pyusb import list_available_devices
from brother_ql.reader import chunker
from PIL import ImageChops

from makermatrix_edge.devices.printer import build_printer
from makermatrix_edge.devices.printer.base import PrinterOffline, PrintFailed
from makermatrix_edge.devices.printer.brother import BrotherQL
from makermatrix_edge.devices.printer.media import label_size
from makermatrix_edge.devices.printer.simulator import SimulatedQL, SimulatedUsb
from makermatrix_edge.devices.printer.status import parse_status
from makermatrix_edge.devices.printer.thread import DeviceThread
from makermatrix_edge.labels.raster import decode, printable_area, to_instructions
from makermatrix_edge.labels.render import render
from makermatrix_edge.labels.templates import BUILTIN_BY_ID
from makermatrix_edge.settings import PrinterSettings

VALUES = {"part_name": "LM317T", "part_number": "LM317T-ND", "location": "Drawer B1"}
QL700 = "usb://0x04f9:0x2042"
QL800 = "usb://0x04f9:0x209b"


def _bus(*printers: SimulatedQL) -> SimulatedUsb:
    return SimulatedUsb(*(printers or (SimulatedQL("QL-700", media="29x90"), SimulatedQL("QL-800", media="62"))))


def _printer(bus: SimulatedUsb, identifier: str = QL700, model: str = "QL-700", **kw: float) -> BrotherQL:
    return BrotherQL(
        model, identifier, usb_backend=bus, io_timeout=kw.get("io", 0.5), confirm_timeout=kw.get("confirm", 1.0)
    )


def _job(template_id: str, model: str) -> tuple[bytes, object]:
    template = BUILTIN_BY_ID[template_id]
    image = render(template, VALUES, "http://bench.local/p/1")
    return to_instructions(image, label_size(template.label_size), model), image


@pytest.mark.parametrize(
    ("model", "identifier", "template_id"), [("QL-700", QL700, "part-29x90"), ("QL-800", QL800, "part-62")]
)
def test_printed_bytes_decode_to_exactly_the_rendered_image(model: str, identifier: str, template_id: str) -> None:
    bus = _bus()
    data, image = _job(template_id, model)
    size = label_size(BUILTIN_BY_ID[template_id].label_size)
    printer = _printer(bus, identifier, model)
    printer.print(data, size)
    sim = bus.printer(model)
    assert sim.jobs and sim.jobs[-1] in data  # the printer got the job as converted
    assert any(c.startswith(b"\x1biz") for c in chunker(sim.jobs[-1]))
    pages = decode(sim.jobs[-1])
    assert len(pages) == 1
    printed = printable_area(pages[0], size, model)
    assert printed.size == image.size  # type: ignore[attr-defined]
    assert ImageChops.difference(printed.convert("L"), image.convert("L")).getbbox() is None  # type: ignore[attr-defined]
    assert printer.state().state == "ready"


def test_the_double_enumerates_as_printers_for_brother_ql_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    bus = _bus()
    real_find = usb.core.find
    monkeypatch.setattr(usb.core, "find", lambda *a, **kw: real_find(*a, backend=bus, **kw))
    found = sorted(d["identifier"] for d in list_available_devices())
    assert found == ["usb://0x04f9:0x2042_000F1Z401370", "usb://0x04f9:0x209b_000F1Z401370"]


def test_status_names_model_media_and_errors() -> None:
    bus = _bus()
    status = _printer(bus).status()
    assert status is not None
    assert (status.model, status.media(), status.errors) == ("QL-700", "29x90", [])
    bus.printer("QL-700").state = "cover_open"
    status = _printer(bus).status()
    assert status is not None and status.errors == ["cover open"]


def test_serial_number_is_honoured() -> None:
    bus = SimulatedUsb(SimulatedQL("QL-700", serial="AAA111", media="62"), SimulatedQL("QL-700", serial="BBB222"))
    data, _ = _job("part-62", "QL-700")
    _printer(bus, f"{QL700}/BBB222").print(data, label_size("62"))
    assert [len(p.jobs) for p in bus.printers] == [0, 1]
    with pytest.raises(PrinterOffline, match="serial CCC333"):
        _printer(bus, f"{QL700}/CCC333").status()


@pytest.mark.parametrize(
    ("media", "state", "reason"),
    [
        ("62", "ready", "62 mm endless loaded, template needs 29x90"),
        (None, "ready", "no media loaded, template needs 29x90"),
        ("29x90", "cover_open", "cover open"),
        ("29x90", "cutter_jam", "cutter jam"),
        ("29x90", "unplugged", "no printer on USB (04f9:2042)"),
    ],
)
def test_refusals_and_failures_name_the_reason(media: str | None, state: str, reason: str) -> None:
    bus = SimulatedUsb(SimulatedQL("QL-700", media=media, state=state))  # type: ignore[arg-type]
    data, _ = _job("part-29x90", "QL-700")
    with pytest.raises(PrintFailed) as failed:
        _printer(bus).print(data, label_size("29x90"))
    assert str(failed.value) == reason


def test_wrong_media_reported_by_the_printer_itself_is_named() -> None:
    """The media check the printer does (ESC i z flags vs loaded media) fails the job with its own error."""
    bus = SimulatedUsb(SimulatedQL("QL-700", media="62"))
    data, _ = _job("part-29x90", "QL-700")
    printer = _printer(bus)
    printer._open().write(data, 1.0)  # straight to the pipe, without our own check first
    first = bus.printer().next_reply(1.0)  # the answer to the job's own status request
    assert first is not None and parse_status(first).errors == []
    second = bus.printer().next_reply(1.0)
    assert second is not None and parse_status(second).errors == ["wrong media loaded"]
    assert parse_status(second).status_type == 2  # "error occurred"


def test_unplugged_mid_job_fails_and_the_printer_is_found_again() -> None:
    sim = SimulatedQL("QL-700", media="29x90", state="unplug_mid_job")
    bus = SimulatedUsb(sim)
    printer = _printer(bus)
    data, _ = _job("part-29x90", "QL-700")
    with pytest.raises(PrintFailed, match=r"^unplugged$"):
        printer.print(data, label_size("29x90"))
    assert printer.state().state == "offline" and printer.state().reason == "unplugged"
    with pytest.raises(PrinterOffline, match="no printer on USB"):
        printer.status()
    sim.state = "ready"  # plugged back in
    printer.print(data, label_size("29x90"))
    assert printer.state().state == "ready"


def test_a_silent_printer_times_out_instead_of_hanging() -> None:
    bus = SimulatedUsb(SimulatedQL("QL-700", media="29x90", state="silent"))
    data, _ = _job("part-29x90", "QL-700")
    started = time.monotonic()
    with pytest.raises(PrintFailed, match="does not answer"):
        _printer(bus, io=0.3).print(data, label_size("29x90"))
    assert time.monotonic() - started < 2


def test_a_printer_that_goes_quiet_after_taking_the_job_is_not_done() -> None:
    sim = SimulatedQL("QL-700", media="29x90")
    bus = SimulatedUsb(sim)
    printer = _printer(bus, confirm=0.4)
    data, _ = _job("part-29x90", "QL-700")
    original = sim._on_print

    def quiet() -> None:  # takes the whole job, then never reports it printed
        original()
        sim._replies.clear()

    sim._on_print = quiet  # type: ignore[method-assign]
    started = time.monotonic()
    with pytest.raises(PrintFailed, match=r"did not confirm the label within 0\.4 s"):
        printer.print(data, label_size("29x90"))
    assert time.monotonic() - started < 2


def test_network_printer_that_never_reports_is_failed_not_sent_and_silence() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    received = bytearray()

    def accept() -> None:
        conn, _ = server.accept()
        with conn:
            while chunk := conn.recv(65536):
                received.extend(chunk)

    threading.Thread(target=accept, daemon=True).start()
    data, _ = _job("part-62", "QL-820NWB")
    printer = BrotherQL("QL-820NWB", f"tcp://127.0.0.1:{port}", io_timeout=0.5, confirm_timeout=0.3)
    with pytest.raises(PrintFailed, match="network printers may not report back"):
        printer.print(data, label_size("62"))
    printer.close()
    server.close()
    assert received.startswith(b"\x1bia\x01")


def test_device_thread_abandons_a_call_that_never_returns() -> None:
    thread = DeviceThread("test-printer")
    release = threading.Event()

    async def scenario() -> None:
        with pytest.raises(TimeoutError):
            await thread.call(lambda: release.wait(30), 0.2)
        assert await thread.call(lambda: 42, 1.0) == 42  # a fresh thread serves the next call

    asyncio.run(scenario())
    assert thread.abandoned == 1
    release.set()
    thread.stop()


def test_file_printer_writes_instruction_files_that_decode(tmp_path: Path) -> None:
    cfg = PrinterSettings(kind="file", model="QL-700", output_dir="out")
    printer = build_printer(cfg, tmp_path)
    data, image = _job("part-29x90", "QL-700")
    printer.print(data, label_size("29x90"))
    (written,) = (tmp_path / "out").glob("label-*-29x90.bin")
    page = printable_area(decode(written.read_bytes())[0], label_size("29x90"), "QL-700")
    assert ImageChops.difference(page.convert("L"), image.convert("L")).getbbox() is None  # type: ignore[attr-defined]
    assert printer.state().state == "ready" and printer.status() is None


def test_disabled_printer_refuses_with_the_reason(tmp_path: Path) -> None:
    printer = build_printer(PrinterSettings(kind="disabled"), tmp_path)
    assert printer.state().state == "disabled"
    with pytest.raises(PrintFailed, match="turned off"):
        printer.print(b"", label_size("62"))
