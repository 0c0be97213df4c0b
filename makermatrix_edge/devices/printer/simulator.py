"""A Brother QL on a simulated USB bus: a pyusb backend (`usb.backend.IBackend`) that enumerates as
real QL models, takes bulk writes, parses the raster stream and answers with real 32-byte replies.

Dev mode (printer kind "fake") drives the real brother_ql USB path through it, and so do the tests.
States are scriptable: ready, no media, wrong media, cover open, busy, unplugged, silent.
"""

from __future__ import annotations

import errno
import threading
import time
from array import array
from dataclasses import dataclass, field
from typing import Any, Literal

import usb.backend  # type: ignore[import-untyped]
import usb.core  # type: ignore[import-untyped]

from makermatrix_edge.devices.printer.media import label_size
from makermatrix_edge.devices.printer.status import (
    ERROR_OCCURRED,
    PHASE_CHANGE,
    PHASE_PRINTING,
    PHASE_WAITING,
    PRINTING_COMPLETED,
    build_status,
)

SimState = Literal["ready", "no_media", "cover_open", "busy", "unplugged", "silent", "unplug_mid_job", "cutter_jam"]
# model -> (USB product id, model code in the status reply)
USB_IDS = {"QL-700": (0x2042, 0x35), "QL-800": (0x209B, 0x38), "QL-570": (0x2028, 0x32), "QL-820NWB": (0x209D, 0x41)}
SIMULATED_MODELS = tuple(USB_IDS)  # the models the simulator can enumerate as (it needs their USB ids)
VENDOR = 0x04F9
EP_IN, EP_OUT = 0x81, 0x02
_LENGTHS = {b"\x1bi\x61": 4, b"\x1bi\x4d": 4, b"\x1bi\x41": 4, b"\x1bi\x4b": 4, b"\x1bi\x21": 4, b"\x1bi\x64": 5}


