"""A Brother QL on USB, usblp or TCP: status before each job, and `done` only when the printer says so."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from makermatrix_edge.devices.printer.base import PrinterOffline, PrintFailed, refusal
from makermatrix_edge.devices.printer.media import LabelSize, model_spec
from makermatrix_edge.devices.printer.pipes import Pipe, open_pipe
from makermatrix_edge.devices.printer.status import (
    ERROR_OCCURRED,
    PRINTING_COMPLETED,
    STATUS_REPLY,
    STATUS_SIZE,
    TURNED_OFF,
    BadStatus,
    PrinterStatus,
    parse_status,
)
from makermatrix_edge.runtime.device_state import DeviceState

log = logging.getLogger(__name__)
INITIALIZE = b"\x1b\x40"
STATUS_REQUEST = b"\x1biS"


class BrotherQL:
    """One QL; every method but state() blocks and is called only on the printer thread."""

    kind = "brother_ql"

    def __init__(
        self,
        model: str,
        identifier: str,
        *,
        io_timeout: float = 5.0,
        confirm_timeout: float = 20.0,
        usb_backend: Any = None,
    ) -> None:
        self.model = model
        self.identifier = identifier
        self.io_timeout = io_timeout
        self.confirm_timeout = confirm_timeout
        self._usb_backend = usb_backend
        self._spec = model_spec(model)
        self._pipe: Pipe | None = None
        self._lock = threading.Lock()
        self._state = DeviceState(kind=self.kind, state="offline", reason="not asked yet")
        self.last_status: PrinterStatus | None = None
        self.network = identifier.startswith("tcp://")
        self.simulator: Any = None  # the simulated USB bus when kind is "fake"

    # -- state, from memory ---------------------------------------------------------
    def state(self) -> DeviceState:
        return self._state

    def _set(self, state: str, reason: str | None = None) -> None:
        details: dict[str, Any] = {"model": self.model, "identifier": self.identifier}
        if self.last_status is not None:
            details["media"] = self.last_status.media()
        self._state = DeviceState(kind=self.kind, state=state, reason=reason, details=details)  # type: ignore[arg-type]

    # -- the pipe, reopened after any failure (a printer plugged back in is found again) --
    def _open(self) -> Pipe:
        if self._pipe is None:
            try:
                self._pipe = open_pipe(self.identifier, usb_backend=self._usb_backend, timeout=self.io_timeout)
            except PrinterOffline as exc:
                self.last_status = None
                self._set("offline", str(exc))
                raise
        return self._pipe

    def _drop(self) -> None:
        if self._pipe is not None:
            try:
                self._pipe.close()
            except Exception:  # closing a pipe to an unplugged printer may fail; it is gone either way
                log.debug("closing printer pipe failed", exc_info=True)
            self._pipe = None

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _reply(self, pipe: Pipe, deadline: float, buffer: bytearray) -> PrinterStatus | None:
        """The next 32-byte reply before the deadline, or None."""
        while len(buffer) < STATUS_SIZE:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            buffer.extend(pipe.read(min(left, 0.2)))
        chunk, buffer[:] = bytes(buffer[:STATUS_SIZE]), buffer[STATUS_SIZE:]
        return parse_status(chunk)

    # -- blocking calls -------------------------------------------------------------
    def status(self) -> PrinterStatus | None:
        with self._lock:
            if self.network:
                self._set("ready", "network printers do not report status before printing")
                return None
            return self._ask()

    def _ask(self) -> PrinterStatus:
        pipe = self._open()
        try:
            pipe.write(b"\x00" * self._spec.invalidate_bytes + INITIALIZE + STATUS_REQUEST, self.io_timeout)
            buffer = bytearray()
            deadline = time.monotonic() + self.io_timeout
            while True:
                reply = self._reply(pipe, deadline, buffer)
                if reply is None:
                    raise PrinterOffline(f"the printer does not answer (no status within {self.io_timeout:g} s)")
                if reply.status_type in (STATUS_REPLY, ERROR_OCCURRED):
                    break
        except (PrintFailed, PrinterOffline, BadStatus) as exc:
            self._drop()
            self.last_status = None
            reason = "unplugged" if str(exc) == "unplugged" else str(exc)
            self._set("offline", reason)
            raise PrinterOffline(reason) from None
        self.last_status = reply
        if reply.errors:
            self._set("error", ", ".join(reply.errors))
        else:
            self._set("ready")
        return reply

    def print(self, instructions: bytes, label: LabelSize) -> None:
        with self._lock:
            if not self.network:
                try:
                    before = self._ask()
                except PrinterOffline as exc:
                    raise PrintFailed(str(exc)) from None
                problem = refusal(before, label)
                if problem:
                    raise PrintFailed(problem)
            self._set("busy", "printing")
            try:
                self._send(instructions)
            except PrintFailed as exc:
                self._drop()
                self._set("offline" if str(exc) == "unplugged" else "error", str(exc))
                raise
            except PrinterOffline as exc:
                self._set("offline", str(exc))
                raise PrintFailed(str(exc)) from None
            self._set("ready")

    def _send(self, instructions: bytes) -> None:
        pipe = self._open()
        pipe.write(instructions, max(self.io_timeout, 15.0))
        buffer = bytearray()
        deadline = time.monotonic() + self.confirm_timeout
        while True:
            try:
                reply = self._reply(pipe, deadline, buffer)
            except BadStatus as exc:
                raise PrintFailed(f"the printer answered something unexpected ({exc})") from None
            if reply is None:
                raise PrintFailed(
                    f"the printer did not confirm the label within {self.confirm_timeout:g} s"
                    + (" (network printers may not report back)" if self.network else "")
                )
            self.last_status = reply
            if reply.errors:
                raise PrintFailed(", ".join(reply.errors))
            if reply.status_type == ERROR_OCCURRED:
                raise PrintFailed("the printer reported an error")
            if reply.status_type == TURNED_OFF:
                raise PrintFailed("printer turned off")
            if reply.status_type == PRINTING_COMPLETED:
                return
