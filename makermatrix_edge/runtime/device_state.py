"""The state every device reports (printer, camera, LLM, mDNS, USB drive, the data disk).

Every device can say how it is at any moment without blocking (`state()`), so /api/health, the
systemd status line and `doctor` can report it. A device that is unplugged reports `offline` with
a reason a person understands; it never raises into the event loop. This sits in runtime, below the
database and the devices, so that the watchdog and the disk check need neither.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

import msgspec

State = Literal["ready", "busy", "offline", "error", "disabled"]


class DeviceState(msgspec.Struct):
    kind: str  # which implementation: "brother_ql", "opencv", "fake", "disabled", ...
    state: State
    reason: str | None = None  # why it is not ready, in words: "no printer on USB (04f9:2042)"
    details: dict[str, Any] = msgspec.field(default_factory=dict)


class Device(Protocol):
    def state(self) -> DeviceState:
        """The current state, from memory: never blocks, never raises."""
        ...
