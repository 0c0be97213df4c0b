"""The bench camera's contract: a frame source read by a scan loop in its own thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from makermatrix_edge.codes.decode import DecodedCode
from makermatrix_edge.runtime.device_state import DeviceState

Frame = npt.NDArray[np.uint8]
# What the loop hands on: the codes newly seen in one frame and the time that frame was captured.
CodeSink = Callable[[list[DecodedCode], float], None]


class SourceLost(Exception):
    """The camera went away (unplugged, read failed); the loop reconnects with backoff."""


class SourceEnded(Exception):
    """A finite source (video file, replay list) has no more frames; the loop stops."""


class FrameSource(Protocol):
    """Opened and read only on the scan loop's thread."""

    kind: str

    def open(self) -> None:
        """Open the device; raises SourceLost with a reason a person understands."""
        ...

    def read(self) -> Frame | list[DecodedCode] | None:
        """The newest frame (or codes already decoded, for a payload replay); None: nothing new yet."""
        ...

    def close(self) -> None: ...

    def details(self) -> dict[str, Any]: ...


class Camera(Protocol):
    def state(self) -> DeviceState: ...

    def start(self) -> None:
        """Start the scan loop (a no-op when running); raises DeviceUnavailable when disabled."""
        ...

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the scan loop and release the device (blocking; call off the event loop)."""
        ...

    @property
    def running(self) -> bool: ...
