"""Blocking HTTP for supplier calls: a deadline on every call, a per-supplier rate, retries, offline detection.

Called only from worker threads (tasks, or asyncio.to_thread). Waits go through a `sleep` the caller
passes (a task's cancellable sleep), so a cancelled task stops while it waits for the rate or a retry.
Nothing here logs a URL with its query or a request body: Mouser's key travels in the query string
(httpx's own request lines are redacted where it logs them: runtime/redact.py, attached by the daemon).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any, NoReturn
from urllib.parse import urlsplit

import httpx
import msgspec

from makermatrix_edge.suppliers.models import SupplierError, SupplierOffline
from makermatrix_edge.suppliers.outbound import (
    MAX_REDIRECTS,
    SCHEMES,
    AddressRefused,
    NameNotResolved,
    Origin,
    OutboundPolicy,
    Resolver,
    origin_of,
)
from makermatrix_edge.suppliers.transport import GuardedBackend, GuardedTransport, Hop, HopState

Sleep = Callable[[float], None]
USER_AGENT = "makermatrix-edge/0.1 (+https://github.com/ril3y/MakerMatrix compatible)"
REDIRECTS = (301, 302, 303, 307, 308)
SAFE_HEADERS = ("accept", "user-agent")  # all a request takes to another origin (no tokens, no client ids)
USAGE_KEPT = 20_000  # recent calls remembered for the usage report (a day at ~14/min)
API_MAX_BYTES = 8 * 1024 * 1024  # a product answer is a few KB; a page a few hundred


class Reply(msgspec.Struct, frozen=True):
    status: int
    headers: dict[str, str]
    content: bytes
    url: str

    def json(self) -> Any:
        try:
            return msgspec.json.decode(self.content)
        except msgspec.DecodeError:
            return None

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class RateUsage(msgspec.Struct, frozen=True):
    """One supplier's request budget and what was used of it (counted since the daemon started)."""

    requests_per_minute: float
    calls_last_minute: int
    calls_last_hour: int
    calls_last_day: int  # at most USAGE_KEPT are remembered
    calls_since_start: int
    wait_seconds: float  # how long a call booked now would wait for its turn
    succeeded_last_hour: int  # requests answered (below 400) / failed (an error, 4xx, 5xx after retries)
    failed_last_hour: int
    succeeded_last_day: int
    failed_last_day: int


