"""What runs beside HTTP on an appliance: systemd notifications, the watchdog task and mDNS.

daemon._Server calls `started()` once the lifespan has run (database open, worker and scheduler
started) and the HTTP sockets listen, and `stopping()` first thing on shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Protocol

from makermatrix_edge.runtime.device_state import Device
from makermatrix_edge.runtime.sdnotify import Notifier
from makermatrix_edge.runtime.store import Store
from makermatrix_edge.runtime.watchdog import StatusFragment, Watchdog, status_line

log = logging.getLogger(__name__)
DB_TIMEOUT_NOTE = "database not answering"


class Advertiser(Device, Protocol):
    def start(self) -> None: ...

    async def stop(self) -> None: ...


class Supervisor:
    def __init__(
        self,
        *,
        notifier: Notifier,
        db: Store,
        port: int,
        devices: Mapping[str, Device],
        fragments: Sequence[StatusFragment],
        advertiser: Advertiser,
    ) -> None:
        self.notifier = notifier
        self._db = db
        self._port = port
        self._devices = devices
        self._fragments = fragments
        self._advertiser = advertiser
        self.watchdog = Watchdog(notifier, status=self.status, health=self.health)

    def status(self) -> str:
        return status_line(self._port, self._devices, self._fragments)

    async def health(self) -> str | None:
        """None when the daemon can do its work; otherwise what is wrong. Runs on the event loop."""
        try:
            await self._db.read(lambda db: db.execute("select 1").fetchone())
        except Exception as exc:
            return f"{DB_TIMEOUT_NOTE}: {exc}"
        return None

    async def started(self) -> None:
        self._advertiser.start()
        if self.notifier.enabled:
            watchdog = self.notifier.watchdog_seconds
            log.info("systemd: ready%s", f", watchdog every {watchdog / 2:g} s" if watchdog else "")
        self.notifier.ready(self.status())
        self.watchdog.start()

    async def stopping(self) -> None:
        self.notifier.stopping("stopping: finishing requests")
        for name, stop in (("watchdog", self.watchdog.stop), ("mdns", self._advertiser.stop)):
            try:  # each cleanup on its own, so one failing leaves the others to run
                await stop()
            except Exception:
                log.exception("stopping %s failed", name)
