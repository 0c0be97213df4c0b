"""Login throttling: count an attempt before the slow password check, settle it after.

Three counters, each over the same sliding window:
- (username, client address): the tight one, so a wrong guess costs its own address quickly;
- username from every address: looser, so one address cannot lock the owner out elsewhere,
  yet many addresses together still cannot guess without bound;
- client address for every username: looser, so one address cannot spray many usernames.

An attempt *reserves* a place on every counter before bcrypt runs; a parallel burst therefore
gets at most the allowed number of password checks, and the rest answer 429 at once.

An address where the user logged in successfully lately is exempt from the per-username
counter (not from the other two), so even guesses from many addresses do not lock the owner
out of the places they usually log in from.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from makermatrix_edge.clock import Clock

MAX_TRACKED_KEYS = 10_000
PENDING_RETRY_SECONDS = 1  # a slot held by a check still running frees within about a second
TRUST_SECONDS = 7 * 86400  # how long a successful login exempts its address from the per-user counter


@dataclass(frozen=True)
class Limit:
    """At most `max_failures` failed (or still running) logins per key within the window."""

    kind: str
    max_failures: int


@dataclass
class _Counter:
    failures: deque[float] = field(default_factory=deque)
    pending: int = 0


class Attempt:
    """A reserved login attempt; settle it exactly once (later calls do nothing)."""

    def __init__(self, throttle: LoginThrottle, keys: list[tuple[str, str]]) -> None:
        self._throttle = throttle
        self._keys = keys
        self._open = True

    def failed(self) -> None:
        if self._open:
            self._open = False
            self._throttle._settle(self._keys, failed=True)

    def succeeded(self) -> None:
        if self._open:
            self._open = False
            self._throttle._settle(self._keys, failed=False, clear=self._keys[0])

    def release(self) -> None:
        """Neither success nor failure (the check itself broke): give the slot back."""
        if self._open:
            self._open = False
            self._throttle._settle(self._keys, failed=False)


class LoginThrottle:
    def __init__(
        self,
        window_seconds: int,
        clock: Clock,
        *,
        per_pair: int,
        per_user: int,
        per_address: int,
    ) -> None:
        self._window = window_seconds
        self._clock = clock
        self._limits = {"pair": per_pair, "user": per_user, "addr": per_address}
        self._counters: dict[tuple[str, str], _Counter] = {}
        self._trusted: dict[str, float] = {}  # pair key -> time of its last successful login
        self._lock = threading.Lock()

    @staticmethod
    def keys(username: str, client: str) -> list[tuple[str, str]]:
        """The counters one attempt touches; the pair comes first (a success clears it)."""
        user = username.strip().lower()
        return [("pair", f"{user}\x00{client}"), ("user", user), ("addr", client)]

    def _prune(self, key: tuple[str, str], now: float) -> _Counter | None:
        counter = self._counters.get(key)
        if counter is None:
            return None
        while counter.failures and counter.failures[0] <= now - self._window:
            counter.failures.popleft()
        if not counter.failures and not counter.pending:
            del self._counters[key]
            return None
        return counter

    def _wait(self, key: tuple[str, str], now: float) -> float:
        """Seconds until this key has a free slot; 0 when it has one now."""
        counter = self._prune(key, now)
        limit = self._limits[key[0]]
        if counter is None or len(counter.failures) + counter.pending < limit:
            return 0.0
        # Slots free as failures leave the window; one held by a running check frees soon.
        expiring = len(counter.failures) + counter.pending - limit + 1
        if expiring > len(counter.failures):
            return PENDING_RETRY_SECONDS
        return max(counter.failures[expiring - 1] + self._window - now, PENDING_RETRY_SECONDS)

    def reserve(self, username: str, client: str) -> tuple[Attempt | None, int]:
        """Reserve a check: (attempt, 0), or (None, seconds to wait) when a counter is full."""
        keys = self.keys(username, client)
        with self._lock:
            now = self._clock()
            trusted = self._trusted.get(keys[0][1], -TRUST_SECONDS) > now - TRUST_SECONDS
            wait = max(self._wait(key, now) for key in keys if not (trusted and key[0] == "user"))
            if wait:
                return None, int(wait + 0.999)
            if len(self._counters) + len(keys) > MAX_TRACKED_KEYS:  # bound memory under a spray of names
                idle = [k for k, c in self._counters.items() if not c.pending]
                for key in sorted(idle, key=lambda k: self._counters[k].failures[-1])[: len(keys)]:
                    del self._counters[key]
            for key in keys:
                self._counters.setdefault(key, _Counter()).pending += 1
        return Attempt(self, keys), 0

    def _settle(self, keys: list[tuple[str, str]], *, failed: bool, clear: tuple[str, str] | None = None) -> None:
        with self._lock:
            now = self._clock()
            for key in keys:
                counter = self._counters.setdefault(key, _Counter())
                counter.pending = max(0, counter.pending - 1)
                if failed:
                    counter.failures.append(now)
                    while len(counter.failures) > self._limits[key[0]] * 4:
                        counter.failures.popleft()
                if key == clear:
                    counter.failures.clear()
                self._prune(key, now)
            if clear is not None:
                self._trusted.pop(clear[1], None)  # re-insert: the dict stays ordered oldest first
                self._trusted[clear[1]] = now
                while len(self._trusted) > MAX_TRACKED_KEYS:
                    del self._trusted[next(iter(self._trusted))]
