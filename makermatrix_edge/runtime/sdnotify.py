"""sd_notify(3) in a few lines: one datagram of `KEY=value` lines to the socket in $NOTIFY_SOCKET.

Outside systemd (no $NOTIFY_SOCKET) every call is a no-op. Errors are logged once and swallowed:
a notification that cannot be sent must never take the daemon down.
Protocol: systemd `man/sd_notify.xml`; watchdog rules: sd_watchdog_enabled(3).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


class Notifier:
    """Sends state changes to the service manager named by $NOTIFY_SOCKET, if any."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        environ = os.environ if env is None else env
        address = environ.get("NOTIFY_SOCKET", "")
        # A leading "@" names the Linux abstract namespace; vsock: addresses are for VMs, not a Pi.
        self._address = "\0" + address[1:] if address.startswith("@") else address
        if address.startswith("vsock:") or (address and not address.startswith(("/", "@"))):
            log.warning("NOTIFY_SOCKET=%s is not a unix socket; systemd notifications are off", address)
            self._address = ""
        self._watchdog_seconds = _watchdog_seconds(environ)
        self._warned = False

    @property
    def enabled(self) -> bool:
        return bool(self._address)

    @property
    def watchdog_seconds(self) -> float | None:
        """The watchdog timeout systemd expects (WatchdogSec=), or None when it is off for us."""
        return self._watchdog_seconds if self.enabled else None

    def notify(self, *lines: str) -> bool:
        """Send `KEY=value` lines as one datagram; False (and a log line once) when it failed."""
        if not self._address:
            return False
        payload = "\n".join(line.replace("\n", " ") for line in lines).encode("utf-8")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(payload, self._address)
        except OSError as exc:
            if not self._warned:
                log.warning("cannot notify systemd at %s: %s", self._address.replace("\0", "@"), exc)
                self._warned = True
            return False
        return True

    def ready(self, status: str) -> bool:
        return self.notify("READY=1", f"STATUS={status}")

    def status(self, status: str) -> bool:
        return self.notify(f"STATUS={status}")

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self, status: str = "stopping") -> bool:
        return self.notify("STOPPING=1", f"STATUS={status}")


def _watchdog_seconds(env: Mapping[str, str]) -> float | None:
    """WATCHDOG_USEC as seconds, if the watchdog is meant for this process (sd_watchdog_enabled)."""
    pid = env.get("WATCHDOG_PID", "")
    if pid and pid != str(os.getpid()):
        return None
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 1_000_000 if usec > 0 else None
