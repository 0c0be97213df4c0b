"""The sockets under supplier HTTP: connect only to a checked address, and never wait past a deadline.

httpx's timeouts are per socket operation: a server that sends one byte every few seconds never
trips them, and its body read goes on for ever. Here every read and write is bounded by the
current request's deadline and cut into short slices, between which the calling task is asked
whether it must stop (a cancelled or timed-out task ends within a slice, whatever the server does).

The request under way in a thread is described by a `Hop` kept in a thread-local of the
transport's owner (one SupplierHttp): a connection is used by one request in one thread at a time.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

from makermatrix_edge.suppliers.outbound import SLICE_SECONDS, OutboundPolicy, Resolver

DNS_SECONDS = 5.0


class Hop:
    """One hop of a request: until when it may take, whether its origin is configured, how to ask for a stop."""

    def __init__(self, deadline: float, configured: bool, check: Callable[[], None]) -> None:
        self.deadline = deadline
        self.configured = configured
        self.check = check

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


class HopState(threading.local):
    hop: Hop | None = None


def _bounded(limit: float | None, hop: Hop | None) -> float | None:
    if hop is None:
        return limit
    left = max(0.0, hop.remaining())
    return left if limit is None else min(limit, left)


class GuardedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, state: HopState) -> None:
        self._inner = inner
        self._state = state

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        hop = self._state.hop
        if hop is None:
            return self._inner.read(max_bytes, timeout)
        limit_end = None if timeout is None else time.monotonic() + timeout
        while True:
            left = hop.remaining()
            if left <= 0:
                raise httpcore.ReadTimeout("the request's deadline passed")
            slice_ = min(SLICE_SECONDS, left)
            if limit_end is not None:
                slice_ = min(slice_, max(0.0, limit_end - time.monotonic()))
            try:
                return self._inner.read(max_bytes, slice_)
            except httpcore.ReadTimeout:
                # A recv that timed out consumed nothing (TLS keeps partial records): reading on is safe.
                hop.check()
                if limit_end is not None and time.monotonic() >= limit_end:
                    raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        # A write is not sliced (a partial send cannot be resumed), only bounded by the deadline.
        self._inner.write(buffer, _bounded(timeout, self._state.hop))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        # TLS checks the certificate against the name, while the socket stays on the checked address.
        inner = self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout, self._state.hop))
        return GuardedStream(inner, self._state)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Resolves the name, checks every address against the policy, connects to a checked one."""

    def __init__(self, policy: OutboundPolicy, resolver: Resolver, state: HopState) -> None:
        self._policy = policy
        self._resolver = resolver
        self._state = state
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        hop = self._state.hop
        if hop is None:  # every request goes through SupplierHttp, which always sets one
            raise httpcore.ConnectError("no request under way")
        dns_limit = _bounded(min(timeout or DNS_SECONDS, DNS_SECONDS), hop) or 0.0
        addresses = self._resolver.addresses(host, port, dns_limit, hop.check)
        self._policy.check_addresses(host, port, addresses, configured=hop.configured)
        failure: Exception | None = None
        for address in addresses:  # the checked addresses, never the name again
            try:
                stream = self._inner.connect_tcp(address, port, _bounded(timeout, hop), local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return GuardedStream(stream, self._state)
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("supplier traffic never uses unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over the guarded backend; no proxy from the environment (it would resolve names itself)."""

    def __init__(self, backend: GuardedBackend) -> None:
        # One SSL context (loading the CA bundle costs ~20 ms, ~100 ms on a Pi), handed to httpx too so
        # that it makes none of its own for the pool replaced here.
        ssl_context = httpx.create_ssl_context()
        super().__init__(verify=ssl_context, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=10,
            max_keepalive_connections=4,
            keepalive_expiry=5.0,
            network_backend=backend,
        )
