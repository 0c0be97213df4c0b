"""Byte pipes to a QL with bounded waits: USB through brother_ql's pyusb backend, kernel usblp, TCP 9100.

brother_ql's own send() blocks 10 s on a silent printer and its lp backend ends with a read
that can block forever (hardware.md §1.2), so reading and waiting are done here, with deadlines.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import time
from typing import Any, Protocol
from urllib.parse import urlparse

import usb.core  # type: ignore[import-untyped]
import usb.util  # type: ignore[import-untyped]
from brother_ql.backends.pyusb import BrotherQLBackendPyUSB  # type: ignore[import-untyped]

from makermatrix_edge.devices.printer.base import PrinterOffline, PrintFailed

READ_SLICE_MS = 50  # one USB read waits at most this long; the caller's deadline decides when to stop


class Pipe(Protocol):
    def write(self, data: bytes, timeout: float) -> None: ...

    def read(self, timeout: float) -> bytes:
        """Whatever the printer sent within `timeout` seconds (b"" if nothing)."""
        ...

    def close(self) -> None: ...


def _gone(exc: BaseException) -> bool:
    return getattr(exc, "errno", None) in (
        errno.ENODEV,
        errno.ENOENT,
        errno.EIO,
        errno.EPIPE,
    ) or "No such device" in str(exc)


class UsbPipe:
    """usb://0x04f9:0x2042[/SERIAL]; the serial is compared as a string (brother_ql compares an index)."""

    def __init__(self, identifier: str, backend: Any = None) -> None:
        spec = identifier.removeprefix("usb://")
        ids, _, self.serial = spec.partition("/")
        vendor, _, product = ids.partition(":")
        self.vendor, self.product = int(vendor, 16), int(product, 16)
        self.where = f"{self.vendor:04x}:{self.product:04x}" + (f" serial {self.serial}" if self.serial else "")
        self._usb_backend = backend
        self._ql: BrotherQLBackendPyUSB | None = None
        self._open()

    def _find(self) -> usb.core.Device | None:
        found = usb.core.find(find_all=True, idVendor=self.vendor, idProduct=self.product, backend=self._usb_backend)
        for dev in found or []:
            if not self.serial:
                return dev
            try:
                if usb.util.get_string(dev, dev.iSerialNumber) == self.serial:
                    return dev
            except (usb.core.USBError, ValueError):
                continue
        return None

    def _open(self) -> None:
        try:
            dev = self._find()
            if dev is None:
                raise PrinterOffline(f"no printer on USB ({self.where})")
            dev.default_timeout = READ_SLICE_MS
            self._ql = BrotherQLBackendPyUSB(dev)
        except usb.core.NoBackendError:
            raise PrinterOffline("libusb is not installed (apt install libusb-1.0-0)") from None
        except usb.core.USBError as exc:
            if exc.errno == errno.EACCES:
                raise PrinterOffline(
                    f"no permission for the USB printer ({self.where}); add the user to group lp"
                ) from None
            if exc.errno == errno.EBUSY:
                raise PrinterOffline(
                    f"USB printer {self.where} is busy (another program, e.g. ipp-usb, holds it)"
                ) from None
            raise PrinterOffline(f"USB printer {self.where}: {exc}") from None

    def write(self, data: bytes, timeout: float) -> None:
        assert self._ql is not None
        self._ql.write_timeout = max(1.0, timeout * 1000)
        try:
            self._ql.write(data)
        except usb.core.USBTimeoutError:
            raise PrintFailed(f"the printer did not take the data within {timeout:g} s") from None
        except usb.core.USBError as exc:
            raise PrintFailed("unplugged" if _gone(exc) else f"USB error: {exc}") from None

    def read(self, timeout: float) -> bytes:
        assert self._ql is not None
        end = time.monotonic() + timeout
        while True:
            try:
                data = self._ql.read(32)
            except usb.core.USBTimeoutError:
                data = b""
            except usb.core.USBError as exc:
                raise PrintFailed("unplugged" if _gone(exc) else f"USB error: {exc}") from None
            if data or time.monotonic() >= end:
                return bytes(data)

    def close(self) -> None:
        if self._ql is not None:
            self._ql.dispose()
            self._ql = None


class LpPipe:
    """file:///dev/usb/lp0 (kernel usblp), non-blocking so no read or write can hang."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self._fd: int | None = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        except FileNotFoundError:
            raise PrinterOffline(f"no printer at {path}") from None
        except PermissionError:
            raise PrinterOffline(f"no permission to open {path}; add the user to group lp") from None
        except OSError as exc:
            raise PrinterOffline(f"{path}: {exc.strerror}") from None

    def write(self, data: bytes, timeout: float) -> None:
        assert self._fd is not None
        end = time.monotonic() + timeout
        view = memoryview(data)
        while view:
            left = end - time.monotonic()
            if left <= 0:
                raise PrintFailed(f"the printer did not take the data within {timeout:g} s")
            _, ready, _ = select.select([], [self._fd], [], left)
            if not ready:
                continue
            try:
                view = view[os.write(self._fd, view) :]
            except BlockingIOError:
                continue
            except OSError as exc:
                raise PrintFailed("unplugged" if _gone(exc) else exc.strerror or str(exc)) from None

    def read(self, timeout: float) -> bytes:
        assert self._fd is not None
        ready, _, _ = select.select([self._fd], [], [], max(0.0, timeout))
        if not ready:
            return b""
        try:
            return os.read(self._fd, 32)
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise PrintFailed("unplugged" if _gone(exc) else exc.strerror or str(exc)) from None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class TcpPipe:
    """tcp://host:9100 for the network models."""

    def __init__(self, identifier: str, timeout: float) -> None:
        url = urlparse(identifier)
        self.where = f"{url.hostname}:{url.port or 9100}"
        try:
            self._sock: socket.socket | None = socket.create_connection(
                (url.hostname or "", url.port or 9100), timeout=timeout
            )
        except OSError as exc:
            raise PrinterOffline(f"no printer answering at {self.where} ({exc.strerror or exc})") from None

    def write(self, data: bytes, timeout: float) -> None:
        assert self._sock is not None
        self._sock.settimeout(timeout)
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise PrintFailed(f"connection to {self.where} lost ({exc})") from None

    def read(self, timeout: float) -> bytes:
        assert self._sock is not None
        self._sock.settimeout(max(0.001, timeout))
        try:
            return self._sock.recv(32)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise PrintFailed(f"connection to {self.where} lost ({exc})") from None

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def open_pipe(identifier: str, *, usb_backend: Any = None, timeout: float = 5.0) -> Pipe:
    if identifier.startswith("usb://") or identifier.startswith("0x"):
        return UsbPipe(identifier, usb_backend)
    if identifier.startswith("tcp://"):
        return TcpPipe(identifier, timeout)
    if identifier.startswith("file://"):
        return LpPipe(identifier.removeprefix("file://"))
    if identifier.startswith("/dev/"):
        return LpPipe(identifier)
    raise PrinterOffline(f"cannot tell how to reach '{identifier}': use usb://, file:///dev/usb/lp0 or tcp://")
