"""Label printers: one contract (base.Printer) and the implementations chosen by [printer] kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from makermatrix_edge.devices.printer.base import Printer
from makermatrix_edge.devices.printer.brother import BrotherQL
from makermatrix_edge.devices.printer.others import DisabledPrinter, FilePrinter
from makermatrix_edge.devices.printer.simulator import SimulatedQL, SimulatedUsb
from makermatrix_edge.settings import PrinterSettings, resolve_path


def build_printer(cfg: PrinterSettings, data_dir: Path, *, usb_backend: Any = None) -> Printer:
    """The printer the config names; `usb_backend` lets tests put a simulated bus under brother_ql."""
    if cfg.kind == "brother_ql":
        return BrotherQL(
            cfg.model,
            cfg.identifier,
            io_timeout=cfg.io_timeout_seconds,
            confirm_timeout=cfg.confirm_timeout_seconds,
            usb_backend=usb_backend,
        )
    if cfg.kind == "fake":
        # The real brother_ql USB path, over a simulated bus with one QL on it.
        sim = SimulatedQL(model=cfg.fake_model, media=cfg.fake_media or None)
        bus = usb_backend or SimulatedUsb(sim)
        printer = BrotherQL(
            cfg.fake_model,
            f"usb://0x04f9:0x{sim.product_id:04x}",
            io_timeout=cfg.io_timeout_seconds,
            confirm_timeout=cfg.confirm_timeout_seconds,
            usb_backend=bus,
        )
        printer.kind = "fake"
        printer.simulator = bus
        return printer
    if cfg.kind == "file":
        return FilePrinter(cfg.model, resolve_path(cfg.output_dir, data_dir))
    return DisabledPrinter(cfg.model)
