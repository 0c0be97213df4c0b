"""The bench camera: `opencv` (USB camera or video file), `fake` (replays), `disabled`; see base.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from makermatrix_edge.codes.decode import Decoder
from makermatrix_edge.devices.camera.base import Camera, CodeSink, FrameSource
from makermatrix_edge.devices.camera.loop import LoopConfig, ScanLoop
from makermatrix_edge.errors import DeviceUnavailable
from makermatrix_edge.runtime.device_state import DeviceState
from makermatrix_edge.settings import CameraSettings, ScannerSettings, resolve_path

__all__ = ["Camera", "DisabledCamera", "ScanLoop", "build_camera"]


class DisabledCamera:
    """The null camera: reports disabled, refuses to start."""

    running = False

    def state(self) -> DeviceState:
        return DeviceState(kind="disabled", state="disabled", reason="camera.kind is disabled in the config")

    def start(self) -> None:
        raise DeviceUnavailable("The camera is disabled in the config (camera.kind)")

    def stop(self, timeout: float = 5.0) -> None:
        pass


def build_camera(
    camera: CameraSettings,
    scanner: ScannerSettings,
    sink: CodeSink,
    decoder: Callable[[], Decoder],
    data_dir: Path,
) -> Camera:
    """The camera [camera] names; a relative video or image file is inside data_dir, never the working dir."""
    source: FrameSource
    if camera.kind == "disabled":
        return DisabledCamera()
    if camera.kind == "fake":
        from makermatrix_edge.devices.camera.fake import FakeSource

        images = [str(resolve_path(name, data_dir)) for name in camera.fake_images]
        source = FakeSource(camera.fake_payloads, images, camera.fake_interval_seconds)
    else:
        from makermatrix_edge.devices.camera.opencv import OpenCvSource, is_live

        device = camera.device if is_live(camera.device) else str(resolve_path(camera.device.strip(), data_dir))
        source = OpenCvSource(device, width=camera.width, height=camera.height, mjpg=camera.mjpg)
    config = LoopConfig(
        fps=camera.fps,
        idle_fps=camera.idle_fps,
        idle_after_seconds=camera.idle_after_seconds,
        dedup_seconds=scanner.dedup_seconds,
        reconnect_max_seconds=camera.reconnect_max_seconds,
    )
    return ScanLoop(source, decoder, sink, config)
