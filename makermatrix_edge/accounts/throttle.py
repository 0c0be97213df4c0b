"""Login throttling: too many failures for one username or one client address answer 429."""

from __future__ import annotations

from collections import deque

from makermatrix_edge.clock import Clock

MAX_TRACKED_KEYS = 10_000


class LoginThrottle:
    def __init__(self, max_failures: int, window_seconds: int, clock: Clock) -> None:
        self._max = max_failures
        self._window = window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self._window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, keys: list[str]) -> int:
        """Seconds until any of these keys may try again; 0 when allowed now."""
        now = self._clock()
        wait = 0.0
        for key in keys:
            times = self._recent(key, now)
            if len(times) >= self._max:
                wait = max(wait, times[-self._max] + self._window - now)
        return int(wait + 0.999)

    def failed(self, keys: list[str]) -> None:
        now = self._clock()
        if len(self._failures) >= MAX_TRACKED_KEYS:  # bound memory under a spray of usernames
            oldest = min(self._failures, key=lambda k: self._failures[k][-1])
            del self._failures[oldest]
        for key in keys:
            times = self._failures.setdefault(key, deque(maxlen=self._max * 4))
            times.append(now)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)