@dataclass(eq=False)
class SimulatedQL:
    model: str = "QL-700"
    serial: str = "000F1Z401370"
    media: str | None = "62"  # a label name (brother_ql identifier); None: nothing loaded
    state: SimState = "ready"
    print_seconds: float = 0.02  # how long a page takes to come out
    jobs: list[bytes] = field(default_factory=list)  # every complete job's bytes, as received
    written: bytearray = field(default_factory=bytearray)
    _pending: bytearray = field(default_factory=bytearray)
    _replies: list[tuple[float, bytes]] = field(default_factory=list)
    _job_start: int = 0
    _requested: tuple[int, int, int] | None = None  # (type, width, length) of ESC i z with flags set
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def product_id(self) -> int:
        return USB_IDS[self.model][0]

    @property
    def plugged(self) -> bool:
        return self.state != "unplugged"

    # -- replies ------------------------------------------------------------------
    def _media_bytes(self) -> tuple[int, int, int]:
        if self.media is None:
            return 0, 0x00, 0
        size = label_size(self.media)
        return size.width_mm, 0x0A if size.kind == "endless" else 0x0B, size.length_mm

    def _status(self, **kw: int) -> bytes:
        width, mtype, length = self._media_bytes()
        err1 = kw.pop("err1", 0) | (0x01 if self.media is None else 0)
        err2 = kw.pop("err2", 0) | (0x10 if self.state == "cover_open" else 0)
        return build_status(
            model_code=USB_IDS[self.model][1],
            err1=err1,
            err2=err2,
            width_mm=width,
            media_type=mtype,
            length_mm=length,
            **kw,
        )

    def _queue(self, delay: float, reply: bytes) -> None:
        self._replies.append((time.monotonic() + delay, reply))

    def _on_print(self) -> None:
        self.jobs.append(bytes(self.written[self._job_start :]))
        width, mtype, length = self._media_bytes()
        wrong = self._requested is not None and self._requested != (mtype, width, length)
        if self.media is None or self.state == "cover_open" or wrong:
            self._queue(0, self._status(status_type=ERROR_OCCURRED, err2=0x01 if wrong else 0))
            return
        t = self.print_seconds
        self._queue(0, self._status(status_type=PHASE_CHANGE, phase=PHASE_PRINTING))
        if self.state == "cutter_jam":
            self._queue(t, self._status(status_type=ERROR_OCCURRED, err1=0x04))
            return
        self._queue(t, self._status(status_type=PRINTING_COMPLETED, phase=PHASE_PRINTING))
        self._queue(t, self._status(status_type=PHASE_CHANGE, phase=PHASE_WAITING))

    def receive(self, data: bytes) -> None:
        """Take bytes from the host and act on each complete command."""
        self.written.extend(data)
        buf = self._pending
        buf.extend(data)
        i = 0
        while i < len(buf):
            n = self._command(buf, i)
            if n == 0:
                break
            i += n
        del buf[:i]

    def _command(self, buf: bytearray, i: int) -> int:
        """Length of the command at i (0: incomplete), after acting on it."""
        b = buf[i]
        if b == 0x00:
            return 1
        if b in (0x0C, 0x1A):
            self._on_print()
            return 1
        if b == 0x5A:
            return 1
        if b == 0x4D:
            return 2 if i + 1 < len(buf) else 0
        if b in (0x67, 0x77):
            if i + 3 > len(buf):
                return 0
            n = 3 + buf[i + 2]
            return n if i + n <= len(buf) else 0
        if b == 0x1B:
            head = bytes(buf[i : i + 3])
            if head[:2] == b"\x1b\x40":
                self._job_start = len(self.written) - (len(buf) - i)
                self._requested = None
                return 2
            if len(head) < 3:
                return 0
            if head == b"\x1biS":
                if self.state != "silent":
                    self._queue(0, self._status())
                return 3
            if head == b"\x1biz":
                if i + 13 > len(buf):
                    return 0
                flags, mtype, width, length = buf[i + 3], buf[i + 4], buf[i + 5], buf[i + 6]
                if flags & 0x0E == 0x0E:
                    self._requested = (mtype, width, length)
                return 13
            n = _LENGTHS.get(head, 0)
            if n == 0:
                raise usb.core.USBError(f"simulated QL: unknown command {head.hex(' ')}")
            return n if i + n <= len(buf) else 0
        raise usb.core.USBError(f"simulated QL: unexpected byte 0x{b:02x}")

    def next_reply(self, timeout: float) -> bytes | None:
        end = time.monotonic() + timeout
        while True:
            with self.lock:
                if self.state == "silent":
                    self._replies.clear()
                if self._replies and self._replies[0][0] <= time.monotonic():
                    return self._replies.pop(0)[1]
                wait = (self._replies[0][0] if self._replies else end) - time.monotonic()
            if time.monotonic() >= end:
                return None
            time.sleep(max(0.0, min(wait, end - time.monotonic(), 0.01)))

    def reset_link(self) -> None:
        with self.lock:
            self._pending.clear()
            self._replies.clear()


class _Desc:
    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)


