"""The printer contract: `state()` from memory, and two blocking calls made only on the printer thread."""

from __future__ import annotations

from typing import Protocol

from makermatrix_edge.devices.printer.media import LabelSize
from makermatrix_edge.devices.printer.status import PrinterStatus
from makermatrix_edge.runtime.device_state import DeviceState


class PrinterOffline(Exception):
    """The printer cannot be reached; the message says why ("no printer on USB (04f9:2042)")."""


class PrintFailed(Exception):
    """The printer refused or did not finish a job; the message names its own reason ("cutter jam")."""


class Printer(Protocol):
    kind: str
    model: str

    def state(self) -> DeviceState:
        """The last known state; never blocks."""
        ...

    def status(self) -> PrinterStatus | None:
        """Ask the printer now (blocking, bounded). None: this printer cannot report (file, network)."""
        ...

    def print(self, instructions: bytes, label: LabelSize) -> None:
        """Send one job and return once the printer confirms it printed; raises PrintFailed otherwise."""
        ...

    def close(self) -> None: ...


def media_problem(status: PrinterStatus, label: LabelSize) -> str | None:
    """Why the loaded media cannot take this label, in words naming both; None when it can."""
    if status.media_type == "none" or status.media_width_mm == 0:
        return f"no media loaded, template needs {label.describe()}"
    endless = status.media_type == "endless"
    fits = status.media_width_mm == label.width_mm and endless == (label.kind == "endless")
    if fits and not endless:
        fits = status.media_length_mm == label.length_mm
    if fits:
        return None
    return f"{status.media()} loaded, template needs {label.describe()}"


def refusal(status: PrinterStatus, label: LabelSize) -> str | None:
    """Why a job must not start: an error bit set, or media that does not match."""
    if "no media" in status.errors:
        return f"no media loaded, template needs {label.describe()}"
    if status.errors:
        return ", ".join(status.errors)
    return media_problem(status, label)
