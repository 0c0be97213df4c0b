"""/api/health: is the daemon up, is the database answering, how are the devices."""

from __future__ import annotations

import msgspec
from litestar import Response, get
from litestar.di import NamedDependency

from makermatrix_edge import __version__
from makermatrix_edge.api.makermatrix.envelope import Envelope
from makermatrix_edge.api.security import PUBLIC, access
from makermatrix_edge.db.migrations import schema_version
from makermatrix_edge.devices import DeviceState
from makermatrix_edge.services import Services


class DatabaseHealth(msgspec.Struct):
    ok: bool
    schema_version: str
    error: str | None = None


class Health(msgspec.Struct):
    version: str
    uptime_seconds: int
    database: DatabaseHealth
    devices: dict[str, DeviceState]


@get("/health", opt=access(PUBLIC), tags=["health"])
async def health(services: NamedDependency[Services]) -> Response[Envelope[Health]]:
    try:
        version = await services.db.read(schema_version)
        database = DatabaseHealth(ok=True, schema_version=version)
    except Exception as exc:  # health must answer even when the database does not
        database = DatabaseHealth(ok=False, schema_version="", error=str(exc))
    body = Health(
        version=__version__,
        uptime_seconds=int(services.clock() - services.started_at),
        database=database,
        devices={"data_disk": services.disk.state(), **{n: d.state() for n, d in services.devices.items()}},
    )
    disk_full = services.disk.problem()
    if database.ok and disk_full:  # reads still work, but nothing can be saved: not healthy
        return Response(Envelope(status="error", message=disk_full, data=body), status_code=507)
    if database.ok:
        return Response(Envelope(status="success", message="Healthy", data=body))
    return Response(Envelope(status="error", message="Database unavailable", data=body), status_code=503)