class RateLimiter:
    """At most `per_minute` calls on average; shared by every thread calling one supplier.

    A token bucket holding at most `burst` calls: time spent on our own work between two calls
    (saving a picture, a commit) is credited, so a sequential task keeps to the rate instead of
    losing that time on every call.
    """

    def __init__(self, per_minute: float, burst: float = 2.0) -> None:
        self.per_minute = per_minute
        self.interval = 60.0 / per_minute
        self.burst = burst
        self._tokens = 1.0  # the first call goes at once; a burst builds up only over idle time
        self._last = time.monotonic()
        self._lock = threading.Lock()
        self._booked: deque[float] = deque(maxlen=USAGE_KEPT)  # when each recent call was booked
        self._outcomes: deque[tuple[float, bool]] = deque(maxlen=USAGE_KEPT)  # when a request ended, and if well
        self._total = 0

    def reserve(self) -> float:
        """Book the next call; returns how long to wait before making it."""
        with self._lock:
            now = time.monotonic()
            self._refill(now)
            self._tokens -= 1.0  # below zero: calls booked ahead, each waits its turn
            self._booked.append(now)
            self._total += 1
            return max(0.0, -self._tokens * self.interval)

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._last) / self.interval)
        self._last = now

    def record(self, succeeded: bool) -> None:
        with self._lock:
            self._outcomes.append((time.monotonic(), succeeded))

    def set_rate(self, per_minute: float) -> None:
        """A new budget from now on; calls already booked keep their turn."""
        if not per_minute > 0:
            raise ValueError("per_minute must be above 0")
        with self._lock:
            self._refill(time.monotonic())
            self.per_minute = per_minute
            self.interval = 60.0 / per_minute

    def usage(self) -> RateUsage:
        """Calls booked in the last minute, hour and day (since start), and the wait a call booked now gets."""
        with self._lock:
            now = time.monotonic()
            self._refill(now)
            wait = max(0.0, (1.0 - self._tokens) * self.interval) if self._tokens < 1.0 else 0.0
            booked = list(self._booked)
            outcomes = list(self._outcomes)
            total = self._total
            per_minute = self.per_minute
        return RateUsage(
            requests_per_minute=per_minute,
            calls_last_minute=sum(1 for t in booked if now - t < 60.0),
            calls_last_hour=sum(1 for t in booked if now - t < 3600.0),
            calls_last_day=sum(1 for t in booked if now - t < 86400.0),
            calls_since_start=total,
            wait_seconds=round(wait, 3),
            succeeded_last_hour=sum(1 for t, good in outcomes if good and now - t < 3600.0),
            failed_last_hour=sum(1 for t, good in outcomes if not good and now - t < 3600.0),
            succeeded_last_day=sum(1 for t, good in outcomes if good and now - t < 86400.0),
            failed_last_day=sum(1 for t, good in outcomes if not good and now - t < 86400.0),
        )


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date), None if absent or unreadable."""
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


class SupplierHttp:
    """One supplier's HTTP: its rate limiter, its offline memory, one connection pool behind the outbound rules."""

    def __init__(
        self,
        display_name: str,
        *,
        per_minute: float,
        timeout: float,
        max_retries: int,
        backoff: float,
        max_retry_after: float,
        offline_seconds: float,
        policy: OutboundPolicy,
    ) -> None:
        self.display_name = display_name
        self.limiter = RateLimiter(per_minute)
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.offline_seconds = offline_seconds
        self.policy = policy
        self._offline_until = 0.0
        self._offline_reason = ""
        self._hops = HopState()
        self._resolver = Resolver()
        self._made: httpx.Client | None = None  # made on first use: most starts never call a supplier
        self._making = threading.Lock()

    @property
    def _client(self) -> httpx.Client:
        with self._making:
            if self._made is None:
                self._made = httpx.Client(
                    timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0)),
                    follow_redirects=False,  # followed here, hop by hop, each hop checked (outbound.py)
                    headers={"User-Agent": USER_AGENT},
                    transport=GuardedTransport(GuardedBackend(self.policy, self._resolver, self._hops)),
                    trust_env=False,
                )
            return self._made

    def close(self) -> None:
        with self._making:
            if self._made is not None:
                self._made.close()
        self._resolver.close()

    def forget_offline(self) -> None:
        self._offline_until = 0.0

    def request(
        self,
        method: str,
        url: str,
        *,
        sleep: Sleep = time.sleep,
        limited: bool = True,
        max_bytes: int = API_MAX_BYTES,
        what: str | None = None,
        **kwargs: Any,
    ) -> Reply:
        """Send with the rate limit; retry 429/5xx with backoff (a longer Retry-After wins).

        `what` names a link taken from a supplier's answer ("the picture link"): its failures are
        that download's, and never mark the supplier offline.
        """
        if time.monotonic() < self._offline_until:
            raise SupplierOffline(self._offline_reason)
        if not limited:  # a picture or datasheet download: not a call on the supplier's budget
            return self._request(method, url, sleep, limited, max_bytes, what, kwargs)
        try:
            reply = self._request(method, url, sleep, limited, max_bytes, what, kwargs)
        except SupplierError:
            self.limiter.record(False)
            raise
        self.limiter.record(reply.status < 400)
        return reply

    def _request(
        self,
        method: str,
        url: str,
        sleep: Sleep,
        limited: bool,
        max_bytes: int,
        what: str | None,
        kwargs: dict[str, Any],
    ) -> Reply:
        attempt = 0
        while True:
            if limited:
                sleep(self.limiter.reserve())
            reply = self._send(method, url, max_bytes, kwargs, sleep, what)
            if reply.status != 429 and reply.status < 500:
                return reply
            if attempt >= self.max_retries:
                raise SupplierError(
                    f"{self.display_name} answered HTTP {reply.status} {attempt + 1} times; try again later"
                )
            wait = self.backoff * 2**attempt
            asked = retry_after(reply.headers)
            if asked is not None:
                if asked > self.max_retry_after:
                    raise SupplierError(
                        f"{self.display_name} is rate limiting us: it asks to wait {asked:.0f} s; try again later"
                    )
                wait = max(wait, asked)
            attempt += 1
            sleep(wait)

    def _send(
        self, method: str, url: str, max_bytes: int, kwargs: dict[str, Any], sleep: Sleep, what: str | None
    ) -> Reply:
        """One request and its redirects, all within one deadline of `timeout` seconds."""
        deadline = time.monotonic() + self.timeout
        label = what or f"{self.display_name}'s address"
        try:
            request = self._client.build_request(method, url, **kwargs)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            raise AddressRefused(f"{label} is not a usable address") from None
        first = origin_of(request.url) if request.url.scheme in SCHEMES else None
        for _hop in range(MAX_REDIRECTS + 1):
            configured = self.policy.check_url(request.url, label)
            self._hops.hop = Hop(deadline, configured, lambda: sleep(0))  # sleep(0) raises if the task must stop
            try:
                reply = self._exchange(request, max_bytes, configured, label)
            finally:
                self._hops.hop = None
            location = reply.headers.get("location")
            if reply.status not in REDIRECTS or not location:
                return reply
            try:
                target = request.url.join(location)
            except httpx.InvalidURL:
                raise AddressRefused(f"{label} redirects to an unusable address") from None
            request = self._redirected(
                request, target, reply.status, kwargs, keep_auth=origin_of_or_none(target) == first
            )
        raise AddressRefused(f"{label} redirects more than {MAX_REDIRECTS} times")

    def _redirected(
        self, request: httpx.Request, target: httpx.URL, status: int, kwargs: dict[str, Any], *, keep_auth: bool
    ) -> httpx.Request:
        # 307/308 repeat the request with its body; the others become a bodiless GET, as browsers do.
        headers = {k: v for k, v in (kwargs.get("headers") or {}).items() if keep_auth or k.lower() in SAFE_HEADERS}
        if status in (307, 308):
            body = {k: kwargs[k] for k in ("json", "data", "content") if k in kwargs}
            if body and not keep_auth:  # a body may hold credentials (DigiKey's token request): not elsewhere
                raise AddressRefused(f"{self.display_name} redirects a request with a body to another address")
            return self._client.build_request(request.method, target, headers=headers, **body)
        return self._client.build_request("GET", target, headers=headers)

    def _exchange(self, request: httpx.Request, max_bytes: int, configured: bool, label: str) -> Reply:
        host = host_of(str(request.url))
        reading = False
        try:
            response = self._client.send(request, stream=True)
            try:
                reading = True
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > max_bytes:
                        raise SupplierError(
                            f"{self.display_name}: the answer from {host} is larger than {max_bytes:,} bytes"
                        )
                headers = {k.lower(): v for k, v in response.headers.items()}
                return Reply(response.status_code, headers, bytes(body), str(response.url))
            finally:
                response.close()
        except (NameNotResolved, httpx.ConnectError, httpx.ConnectTimeout) as exc:
            self._unreachable(host, exc, configured, label)
        except httpx.TimeoutException:
            verb = "finish answering" if reading else "answer"
            if not configured:  # a slow third-party host fails that download, not the supplier's part
                raise SupplierError(f"{label}: {host} did not {verb} within {self.timeout:g} s") from None
            raise SupplierOffline(f"{self.display_name}: {host} did not {verb} within {self.timeout:g} s") from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            raise AddressRefused(f"{label} is not a usable address") from None
        except httpx.HTTPError as exc:
            raise SupplierError(f"{self.display_name}: {host} failed ({_short(exc)})") from None

    def _unreachable(self, host: str, exc: Exception, configured: bool, label: str) -> NoReturn:
        if not configured:  # a third party's host down is that download's problem, not the supplier's
            raise SupplierError(f"{label} cannot be reached ({host}: {_short(exc)})")
        self._offline_reason = f"offline: {self.display_name} cannot be reached ({host}: {_short(exc)})"
        self._offline_until = time.monotonic() + self.offline_seconds
        raise SupplierOffline(self._offline_reason)


def origin_of_or_none(url: httpx.URL) -> Origin | None:
    return origin_of(url) if url.scheme in SCHEMES else None


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.split("\n")[0][:160]
