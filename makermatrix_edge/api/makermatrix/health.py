"""/api/health: is the daemon up, is the database answering, how are the devices.

Anyone may ask whether the daemon is up; only a logged-in caller (token or API key) sees the
details (uptime, database, devices), because device details name paths and hardware.
"""

from __future__ import annotations

import msgspec
from litestar import Response, get
from litestar.di import NamedDependency

from makermatrix_edge import __version__
from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.makermatrix.envelope import Envelope
from makermatrix_edge.api.security import OPTIONAL, access
from makermatrix_edge.db.migrations import schema_version
from makermatrix_edge.runtime.device_state import DeviceState
from makermatrix_edge.services import Services


class DatabaseHealth(msgspec.Struct):
    ok: bool
    schema_version: str
    error: str | None = None


class Health(msgspec.Struct, omit_defaults=True):
    """`status` and `version` for everyone; the rest only with credentials."""

    status: str
    version: str
    uptime_seconds: int | None = None
    database: DatabaseHealth | None = None
    devices: dict[str, DeviceState] | None = None


@get("/health", opt=access(OPTIONAL), tags=["health"])
async def health(
    services: NamedDependency[Services], maybe_principal: NamedDependency[Principal | None]
) -> Response[Envelope[Health]]:
    try:
        version = await services.db.read(schema_version)
        database = DatabaseHealth(ok=True, schema_version=version)
    except Exception as exc:  # health must answer even when the database does not
        database = DatabaseHealth(ok=False, schema_version="", error=str(exc))
    disk_full = services.disk.problem()
    # A replica in error or behind is a warning, not an outage: the daemon serves as before.
    replica = services.replication.problem()
    status = "unhealthy" if not database.ok else "disk full" if disk_full else "degraded" if replica else "healthy"
    if maybe_principal is None:
        body = Health(status=status, version=__version__)
        if database.ok and disk_full:  # the data path stays private: anonymous callers only learn that it is full
            return Response(Envelope(status="error", message="Disk full", data=body), status_code=507)
    else:
        body = Health(
            status=status,
            version=__version__,
            uptime_seconds=int(services.clock() - services.started_at),
            database=database,
            devices={"data_disk": services.disk.state(), **{n: d.state() for n, d in services.devices.items()}},
        )
        if database.ok and disk_full:  # reads still work, but nothing can be saved: not healthy
            return Response(Envelope(status="error", message=disk_full, data=body), status_code=507)
    if database.ok:
        message = "Healthy" if replica is None else "Degraded" if maybe_principal is None else f"Degraded: {replica}"
        return Response(Envelope(status="success", message=message, data=body))
    return Response(Envelope(status="error", message="Database unavailable", data=body), status_code=503)
