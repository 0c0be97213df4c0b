"""GET /api/utility/diagnostics (admin): the `makermatrix-edge doctor` report, as the running daemon sees it."""

from __future__ import annotations

import asyncio

from litestar import get
from litestar.di import NamedDependency

from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.api.makermatrix.envelope import Envelope
from makermatrix_edge.api.security import access
from makermatrix_edge.doctor import Check, CheckFn, Report, device_checks, run_checks
from makermatrix_edge.doctor.checks import host_checks
from makermatrix_edge.doctor.host import host_for
from makermatrix_edge.services import Services

_MESSAGES = {"ok": "All checks passed", "warn": "Some checks warn", "fail": "Some checks failed"}


@get("/utility/diagnostics", opt=access(ADMIN), tags=["utility"])
async def diagnostics(services: NamedDependency[Services]) -> Envelope[Report]:
    """Config, data dir, database, libraries, Ollama, backup drive, clock, and each device's own state."""
    host = host_for(services.settings)
    live = device_checks({"data_disk": services.disk, **services.devices})
    # With the daemon running, its devices say how they are; host-level USB/camera probing is for the CLI.
    checks: list[CheckFn] = [lambda: Check("config", "ok", "loaded and valid (the daemon is running with it)")]
    for check in host_checks(host, devices=not services.devices):
        if check.__name__ == "check_mdns" and "mdns" in services.devices:
            continue  # the live device state below says more than asking our own /api/health
        checks.append(check)
    report = await asyncio.to_thread(run_checks, [*checks, lambda: live])
    return Envelope(status="success", message=_MESSAGES[report.level], data=report)
