"""Where supplier traffic may go, judged on the addresses a name resolves to.

A supplier's answer names links (pictures, datasheets) and its servers may redirect anywhere, so
neither is trusted: a hop goes only to a public address, or to the origin (scheme, host, port)
of a supplier URL the admin configured (a proxy or a test double may live on the LAN or on
127.0.0.1), and never to this daemon. The check is made on the resolved addresses, and the
connection is then made to the address that was checked (transport.py), so a name that resolves
differently a moment later (DNS rebinding) cannot slip past.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import httpx

from makermatrix_edge.suppliers.models import SupplierError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Origin = tuple[str, str, int]  # scheme, host (lower case, no brackets), port
SCHEMES = ("http", "https")
MAX_REDIRECTS = 5
DNS_OK_SECONDS = 300.0
SLICE_SECONDS = 0.25  # how often a wait looks whether its task was stopped


class AddressRefused(SupplierError):
    """A link or a redirect leads where supplier traffic must not go; only this download fails."""


class NameNotResolved(OSError):
    """The name has no address (or the resolver did not answer in time)."""


def origin_of(url: httpx.URL) -> Origin:
    port = url.port or (443 if url.scheme == "https" else 80)
    return url.scheme, url.host.lower().strip("[]"), port


def is_public(ip: IPAddress) -> bool:
    """A globally routed unicast address: not loopback, private, link-local, shared, reserved or multicast."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return ip.is_global and not ip.is_multicast and not ip.is_unspecified


def is_this_host(ip: IPAddress) -> bool:
    """True when the address belongs to this machine: only a local address can be bound."""
    if ip.is_loopback or ip.is_unspecified:
        return True
    family = socket.AF_INET6 if isinstance(ip, ipaddress.IPv6Address) else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.bind((str(ip), 0))
    except OSError:
        return False
    return True


class Resolver:
    """getaddrinfo with a deadline (it has none of its own: without an uplink a lookup can hang 20 s)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="supplier-dns")
        self._cache: dict[tuple[str, int], tuple[float, list[str]]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def addresses(self, host: str, port: int, timeout: float, check: Callable[[], None]) -> list[str]:
        """The addresses of `host` (a literal address is itself), or NameNotResolved within `timeout` s."""
        bare = host.strip("[]")
        try:
            return [str(ipaddress.ip_address(bare))]
        except ValueError:
            pass
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get((bare, port))
            if cached is not None and cached[0] > now:
                return cached[1]
        future = self._pool.submit(socket.getaddrinfo, bare, port, 0, socket.SOCK_STREAM)
        end = now + timeout
        while True:
            try:
                infos = future.result(timeout=max(0.0, min(SLICE_SECONDS, end - time.monotonic())))
                break
            except FutureTimeout:
                check()  # a stopped task does not wait for DNS
                if time.monotonic() >= end:
                    raise NameNotResolved(f"no answer from DNS for {bare} within {timeout:g} s") from None
            except OSError as exc:
                raise NameNotResolved(str(exc) or type(exc).__name__) from None
        found = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
        if not found:
            raise NameNotResolved(f"{bare} has no address")
        with self._lock:
            self._cache[(bare, port)] = (now + DNS_OK_SECONDS, found)
        return found


class OutboundPolicy:
    """The rules above, for one daemon: its configured supplier origins and its own port."""

    def __init__(self, configured_urls: Iterable[str], daemon_port: int) -> None:
        self.configured: set[Origin] = set()
        for url in configured_urls:
            try:
                parsed = httpx.URL(url)
            except httpx.InvalidURL:
                continue
            if parsed.scheme in SCHEMES and parsed.host:
                self.configured.add(origin_of(parsed))
        self.daemon_port = daemon_port

    def check_url(self, url: httpx.URL, what: str) -> bool:
        """Refuse a scheme other than http(s); answer whether the URL is a configured supplier origin."""
        if url.scheme not in SCHEMES or not url.host:
            raise AddressRefused(f"{what} is not an http(s) address, so it is not fetched")
        return origin_of(url) in self.configured

    def check_addresses(self, host: str, port: int, addresses: list[str], *, configured: bool) -> None:
        """Raise AddressRefused unless every address of `host` may be connected to."""
        for text in addresses:
            ip = ipaddress.ip_address(text)
            if configured:
                # The admin chose this origin; only the daemon calling itself is refused.
                if port == self.daemon_port and is_this_host(ip):
                    raise AddressRefused(f"{host}:{port} is this daemon, which is never fetched")
                continue
            if not is_public(ip) or is_this_host(ip):
                raise AddressRefused(
                    f"{host} ({ip}) is not a public address; only public addresses and the configured "
                    "supplier URLs are fetched"
                )