class SimulatedUsb(usb.backend.IBackend):  # type: ignore[misc]
    """The bus: every plugged SimulatedQL enumerates; writes and reads go to it."""

    def __init__(self, *printers: SimulatedQL) -> None:
        self.printers = list(printers) or [SimulatedQL()]

    def printer(self, model: str | None = None) -> SimulatedQL:
        return next(p for p in self.printers if model is None or p.model == model)

    # descriptors
    def enumerate_devices(self) -> Any:
        return [p for p in self.printers if p.plugged]

    def get_device_descriptor(self, dev: SimulatedQL) -> _Desc:
        return _Desc(
            bLength=18, bDescriptorType=1, bcdUSB=0x0200, bDeviceClass=0, bDeviceSubClass=0, bDeviceProtocol=0,
            bMaxPacketSize0=64, idVendor=VENDOR, idProduct=dev.product_id, bcdDevice=0x0100, iManufacturer=1,
            iProduct=2, iSerialNumber=3, bNumConfigurations=1, address=self.printers.index(dev) + 2, bus=1,
            port_number=self.printers.index(dev) + 1, port_numbers=(self.printers.index(dev) + 1,), speed=2,
        )  # fmt: skip

    def get_configuration_descriptor(self, dev: SimulatedQL, config: int) -> _Desc:
        if config > 0:
            raise IndexError(config)
        return _Desc(
            bLength=9, bDescriptorType=2, wTotalLength=32, bNumInterfaces=1, bConfigurationValue=1,
            iConfiguration=0, bmAttributes=0xC0, bMaxPower=1, extra_descriptors=[],
        )  # fmt: skip

    def get_interface_descriptor(self, dev: SimulatedQL, intf: int, alt: int, config: int) -> _Desc:
        if intf > 0 or alt > 0 or config > 0:
            raise IndexError(intf)  # no alternate settings: pyusb iterates until this (hardware.md §2.1)
        return _Desc(
            bLength=9, bDescriptorType=4, bInterfaceNumber=0, bAlternateSetting=0, bNumEndpoints=2,
            bInterfaceClass=7, bInterfaceSubClass=1, bInterfaceProtocol=2, iInterface=0, extra_descriptors=[],
        )  # fmt: skip

    def get_endpoint_descriptor(self, dev: SimulatedQL, ep: int, intf: int, alt: int, config: int) -> _Desc:
        if ep > 1 or intf > 0 or alt > 0 or config > 0:
            raise IndexError(ep)
        return _Desc(
            bLength=7, bDescriptorType=5, bEndpointAddress=EP_IN if ep == 0 else EP_OUT, bmAttributes=2,
            wMaxPacketSize=64, bInterval=0, bRefresh=0, bSynchAddress=0, extra_descriptors=[],
        )  # fmt: skip

    # handles
    def open_device(self, dev: SimulatedQL) -> SimulatedQL:
        self._check(dev)
        dev.reset_link()
        return dev

    def close_device(self, dev_handle: SimulatedQL) -> None:
        pass

    def set_configuration(self, dev_handle: SimulatedQL, config_value: int) -> None:
        self._check(dev_handle)

    def get_configuration(self, dev_handle: SimulatedQL) -> int:
        return 1

    def claim_interface(self, dev_handle: SimulatedQL, intf: int) -> None:
        self._check(dev_handle)

    def release_interface(self, dev_handle: SimulatedQL, intf: int) -> None:
        pass

    def is_kernel_driver_active(self, dev_handle: SimulatedQL, intf: int) -> bool:
        return False

    def _check(self, dev: SimulatedQL) -> None:
        if not dev.plugged:
            raise usb.core.USBError("No such device (it may have been disconnected)", errno=errno.ENODEV)

    # transfers
    def bulk_write(self, dev_handle: SimulatedQL, ep: int, intf: int, data: array[int], timeout: int) -> int:
        self._check(dev_handle)
        chunk = bytes(data)
        with dev_handle.lock:
            if dev_handle.state == "unplug_mid_job" and len(chunk) > 1000:
                dev_handle.receive(chunk[: len(chunk) // 3])
                dev_handle.state = "unplugged"
                raise usb.core.USBError("No such device (it may have been disconnected)", errno=errno.ENODEV)
            if dev_handle.state == "busy":
                time.sleep(timeout / 1000)
                raise usb.core.USBTimeoutError("Operation timed out", errno=errno.ETIMEDOUT)
            dev_handle.receive(chunk)
        return len(chunk)

    def bulk_read(self, dev_handle: SimulatedQL, ep: int, intf: int, buff: array[int], timeout: int) -> int:
        self._check(dev_handle)
        reply = dev_handle.next_reply(timeout / 1000)
        if reply is None:
            raise usb.core.USBTimeoutError("Operation timed out", errno=errno.ETIMEDOUT)
        n = min(len(buff), len(reply))
        buff[:n] = array("B", reply[:n])
        return n

    def ctrl_transfer(
        self, dev_handle: SimulatedQL, bmRequestType: int, bRequest: int, wValue: int, wIndex: int,
        data: Any, timeout: int,
    ) -> int:  # fmt: skip
        """GET_DESCRIPTOR for strings: 1 "Brother", 2 the model, 3 the serial (usb.util.get_string)."""
        self._check(dev_handle)
        if bRequest != 6 or wValue >> 8 != 3:
            raise usb.core.USBError("simulated QL: unsupported control request", errno=errno.EPIPE)
        index = wValue & 0xFF
        if index == 0:
            payload = bytes([4, 3, 0x09, 0x04])
        else:
            text = {1: "Brother", 2: dev_handle.model, 3: dev_handle.serial}.get(index, "")
            encoded = text.encode("utf-16-le")
            payload = bytes([2 + len(encoded), 3]) + encoded
        n = min(len(data), len(payload))
        data[:n] = array("B", payload[:n])
        return n
