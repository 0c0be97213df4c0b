"""The bench camera: a video of bag labels played through the opencv camera; fake and disabled kinds."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from litestar.testing import TestClient

from app_pool import client_for
from makermatrix_edge.codes.decode import DecodedCode, Decoder
from makermatrix_edge.codes.synth import Placement, frame, symbol, to_bgr
from makermatrix_edge.daemon import build_services
from makermatrix_edge.devices.camera.loop import Dedup, LoopConfig, ScanLoop
from makermatrix_edge.devices.camera.opencv import OpenCvSource
from makermatrix_edge.services import Services
from tests.conftest import ADMIN_PASSWORD, bearer, login, make_settings
from tests.test_scan_api import DIGIKEY, FARNELL, LCSC_KNOWN, LCSC_NEW, MOUSER, TME, make_bench

LABELS = [  # payload, symbology, placement
    (DIGIKEY, "DataMatrix", Placement(symbol(DIGIKEY, "DataMatrix", 4), (0.45, 0.5), rotation=-14, scale=1.0)),
    (MOUSER, "DataMatrix", Placement(symbol(MOUSER, "DataMatrix", 5), (0.6, 0.4), rotation=11, scale=0.9)),
    (LCSC_KNOWN, "QRCode", Placement(symbol(LCSC_KNOWN, "QRCode", 4), (0.4, 0.55), rotation=8, scale=1.1)),
    (FARNELL, "DataMatrix", Placement(symbol(FARNELL, "DataMatrix", 5), (0.55, 0.6), rotation=-6)),
    (TME, "QRCode", Placement(symbol(TME, "QRCode", 4), (0.5, 0.45), rotation=15)),
    ("455-1720-ND", "Code128", Placement(symbol("455-1720-ND", "Code128", 3), (0.5, 0.5), rotation=4)),
    (LCSC_NEW, "QRCode", Placement(symbol(LCSC_NEW, "QRCode", 4), (0.35, 0.4), rotation=-10)),
]
SIZE = (640, 480)


def write_video(path: Path, frames_per_label: int = 5, blanks: int = 3) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 15, SIZE)
    assert writer.isOpened()
    seed = 0
    for _, _, placement in LABELS:
        for i in range(frames_per_label):
            seed += 1
            jitter = Placement(placement.image, (placement.centre[0] + 0.01 * i, placement.centre[1]),
                               placement.rotation + i, placement.scale)  # fmt: skip
            writer.write(to_bgr(frame(SIZE, [jitter], blur=0.9, noise=6, jpeg_quality=70, seed=seed)))
        for _ in range(blanks):
            seed += 1
            writer.write(to_bgr(frame(SIZE, [], seed=seed)))
    writer.release()
    return path


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_video(tmp_path_factory.mktemp("video") / "bags.avi")


def camera_services(tmp_path: Path, **camera: Any) -> Services:
    settings = make_settings(
        tmp_path / "data",
        camera={"autostart": False, "fps": 60, **camera},
        scanner={"dedup_seconds": 30},
    )
    return build_services(settings, admin_password=ADMIN_PASSWORD)


def test_video_of_bag_labels_through_the_opencv_camera(tmp_path: Path, video: Path) -> None:
    services = camera_services(tmp_path, kind="opencv", device=str(video))
    try:
        with client_for(services) as client:
            h = bearer(login(client, "admin", ADMIN_PASSWORD))
            bench = make_bench(client, h["Authorization"].split()[1])
            with client.websocket_connect(f"/ws/events?token={h['Authorization'].split()[1]}") as ws:
                ws.receive_json(timeout=5)
                r = client.post("/api/scanner/start", headers=h)
                assert r.status_code == 200, r.text
                assert services.scans.camera.running or services.scans.camera.state().reason
                events = []
                while len(events) < len(LABELS):
                    message = ws.receive_json(timeout=10)
                    if message["type"] == "scan":
                        events.append(message["data"])
            assert isinstance(services.scans.camera, ScanLoop)
            assert services.scans.camera.wait(10)
            status = client.get("/api/scanner/status", headers=h).json()["data"]
    finally:
        services.close()
    by_raw = {e["parsed"]["raw"]: e for e in events}
    assert list(by_raw) == [payload for payload, _, _ in LABELS]  # each label once, in order
    expect = {
        DIGIKEY: ("jst", "Shelf 2 / Drawer B / Bin 7"),
        MOUSER: ("mc34063", "Shelf 2"),
        LCSC_KNOWN: ("lmr", "Shelf 2 / Drawer B / Bin 7"),
        FARNELL: ("grm", None),
        TME: ("wbp", "Shelf 2 / Drawer B / Bin 7"),
        "455-1720-ND": ("jst", "Shelf 2 / Drawer B / Bin 7"),
    }
    for payload, symbology, _ in LABELS:
        event = by_raw[payload]
        assert (event["source"], event["symbology"]) == ("camera", symbology)
        assert event["latency_ms"] is not None and event["latency_ms"] >= 0
        if payload == LCSC_NEW:
            assert event["status"] == "unknown" and event["new_part"]["quantity"] == 3
            continue
        key, path = expect[payload]
        assert event["status"] == "found", event["message"]
        assert event["part"]["id"] == bench["parts"][key]["id"]
        assert (event["location_path"], event["quantity"]) == (path, bench["parts"][key]["quantity"])
    camera = status["camera"]
    assert camera["kind"] == "opencv" and camera["state"] == "offline" and "end of video" in camera["reason"]
    assert camera["details"]["frames"] == len(LABELS) * 8 and camera["details"]["frame_size"] == "640x480"


def test_fake_camera_replays_payloads_and_images(tmp_path: Path) -> None:
    image = tmp_path / "label.png"
    from PIL import Image

    Image.fromarray(frame(SIZE, [LABELS[2][2]])).save(image)
    services = camera_services(
        tmp_path, kind="fake", fake_payloads=[MOUSER, MOUSER], fake_images=[str(image)], fake_interval_seconds=0.01
    )
    try:
        with client_for(services) as client:
            h = bearer(login(client, "admin", ADMIN_PASSWORD))
            assert client.post("/api/scanner/start", headers=h).status_code == 200
            assert services.scans.camera.wait(5)  # type: ignore[attr-defined]
            recent = client.get("/api/scan/recent", headers=h).json()["data"]
            health = client.get("/api/health", headers=h).json()
    finally:
        services.close()
    assert [r["parsed"]["raw"] for r in recent] == [LCSC_KNOWN, MOUSER]  # the repeat was de-duplicated
    assert [r["source"] for r in recent] == ["camera", "camera"]
    camera = health["data"]["devices"]["camera"]
    assert (camera["kind"], camera["state"], camera["reason"]) == ("fake", "offline", "fake camera: replay finished")


def test_disabled_camera(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)
    status = client.get("/api/scanner/status", headers=h).json()["data"]
    assert status["camera"]["state"] == "disabled" and status["decoder"] == "zxing"
    r = client.post("/api/scanner/start", headers=h)
    assert r.status_code == 503 and "disabled" in r.json()["message"]
    assert client.post("/api/scanner/stop", headers=h).status_code == 200


def test_missing_camera_is_offline_and_the_daemon_keeps_serving(tmp_path: Path) -> None:
    services = camera_services(tmp_path, kind="opencv", device=str(tmp_path / "nope.avi"), autostart=True)
    try:
        with client_for(services) as client:
            h = bearer(login(client, "admin", ADMIN_PASSWORD))
            deadline = time.monotonic() + 5
            while services.scans.camera.state().state != "offline" and time.monotonic() < deadline:
                time.sleep(0.02)
            camera = client.get("/api/scanner/status", headers=h).json()["data"]["camera"]
            assert camera["state"] == "offline" and "no video file" in camera["reason"]
            assert "retrying" in camera["reason"]
            assert client.post("/api/scan", json={"payload": "NE555"}, headers=h).status_code == 200
            stopped = client.post("/api/scanner/stop", headers=h).json()["data"]["camera"]
            assert stopped["details"]["running"] is False
            assert (stopped["state"], stopped["reason"]) == ("offline", "stopped")
    finally:
        services.close()


class _FakeCapture:
    """A V4L2 camera as cv2 shows it: frames numbered 1, 2, 3 ... faster than the scan loop reads."""

    def __init__(self, unplug_after: int | None = None) -> None:
        self.count = 0
        self.unplug_after = unplug_after
        self.released = False
        self._counted = threading.Condition()

    def isOpened(self) -> bool:
        return True

    def set(self, prop: int, value: float) -> bool:
        return True

    def read(self) -> tuple[bool, Any]:
        time.sleep(0.002)
        if self.unplug_after is not None and self.count >= self.unplug_after:
            return False, None
        with self._counted:
            self.count += 1
            self._counted.notify_all()
        return True, np.full((48, 64, 3), self.count % 256, np.uint8)

    def wait_until_read(self, frames: int) -> None:
        """Block until the reader asked for frame `frames`: by then it has handed on every frame before it."""
        with self._counted:
            assert self._counted.wait_for(lambda: self.count >= frames, timeout=10), self.count

    def release(self) -> None:
        self.released = True


def test_live_camera_gives_the_newest_frame_and_survives_unplugging(monkeypatch: pytest.MonkeyPatch) -> None:
    captures: list[_FakeCapture] = []
    unplugs = [False]  # the first camera the scan loop opens unplugs itself after 50 frames

    def open_capture(target: Any, api: int = 0) -> _FakeCapture:
        captures.append(_FakeCapture(unplug_after=50 if unplugs[0] and not captures else None))
        return captures[-1]

    monkeypatch.setattr(cv2, "VideoCapture", open_capture)
    source = OpenCvSource("0", width=640, height=480, mjpg=True)
    source.open()
    captures[0].wait_until_read(2)
    first = source.read()
    assert first is not None
    captures[0].wait_until_read(int(first[0, 0, 0]) + 5)  # four newer frames came in since
    second = source.read()
    assert second is not None and int(second[0, 0, 0]) > int(first[0, 0, 0]) + 3  # stale frames were skipped
    source.close()
    assert captures[0].released

    # Through the scan loop: the first camera "unplugs"; the loop says offline and reconnects.
    seen: list[str] = []
    loop = ScanLoop(
        OpenCvSource("/dev/video0", width=640, height=480, mjpg=False),
        Decoder,
        lambda codes, _: seen.extend(c.text for c in codes),
        LoopConfig(fps=50, reconnect_max_seconds=1),
    )
    captures.clear()
    unplugs[0] = True
    states: list[str] = []
    loop.start()
    deadline = time.monotonic() + 5
    while len(captures) < 2 and time.monotonic() < deadline:
        states.append(f"{loop.state().state}:{loop.state().reason}")
        time.sleep(0.005)
    loop.stop()
    assert len(captures) >= 2, states
    assert any("stopped sending frames" in s for s in states) or captures[0].released
    assert loop.state().state == "offline" and not loop.running


def test_dedup_window() -> None:
    dedup = Dedup(3.0)
    a, b = DecodedCode("A", "QRCode"), DecodedCode("B", "QRCode")
    assert dedup.fresh([a], 0.0) == [a]
    assert dedup.fresh([a, b], 1.0) == [b]
    assert dedup.fresh([a], 3.5) == []  # still in view: the window runs from the last sighting
    assert dedup.fresh([a], 7.0) == [a]


def test_idle_rate_after_a_quiet_minute() -> None:
    now = [0.0]
    reads = threading.Event()
    again = threading.Event()  # a second read: the loop has dealt with the first frame and gone idle

    class Blank:
        kind = "fake"

        def open(self) -> None: ...
        def close(self) -> None: ...
        def details(self) -> dict[str, Any]:
            return {}

        def read(self) -> Any:
            now[0] += 61.0  # each frame "takes" a minute: the loop goes idle after the first
            (again if reads.is_set() else reads).set()
            return [] if now[0] < 1000 else None

    loop = ScanLoop(Blank(), Decoder, lambda codes, _: None, LoopConfig(fps=10, idle_fps=2), clock=lambda: now[0])
    loop.start()
    assert reads.wait(2)
    assert again.wait(2)
    state = loop.state()
    loop.stop()
    assert state.details["idle"] is True and state.details["fps"] == 2
