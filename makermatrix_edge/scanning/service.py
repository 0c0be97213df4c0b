"""Scanning service: payloads, photos and camera codes resolved to parts; bags received into stock."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Literal

import msgspec

from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.codes.decode import DecodedCode, Decoder, load_image
from makermatrix_edge.codes.fields import ParsedCode
from makermatrix_edge.codes.payload import parse_payload
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.devices.camera import Camera, DisabledCamera
from makermatrix_edge.devices.camera.base import CodeSink
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.inventory.parts import PartService
from makermatrix_edge.runtime.device_state import DeviceState
from makermatrix_edge.runtime.events import ENTITIES, EventBus, make_event
from makermatrix_edge.runtime.imaging import DecodeGate
from makermatrix_edge.scanning.resolve import Resolution, resolve
from makermatrix_edge.settings import ScannerSettings

log = logging.getLogger(__name__)
CameraFactory = Callable[[CodeSink, Callable[[], Decoder]], Camera]
# api: a payload sent by a client (a USB scanner, a script); image: a photo; camera: the bench camera;
# phone: a bag received on the phone pages (kept out of the bench camera's feed, as photos are).
Source = Literal["api", "image", "camera", "phone"]


class ScanResult(Resolution, kw_only=True):
    id: str
    source: Source
    symbology: str | None = None  # DataMatrix, QRCode, ... (None: typed or pasted)
    scanned_at: str
    parsed: ParsedCode
    latency_ms: float | None = None  # camera: from frame capture to this result


class ScannerStatus(msgspec.Struct):
    camera: DeviceState
    decoder: str
    formats: list[str]
    dedup_seconds: float
    recent: int


class ScanService:
    def __init__(
        self,
        db: Database,
        parts: PartService,
        events: EventBus,
        clock: Clock,
        settings: ScannerSettings,
        *,
        gate: DecodeGate | None = None,
        camera: CameraFactory | None = None,
        camera_autostart: bool = False,
    ) -> None:
        """`camera` builds the camera around this service's code sink and decoder (None: no camera)."""
        self.db = db
        self.parts = parts
        self._events = events
        self.clock = clock
        self.settings = settings
        self._recent: deque[ScanResult] = deque(maxlen=settings.recent_size)
        self._lock = threading.Lock()
        self.gate = gate or DecodeGate()
        self._decoder: Decoder | None = None
        self.camera: Camera = camera(self.on_camera_codes, self.decoder) if camera is not None else DisabledCamera()
        self.camera_autostart = camera_autostart

    # -- decoding --------------------------------------------------------------------
    def decoder(self) -> Decoder:
        """The configured decoder, built on first use (thread-safe)."""
        with self._lock:
            if self._decoder is None:
                self._decoder = Decoder(self.settings.decoder, self.settings.formats)
            return self._decoder

    # -- scanning ----------------------------------------------------------------------
    def _result(
        self, parsed: ParsedCode, found: Resolution, source: Source, symbology: str | None, latency: float | None
    ) -> ScanResult:
        result = ScanResult(
            **msgspec.structs.asdict(found),
            id=str(uuid.uuid4()),
            source=source,
            symbology=symbology,
            scanned_at=iso(self.clock()),
            parsed=parsed,
            latency_ms=latency,
        )
        with self._lock:
            self._recent.appendleft(result)
        self._events.publish(
            make_event("scan", result, topic=ENTITIES, timestamp=self.clock(), permission="parts:read")
        )
        return result

    async def scan(self, payload: str, *, source: Source = "api", symbology: str | None = None) -> ScanResult:
        parsed = parse_payload(payload)
        found = await self.db.read(lambda db: resolve(db, parsed))
        return self._result(parsed, found, source, symbology, None)

    def scan_sync(
        self, payload: str, *, source: Source, symbology: str | None = None, captured: float | None = None
    ) -> ScanResult:
        """Blocking form for the camera thread."""
        parsed = parse_payload(payload)
        found = self.db.read_sync(lambda db: resolve(db, parsed))
        latency = (time.time() - captured) * 1000 if captured is not None else None
        return self._result(parsed, found, source, symbology, latency)

    def on_camera_codes(self, codes: list[DecodedCode], captured: float) -> None:
        """The camera's sink: runs on the scan loop's thread; one result (and event) per new code."""
        for code in codes:
            try:
                self.scan_sync(code.text, source="camera", symbology=code.format, captured=captured)
            except Exception:  # a database hiccup must not kill the camera thread
                log.exception("camera scan of %r failed", code.text[:60])

    async def scan_image(self, content: bytes) -> list[ScanResult]:
        """Every code in a photo, resolved (decoding runs in a worker thread)."""
        if len(content) > self.settings.max_image_bytes:
            most = f"{self.settings.max_image_bytes / (1024 * 1024):g} MB"
            raise InvalidInput(f"the photo is larger than {most}, the most a photo may be", "file")

        def decode() -> list[DecodedCode]:
            try:
                image = load_image(content)
            except ValueError as exc:
                raise InvalidInput(str(exc), "file") from None
            return self.decoder().decode_still(image)

        codes = await self.gate.run(decode)  # bounded: a few photos at once, each bounded in pixels
        return [await self.scan(c.text, source="image", symbology=c.format) for c in codes]

    def recent(self, limit: int) -> list[ScanResult]:
        if not 1 <= limit <= self.settings.recent_size:
            raise InvalidInput(f"must be between 1 and {self.settings.recent_size}", "limit")
        with self._lock:
            return list(self._recent)[:limit]

    # -- the camera --------------------------------------------------------------------
    def status(self) -> ScannerStatus:
        return ScannerStatus(
            camera=self.camera.state(),
            decoder=self.settings.decoder,
            formats=list(self.settings.formats),
            dedup_seconds=self.settings.dedup_seconds,
            recent=len(self._recent),
        )

    async def start_camera(self) -> ScannerStatus:
        await asyncio.to_thread(self.camera.start)
        return self.status()

    async def autostart(self) -> None:
        """At daemon start: run the camera when configured to (never raises; a missing camera is offline)."""
        if self.camera_autostart and not isinstance(self.camera, DisabledCamera):
            await asyncio.to_thread(self.camera.start)

    async def stop_camera(self) -> ScannerStatus:
        await asyncio.to_thread(self.camera.stop)
        return self.status()
