"""The home page's "Bench camera": whether it is on, starting it from there, and its feed of scans.

The feed is what the bench sends (the camera, a USB scanner or a script posting a payload); a photo
taken with a phone is read on the Scan page and answered there, so it is kept out of this list.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, post
from litestar.response import Redirect

from makermatrix_edge.scanning.service import ScanResult
from makermatrix_edge.services import Services
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc
from makermatrix_edge.web.render import back

CONTROL = "parts:write"  # as POST /api/scanner/start and /stop
BENCH = ("camera", "api")  # the camera, and payloads sent by a USB scanner or a script at the bench


class CameraView(msgspec.Struct):
    on: bool
    text: str  # what the page says about the camera, in words
    can_start: bool  # there is a camera to start (not disabled in the config)


def camera_view(services: Services) -> CameraView:
    state = services.scans.camera.state()
    running = bool(state.details.get("running")) if state.details else False
    if state.state == "disabled":
        return CameraView(False, "No bench camera is set up ([camera] kind is disabled).", False)
    if not running:
        ended = f" ({state.reason})" if state.reason not in (None, "stopped", "not started") else ""
        return CameraView(False, f"The bench camera is off{ended}.", True)
    if state.state == "ready":
        return CameraView(True, "The bench camera is on: hold a bag or label under it.", True)
    why = f": {state.reason}" if state.reason else ""
    return CameraView(True, f"The bench camera is {state.state}{why}.", True)


def bench_scans(services: Services, limit: int) -> list[ScanResult]:
    """The latest scans from the bench, without the photos phones sent and the bags they received."""
    everything = services.scans.recent(services.scans.settings.recent_size)
    return [s for s in everything if s.source in BENCH][:limit]


class BenchCameraPages(Controller):
    @post("/camera/start", opt=page_access(CONTROL), status_code=303)
    async def start(self, request: Req, services: Svc) -> Redirect:
        await services.scans.start_camera()  # starting a running camera does nothing: a double tap is harmless
        return back(request, "/", "Bench camera started.")

    @post("/camera/stop", opt=page_access(CONTROL), status_code=303)
    async def stop(self, request: Req, services: Svc) -> Redirect:
        await services.scans.stop_camera()
        return back(request, "/", "The bench camera is off.")
