"""The address a phone used to reach the daemon, trusted only when it names the daemon itself.

A label's QR code should open the address the phone used (http://192.168.1.20:8080), not a
configured 127.0.0.1. But the Host header is whatever the client sent: a page fetched with
`Host: evil.example` must not print labels that send the next phone there. So the header's host is
taken only when it is the address the connection really arrived on (the socket's own address, which
no client can choose), this machine's name (`pi`, `pi.local`, localhost) or the configured base
URL's host; its port only when the daemon listens or is published there. Anything else: None, and
the caller uses the configured base URL.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

_HOST = re.compile(r"(?P<host>[A-Za-z0-9.\-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::(?P<port>\d{1,5}))?")


def machine_names() -> set[str]:
    """This machine's own names, lower case: its hostname, hostname.local and localhost."""
    full = socket.gethostname().lower()
    short = full.split(".")[0]
    return {name for name in (full, short, f"{short}.local", "localhost") if name}


def _same_address(a: str, b: str) -> bool:
    try:
        one, two = ipaddress.ip_address(a.strip("[]")), ipaddress.ip_address(b.strip("[]"))
    except ValueError:
        return False
    mapped = getattr(one, "ipv4_mapped", None) or one
    return mapped == (getattr(two, "ipv4_mapped", None) or two)


def own_base(
    host_header: str,
    scheme: str,
    arrived_on: tuple[str, int] | None,
    configured_base: str,
    names: Iterable[str] = (),
    ports: Iterable[int] = (),
) -> str | None:
    """`scheme://host[:port]` from the Host header when it names this daemon, else None.

    `arrived_on`: the ASGI scope's "server" (the local address of this connection);
    `configured_base`: [server] public_url (its host and port are ours too); `names`: the machine's names.
    """
    match = _HOST.fullmatch(host_header.strip())
    if match is None or scheme not in ("http", "https"):
        return None
    host, port_text = match["host"].lower().rstrip("."), match["port"]
    port = int(port_text) if port_text else (443 if scheme == "https" else 80)
    configured = urlsplit(configured_base.strip()) if configured_base.strip() else None
    allowed_ports = set(ports)
    own_hosts = {n.lower() for n in names}
    if arrived_on is not None:
        allowed_ports.add(arrived_on[1])
    if configured is not None and configured.hostname:
        own_hosts.add(configured.hostname.lower())
        allowed_ports.add(configured.port or (443 if configured.scheme == "https" else 80))
    if arrived_on is not None:
        own_hosts.add(arrived_on[0].lower())
    ours = host in own_hosts or (arrived_on is not None and _same_address(host, arrived_on[0]))
    if not ours or port not in allowed_ports:
        return None
    shown = match["host"] + (f":{port_text}" if port_text else "")
    return f"{scheme}://{shown}"
