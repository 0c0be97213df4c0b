"""The scan loop: frames at a capped rate, decoded, de-duplicated, handed on; survives the camera going away."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from makermatrix_edge.codes.decode import DecodedCode, Decoder
from makermatrix_edge.devices.camera.base import CodeSink, FrameSource, SourceEnded, SourceLost
from makermatrix_edge.runtime.device_state import DeviceState, State

log = logging.getLogger(__name__)
STABLE_SECONDS = 10.0  # a camera that ran this long before failing is retried after 1 s again


class LoopConfig:
    def __init__(
        self,
        *,
        fps: float = 10.0,
        idle_fps: float = 2.0,
        idle_after_seconds: float = 60.0,
        dedup_seconds: float = 3.0,
        reconnect_max_seconds: float = 30.0,
    ) -> None:
        self.fps = fps
        self.idle_fps = min(idle_fps, fps)
        self.idle_after_seconds = idle_after_seconds
        self.dedup_seconds = dedup_seconds
        self.reconnect_max_seconds = reconnect_max_seconds


class Dedup:
    """A code seen again within the window (counted from its last sighting) is not new."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._seen: dict[str, float] = {}

    def fresh(self, codes: list[DecodedCode], now: float) -> list[DecodedCode]:
        out = [c for c in codes if now - self._seen.get(c.text, -1e18) > self.window]
        for code in codes:
            self._seen[code.text] = now
        if len(self._seen) > 256:
            self._seen = {k: t for k, t in self._seen.items() if now - t <= self.window}
        return out


class ScanLoop:
    """Runs one FrameSource in a daemon thread; state() is always answered from memory."""

    def __init__(
        self,
        source: FrameSource,
        decoder: Callable[[], Decoder],
        sink: CodeSink,
        config: LoopConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self._make_decoder = decoder
        self._sink = sink
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state: State = "offline"
        self._reason: str | None = "not started"
        self.frames = 0
        self.events = 0
        self.decode_ms = 0.0  # mean over the frames decoded so far
        self.last_code_at: float | None = None
        self.idle = False
        self._ended = False

    # -- control ---------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            self._stop.clear()
            self._ended = False
            self._set("busy", "starting")
            self._thread = threading.Thread(target=self._run, name=f"camera-{self.source.kind}", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        # Under the same lock as start(): a stop racing a start would join a thread not yet started.
        with self._lock:
            self._stop.set()
            thread = self._thread
            if thread is not None:
                thread.join(timeout)
            self._thread = None
            if not self._ended:  # a finished video keeps saying so; anything else is now simply stopped
                self._set("offline", "stopped")

    def wait(self, timeout: float) -> bool:
        """Wait for the loop to end by itself (a finite source); True when it has."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def state(self) -> DeviceState:
        details: dict[str, Any] = {
            "running": self.running,
            "frames": self.frames,
            "events": self.events,
            "decode_ms": round(self.decode_ms, 2),
            "fps": self.config.idle_fps if self.idle else self.config.fps,
            "idle": self.idle,
        }
        with contextlib.suppress(Exception):  # details are a courtesy; state() must never raise
            details.update(self.source.details())
        return DeviceState(kind=self.source.kind, state=self._state, reason=self._reason, details=details)

    def _set(self, state: State, reason: str | None) -> None:
        self._state, self._reason = state, reason

    # -- the thread --------------------------------------------------------------------
    def _run(self) -> None:
        try:
            decoder = self._make_decoder()
        except Exception as exc:  # a missing engine library: say so, never crash the daemon
            log.exception("camera: cannot build the decoder")
            self._set("error", f"decoder unavailable: {exc}")
            return
        backoff = 1.0
        dedup = Dedup(self.config.dedup_seconds)
        while not self._stop.is_set():
            try:
                self.source.open()
            except SourceLost as exc:
                self._set("offline", f"{exc}; retrying in {backoff:.0f} s")
                if self._stop.wait(backoff):
                    break
                backoff = min(backoff * 2, self.config.reconnect_max_seconds)
                continue
            opened = time.monotonic()
            self._set("ready", None)
            try:
                self._frames(decoder, dedup)
            except SourceEnded as exc:
                self._ended = True
                self._set("offline", str(exc))
                self._stop.set()
            except Exception as exc:  # SourceLost (unplugged) or a bug: report, back off, reopen
                if isinstance(exc, SourceLost):
                    log.warning("camera lost: %s", exc)
                    self._set("offline", f"{exc}; reconnecting")
                else:
                    log.exception("camera loop failed")
                    self._set("error", f"scan loop failed: {exc}")
                # A camera that drops out right after opening must not be reopened in a tight loop.
                if time.monotonic() - opened > STABLE_SECONDS:
                    backoff = 1.0
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.config.reconnect_max_seconds)
            finally:
                self.source.close()
        if self._state in ("ready", "busy"):
            self._set("offline", "stopped")

    def _frames(self, decoder: Decoder, dedup: Dedup) -> None:
        config = self.config
        started = self._clock()
        while not self._stop.is_set():
            tick = self._clock()
            quiet_since = self.last_code_at if self.last_code_at is not None else started
            self.idle = tick - quiet_since > config.idle_after_seconds
            period = 1.0 / (config.idle_fps if self.idle else config.fps)
            item = self.source.read()
            captured = time.time()
            if item is not None:
                codes = item if isinstance(item, list) else self._decode(decoder, item)
                if codes:
                    self.last_code_at = self._clock()
                    fresh = dedup.fresh(codes, self.last_code_at)
                    if fresh:
                        self.events += len(fresh)
                        self._sink(fresh, captured)
            rest = period - (self._clock() - tick)
            if rest > 0 and self._stop.wait(rest):
                return

    def _decode(self, decoder: Decoder, frame: Any) -> list[DecodedCode]:
        t0 = time.perf_counter()
        codes = decoder.decode_frame(frame)
        ms = (time.perf_counter() - t0) * 1000
        self.frames += 1
        self.decode_ms += (ms - self.decode_ms) / self.frames
        return codes
