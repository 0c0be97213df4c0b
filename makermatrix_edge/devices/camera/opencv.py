"""OpenCV frame source: a USB/V4L2 camera (index or /dev/video*), or a video file / image sequence.

cv2 is imported here only, when the camera is opened (it costs ~60 MB). A live camera is drained by
a reader thread that keeps only the newest frame, so the decoder never sees stale buffered frames;
a file is read frame by frame, in order, and ends.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from makermatrix_edge.devices.camera.base import Frame, SourceEnded, SourceLost

log = logging.getLogger(__name__)
MAX_FAILED_READS = 10


def is_live(device: str) -> bool:
    return device.strip().isdigit() or device.startswith("/dev/")


class OpenCvSource:
    kind = "opencv"

    def __init__(self, device: str, *, width: int, height: int, mjpg: bool) -> None:
        self.device = device.strip()
        self.width, self.height, self.mjpg = width, height, mjpg
        self.live = is_live(self.device)
        self._cap: Any = None
        self._latest: Frame | None = None
        self._seq = 0
        self._taken = 0
        self._lost: str | None = None
        self._cond = threading.Condition()
        self._reader: threading.Thread | None = None
        self._closing = threading.Event()
        self.frame_size: tuple[int, int] | None = None

    def open(self) -> None:
        import cv2  # only now: the camera is enabled and starting

        if not self.live and "%" not in self.device and not Path(self.device).exists():
            raise SourceLost(f"no video file {self.device}")
        if self.live:
            target: int | str = int(self.device) if self.device.isdigit() else self.device
            cap = cv2.VideoCapture(target, cv2.CAP_V4L2)
        else:
            cap = cv2.VideoCapture(self.device)
        if not cap.isOpened():
            cap.release()
            raise SourceLost(f"camera {self.device} not found or busy")
        if self.live:
            if self.mjpg:
                cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._cap = cap
        self._lost = None
        self._closing.clear()
        if self.live:
            self._reader = threading.Thread(target=self._drain, name="camera-reader", daemon=True)
            self._reader.start()

    def _drain(self) -> None:
        """Keep only the newest frame: the V4L2 queue would otherwise hand out old ones."""
        failures = 0
        while not self._closing.is_set():
            ok, frame = self._cap.read()
            with self._cond:
                if not ok or frame is None:
                    failures += 1
                    if failures >= MAX_FAILED_READS:
                        self._lost = f"camera {self.device} stopped sending frames (unplugged?)"
                        self._cond.notify_all()
                        return
                    continue
                failures = 0
                self._latest = frame
                self._seq += 1
                self._cond.notify_all()

    def read(self) -> Frame | None:
        if self._cap is None:
            raise SourceLost("camera not open")
        if not self.live:
            ok, frame = self._cap.read()
            if not ok or frame is None:
                raise SourceEnded(f"end of video {Path(self.device).name}")
            self._note(frame)
            return frame  # type: ignore[no-any-return]
        with self._cond:
            if self._seq == self._taken and self._lost is None:
                self._cond.wait(0.5)
            if self._lost is not None:
                raise SourceLost(self._lost)
            if self._seq == self._taken:
                return None
            self._taken = self._seq
            frame = self._latest
        if frame is not None:
            self._note(frame)
        return frame

    def _note(self, frame: Frame) -> None:
        self.frame_size = (int(frame.shape[1]), int(frame.shape[0]))  # what the camera really gave

    def close(self) -> None:
        self._closing.set()
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.join(2.0)
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def details(self) -> dict[str, Any]:
        size = self.frame_size
        return {
            "device": self.device,
            "live": self.live,
            "frame_size": f"{size[0]}x{size[1]}" if size else None,
            "requested_size": f"{self.width}x{self.height}",
        }
