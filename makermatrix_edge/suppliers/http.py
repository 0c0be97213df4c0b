"""Blocking HTTP for supplier calls: a deadline on every call, a per-supplier rate, retries, offline detection.

Called only from worker threads (tasks, or asyncio.to_thread). Waits go through a `sleep` the caller
passes (a task's cancellable sleep), so a cancelled task stops while it waits for the rate or a retry.
Nothing here logs a URL with its query or a request body: Mouser's key travels in the query string.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec

from makermatrix_edge.runtime.redact import RedactSecrets
from makermatrix_edge.suppliers.models import SupplierError, SupplierOffline

Sleep = Callable[[float], None]
USER_AGENT = "makermatrix-edge/0.1 (+https://github.com/ril3y/MakerMatrix compatible)"
CHUNK = 65_536
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


class RateLimiter:
    """At most `per_minute` calls on average; shared by every thread calling one supplier.

    A token bucket holding at most `burst` calls: time spent on our own work between two calls
    (saving a picture, a commit) is credited, so a sequential task keeps to the rate instead of
    losing that time on every call.
    """

    def __init__(self, per_minute: float, burst: float = 2.0) -> None:
        self.interval = 60.0 / per_minute
        self.burst = burst
        self._tokens = 1.0  # the first call goes at once; a burst builds up only over idle time
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Book the next call; returns how long to wait before making it."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) / self.interval)
            self._last = now
            self._tokens -= 1.0  # below zero: calls booked ahead, each waits its turn
            return max(0.0, -self._tokens * self.interval)


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


# getaddrinfo has no timeout of its own and httpx's does not cover it: on a Pi whose router has no
# uplink a lookup can take 20 s or more. Names are resolved here first, with the connect deadline.
_DNS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="supplier-dns")
DNS_OK_SECONDS = 300.0
_resolved: dict[str, float] = {}
_resolved_lock = threading.Lock()


def resolve(host: str, deadline: float) -> None:
    """Raise OSError or TimeoutError unless `host` resolves within `deadline` seconds (cached while it does)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return
    except ValueError:
        pass
    now = time.monotonic()
    with _resolved_lock:
        if _resolved.get(host, 0.0) > now:
            return
    future = _DNS.submit(socket.getaddrinfo, host, None)
    try:
        future.result(timeout=deadline)
    except FutureTimeout:
        raise TimeoutError(f"no answer from DNS for {host} within {deadline:g} s") from None
    with _resolved_lock:
        _resolved[host] = now + DNS_OK_SECONDS


def _quiet_secrets() -> None:
    """httpx logs each request's URL at INFO: with Mouser's apiKey in the query. Redact on its own logger,
    so the key never reaches any handler (ours, journald's, or a test's)."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


class SupplierHttp:
    """One supplier's HTTP: its rate limiter, its offline memory, one connection pool."""

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
    ) -> None:
        self.display_name = display_name
        self.limiter = RateLimiter(per_minute)
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.offline_seconds = offline_seconds
        self._offline_until = 0.0
        self._offline_reason = ""
        _quiet_secrets()
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        self._client.close()

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
        **kwargs: Any,
    ) -> Reply:
        """Send with the rate limit; retry 429/5xx with backoff (a longer Retry-After wins)."""
        if time.monotonic() < self._offline_until:
            raise SupplierOffline(self._offline_reason)
        attempt = 0
        while True:
            if limited:
                sleep(self.limiter.reserve())
            reply = self._send(method, url, max_bytes, kwargs)
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

    def _send(self, method: str, url: str, max_bytes: int, kwargs: dict[str, Any]) -> Reply:
        deadline = time.monotonic() + self.timeout
        host = host_of(url)
        try:
            resolve(urlsplit(url).hostname or "", min(self.timeout, 5.0))
        except (OSError, TimeoutError) as exc:
            self._offline_reason = f"offline: {self.display_name} cannot be reached ({host}: {_short(exc)})"
            self._offline_until = time.monotonic() + self.offline_seconds
            raise SupplierOffline(self._offline_reason) from None
        try:
            with self._client.stream(method, url, **kwargs) as response:
                body = bytearray()
                for chunk in response.iter_bytes(CHUNK):
                    body.extend(chunk)
                    if len(body) > max_bytes:
                        raise SupplierError(
                            f"{self.display_name}: the answer from {host} is larger than {max_bytes:,} bytes"
                        )
                    if time.monotonic() > deadline:
                        raise SupplierOffline(
                            f"{self.display_name}: {host} did not finish answering within {self.timeout:g} s"
                        )
                headers = {k.lower(): v for k, v in response.headers.items()}
                return Reply(response.status_code, headers, bytes(body), str(response.url))
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            self._offline_reason = f"offline: {self.display_name} cannot be reached ({host}: {_short(exc)})"
            self._offline_until = time.monotonic() + self.offline_seconds
            raise SupplierOffline(self._offline_reason) from None
        except httpx.TimeoutException:
            raise SupplierOffline(f"{self.display_name}: {host} did not answer within {self.timeout:g} s") from None
        except httpx.InvalidURL:
            raise SupplierError(f"{self.display_name}: not a usable address ({host})") from None
        except httpx.HTTPError as exc:
            raise SupplierError(f"{self.display_name}: {host} failed ({_short(exc)})") from None


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.split("\n")[0][:160]
