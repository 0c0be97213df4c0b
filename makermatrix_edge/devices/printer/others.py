"""The printers that are not a QL on a wire: a folder of instruction files, and none at all."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

from makermatrix_edge.devices.printer.base import PrintFailed
from makermatrix_edge.devices.printer.media import LabelSize
from makermatrix_edge.devices.printer.status import PrinterStatus
from makermatrix_edge.runtime.device_state import DeviceState


class FilePrinter:
    """Writes each job's instruction bytes to `folder` (dry runs; `brother_ql analyze FILE` reads them)."""

    kind = "file"

    def __init__(self, model: str, folder: Path) -> None:
        self.model = model
        self.folder = folder
        self._seq = itertools.count(1)
        self.last_file: Path | None = None

    def state(self) -> DeviceState:
        return DeviceState(kind=self.kind, state="ready", details={"model": self.model, "folder": str(self.folder)})

    def status(self) -> PrinterStatus | None:
        return None

    def print(self, instructions: bytes, label: LabelSize) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp = time.strftime("%Y%m%dT%H%M%S")
            path = self.folder / f"label-{stamp}-{os.getpid()}-{next(self._seq):04d}-{label.name}.bin"
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(instructions)
            tmp.replace(path)
        except OSError as exc:
            raise PrintFailed(f"cannot write to {self.folder}: {exc.strerror or exc}") from None
        self.last_file = path

    def close(self) -> None:
        pass


class DisabledPrinter:
    kind = "disabled"

    def __init__(self, model: str = "") -> None:
        self.model = model

    def state(self) -> DeviceState:
        return DeviceState(kind=self.kind, state="disabled", reason="printing is turned off in the config")

    def status(self) -> PrinterStatus | None:
        return None

    def print(self, instructions: bytes, label: LabelSize) -> None:
        raise PrintFailed('printing is turned off in the config ([printer] kind = "disabled")')

    def close(self) -> None:
        pass
