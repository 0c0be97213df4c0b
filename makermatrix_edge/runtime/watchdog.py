"""The systemd supervisor task: pings the watchdog from the event loop while the daemon is healthy.

It runs on the server's event loop on purpose: if the loop stalls, the pings stop and systemd
(WatchdogSec=) kills and restarts the service. A failing health check also stops the pings, and
the reason becomes the STATUS line. Outside systemd it does nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from makermatrix_edge.runtime.cancel import cancel_and_wait
from makermatrix_edge.runtime.device_state import Device
from makermatrix_edge.runtime.sdnotify import Notifier

log = logging.getLogger(__name__)

# A piece of the STATUS line ("last backup 02:30 ok"), or None to leave it out. Must not block.
StatusFragment = Callable[[], str | None]
# Returns what is wrong in words, or None when healthy.
HealthCheck = Callable[[], Awaitable[str | None]]
STATUS_SECONDS = 10.0  # how often STATUS is refreshed when no watchdog is asked for
SEPARATOR = " · "


def status_line(port: int, devices: Mapping[str, Device], fragments: Sequence[StatusFragment] = ()) -> str:
    """'serving on :8080 · printer ready · camera offline · last backup 02:30 ok'."""
    parts = [f"serving on :{port}"]
    for name, device in devices.items():
        try:
            state = device.state().state
        except Exception:  # state() must not raise; if one does, say so rather than stop pinging
            state = "error"
        if state != "disabled":
            parts.append(f"{name} {state}")
    for fragment in fragments:
        try:
            text = fragment()
        except Exception:
            log.exception("status fragment %r failed", fragment)
            continue
        if text:
            parts.append(text)
    return SEPARATOR.join(parts)


class Watchdog:
    """Sends WATCHDOG=1 every half interval while `health()` says all is well, and STATUS on change."""

    def __init__(
        self,
        notifier: Notifier,
        *,
        status: Callable[[], str],
        health: HealthCheck,
        status_seconds: float = STATUS_SECONDS,
    ) -> None:
        self._notifier = notifier
        self._status = status
        self._health = health
        self._status_seconds = status_seconds
        self._task: asyncio.Task[None] | None = None
        self._last_status = ""
        self.pings = 0

    def start(self) -> None:
        if not self._notifier.enabled or self._task is not None:
            return
        self._task = asyncio.get_running_loop().create_task(self._run(), name="systemd-watchdog")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    def send_status(self, text: str) -> None:
        if text != self._last_status:
            self._notifier.status(text)
            self._last_status = text

    async def tick(self) -> str | None:
        """One round: check health, ping if healthy, refresh STATUS. Returns the problem, if any."""
        timeout = self._interval()
        try:
            problem = await asyncio.wait_for(self._health(), timeout)
        except TimeoutError:
            problem = f"health check took longer than {timeout:g} s"
        except Exception as exc:
            problem = f"health check failed: {exc}"
        if problem is None:
            if self._notifier.watchdog_seconds is not None:
                self._notifier.watchdog()
                self.pings += 1
            self.send_status(self._status())
        else:
            log.warning("unhealthy, not pinging the systemd watchdog", extra={"problem": problem})
            self.send_status(f"unhealthy: {problem}")
        return problem

    def _interval(self) -> float:
        watchdog = self._notifier.watchdog_seconds
        return watchdog / 2 if watchdog else self._status_seconds

    async def _run(self) -> None:
        while True:
            await self.tick()
            await asyncio.sleep(self._interval())
