"""Starting and stopping the bench camera from several requests at once: one at a time, never a 500."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from app_pool import client_for
from conftest import ADMIN_PASSWORD, bearer, login, make_settings
from makermatrix_edge.codes.decode import Decoder
from makermatrix_edge.daemon import build_services
from makermatrix_edge.devices.camera.loop import LoopConfig, ScanLoop


class Idle:
    """A frame source with nothing in view."""

    kind = "fake"

    def open(self) -> None: ...

    def close(self) -> None: ...

    def details(self) -> dict[str, Any]:
        return {}

    def read(self) -> Any:
        return None


def test_stop_during_start_waits_for_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """stop() arriving while start() is between making the thread and starting it (the 500 of issue 13)."""
    loop = ScanLoop(Idle(), Decoder, lambda codes, _: None, LoopConfig(fps=50))
    stop_done = threading.Event()
    errors: list[BaseException] = []
    real_start = threading.Thread.start

    def slow_start(thread: threading.Thread) -> None:
        if thread.name.startswith("camera-"):
            stopper.start()
            stop_done.wait(2)  # before the fix stop() ends at once with "cannot join thread before it is started"
        real_start(thread)

    def stop() -> None:
        try:
            loop.stop()
        except BaseException as exc:
            errors.append(exc)
        finally:
            stop_done.set()

    stopper = threading.Thread(target=stop)
    monkeypatch.setattr(threading.Thread, "start", slow_start)
    loop.start()
    monkeypatch.undo()
    stopper.join(10)
    assert errors == []
    assert not loop.running and loop.state().reason == "stopped"


def test_parallel_start_and_stop_over_http(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path / "data",
        camera={"kind": "fake", "autostart": False, "fake_payloads": ["NE555"] * 1000, "fake_interval_seconds": 0.05},
    )
    services = build_services(settings, admin_password=ADMIN_PASSWORD)
    try:
        with client_for(services) as client:
            h = bearer(login(client, "admin", ADMIN_PASSWORD))
            barrier = threading.Barrier(16)

            def call(i: int) -> int:
                barrier.wait()
                return client.post(f"/api/scanner/{'start' if i % 2 else 'stop'}", headers=h).status_code

            with ThreadPoolExecutor(16) as pool:
                codes = list(pool.map(call, range(48)))
            assert codes == [200] * 48
            assert client.post("/api/scanner/stop", headers=h).json()["data"]["camera"]["state"] == "offline"
    finally:
        services.close()
