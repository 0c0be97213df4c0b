"""Whether people are using the daemon right now, and a pace for bulk jobs that gives way to them.

A bulk job in the writer thread (a 5 000-line order import) runs Python for seconds; on a Pi's few
cores every phone request then waits its turn behind it for the interpreter, and the API's p95
more than doubles. While HTTP requests are in flight (or were answered within the last 50 ms), a
paced job works in slices of a few milliseconds and rests twice as long after each, so requests
see about two thirds of the time; with nobody around it runs at full speed. Resting inside the
job's transaction is safe: readers never wait for the writer (WAL), and writes queue behind the
job as they would anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

LINGER_SECONDS = 0.05  # a client's next request usually follows within this of the last answer
SLICE_SECONDS = 0.005  # work this long before looking whether to rest
SHARE = 1 / 3  # of the time a paced job keeps while requests are being served


class Foreground:
    """HTTP requests in flight, counted by the middleware on the event loop; read from any thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, linger: float = LINGER_SECONDS) -> None:
        self._clock = clock
        self._linger = linger
        self._in_flight = 0
        self._last_answered = float("-inf")
        self.answered = 0  # HTTP requests answered since start

    def started(self) -> None:
        self._in_flight += 1

    def finished(self) -> None:
        self._in_flight -= 1
        self.answered += 1
        self._last_answered = self._clock()

    def busy(self) -> bool:
        return self._in_flight > 0 or self._clock() - self._last_answered < self._linger

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Litestar middleware counting HTTP requests (WebSockets are long-lived and idle: not counted)."""

        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            self.started()
            try:
                await app(scope, receive, send)
            finally:
                self.finished()

        return counted


class Pacer:
    """Call once per unit of a bulk job's work; rests while the foreground is busy (see the module doc)."""

    def __init__(
        self,
        foreground: Foreground,
        *,
        share: float = SHARE,
        slice_seconds: float = SLICE_SECONDS,
        clock: Callable[[], float] = time.perf_counter,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        self._foreground = foreground
        self._rest_per_work = (1 - share) / share
        self._slice = slice_seconds
        self._clock = clock
        self._sleep = sleep
        self._mark = clock()
        self.rested = 0.0  # seconds, for the job's log line

    def __call__(self) -> None:
        worked = self._clock() - self._mark
        if worked < self._slice:
            return
        if self._foreground.busy():
            rest = worked * self._rest_per_work
            self._sleep(rest)
            self.rested += rest
        self._mark = self._clock()
