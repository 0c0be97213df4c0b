"""The Brother QL 32-byte status reply, parsed into words a person understands (hardware.md §1.4)."""

from __future__ import annotations

import msgspec

STATUS_SIZE = 32
STATUS_REPLY, PRINTING_COMPLETED, ERROR_OCCURRED, TURNED_OFF, NOTIFICATION, PHASE_CHANGE = 0, 1, 2, 4, 5, 6
PHASE_WAITING, PHASE_PRINTING = 0, 1

ERRORS_1 = {
    0x01: "no media",
    0x02: "end of media",
    0x04: "cutter jam",
    0x10: "printer in use",
    0x20: "printer turned off",
    0x40: "high-voltage adapter",
    0x80: "fan does not work",
}
ERRORS_2 = {
    0x01: "wrong media loaded",
    0x02: "expansion buffer full",
    0x04: "transmission error",
    0x08: "communication buffer full",
    0x10: "cover open",
    0x20: "cancel key",
    0x40: "media cannot be fed",
    0x80: "system error",
}
MEDIA_TYPES = {0x00: "none", 0x0A: "endless", 0x0B: "die-cut", 0x4A: "endless", 0x4B: "die-cut"}
MODEL_CODES = {
    0x4F: "QL-500/550",
    0x31: "QL-560",
    0x32: "QL-570",
    0x33: "QL-580N",
    0x51: "QL-650TD",
    0x35: "QL-700",
    0x36: "QL-710W",
    0x37: "QL-720NW",
    0x38: "QL-800",
    0x39: "QL-810W",
    0x41: "QL-820NWB",
    0x50: "QL-1050",
    0x34: "QL-1060N",
    0x43: "QL-1100",
    0x44: "QL-1110NWB",
    0x45: "QL-1115NWB",
}


class BadStatus(Exception):
    """Bytes that are not a QL status reply."""


class PrinterStatus(msgspec.Struct, frozen=True):
    model: str | None
    errors: list[str]
    media_width_mm: int
    media_type: str  # none / endless / die-cut
    media_length_mm: int
    status_type: int
    phase: int
    raw_media_type: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def media(self) -> str:
        if self.media_type == "none" or self.media_width_mm == 0:
            return "no media"
        if self.media_type == "endless":
            return f"{self.media_width_mm} mm endless"
        return f"{self.media_width_mm}x{self.media_length_mm}"


def parse_status(data: bytes) -> PrinterStatus:
    """Parse one 32-byte reply; raises BadStatus for anything else (brother_ql raises NameError)."""
    if len(data) < STATUS_SIZE or data[0] != 0x80 or data[1] != 0x20 or data[2] != 0x42:
        raise BadStatus(f"not a status reply: {data[:8].hex(' ')} ({len(data)} bytes)")
    errors = [text for bit, text in ERRORS_1.items() if data[8] & bit and bit != 0x40]
    errors += [text for bit, text in ERRORS_2.items() if data[9] & bit and bit not in (0x08, 0x20)]
    return PrinterStatus(
        model=MODEL_CODES.get(data[4]),
        errors=errors,
        media_width_mm=data[10],
        media_type=MEDIA_TYPES.get(data[11], f"unknown 0x{data[11]:02x}"),
        media_length_mm=data[17],
        status_type=data[18],
        phase=data[19],
        raw_media_type=data[11],
    )


def build_status(
    *,
    model_code: int,
    err1: int = 0,
    err2: int = 0,
    width_mm: int = 62,
    media_type: int = 0x0A,
    length_mm: int = 0,
    status_type: int = STATUS_REPLY,
    phase: int = PHASE_WAITING,
    series: int = 0x34,
) -> bytes:
    """A reply as a QL sends it (the simulator's side of the protocol)."""
    out = bytearray(STATUS_SIZE)
    out[0:8] = bytes([0x80, 0x20, 0x42, series, model_code, 0x30, 0x30, 0x00])
    out[8], out[9], out[10], out[11] = err1, err2, width_mm, media_type
    out[14], out[15], out[17], out[18], out[19] = 0x3F, 0x40, length_mm, status_type, phase
    return bytes(out)
