"""The fake camera: replays payloads (as if decoded) or image files (as frames), then ends."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from makermatrix_edge.codes.decode import DecodedCode
from makermatrix_edge.devices.camera.base import Frame, SourceEnded, SourceLost
from makermatrix_edge.runtime.imaging import open_bounded


class FakeSource:
    kind = "fake"

    def __init__(self, payloads: list[str], images: list[str], interval: float) -> None:
        self.payloads = list(payloads)
        self.images = list(images)
        self.interval = interval
        self._index = 0
        self._next_at = 0.0

    def open(self) -> None:
        missing = [p for p in self.images if not Path(p).is_file()]
        if missing:
            raise SourceLost(f"fake camera: no image file {missing[0]}")
        self._index, self._next_at = 0, 0.0

    def read(self) -> Frame | list[DecodedCode] | None:
        items = len(self.payloads) + len(self.images)
        if self._index >= items:
            raise SourceEnded("fake camera: replay finished")
        now = time.monotonic()
        if now < self._next_at:
            return None
        self._next_at = now + self.interval
        i, self._index = self._index, self._index + 1
        if i < len(self.payloads):
            return [DecodedCode(text=self.payloads[i], format="fake")]
        with open_bounded(Path(self.images[i - len(self.payloads)])) as (img, _):
            return np.asarray(img.convert("L"))

    def close(self) -> None:
        pass

    def details(self) -> dict[str, Any]:
        return {"replayed": self._index, "items": len(self.payloads) + len(self.images)}
