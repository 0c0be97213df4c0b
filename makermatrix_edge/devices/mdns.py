"""mDNS/DNS-SD advertising with python-zeroconf's async API: `_http._tcp` and `_makermatrix._tcp`.

`_http._tcp` makes browsers and phone apps list "MakerMatrix Bench" with a clickable URL;
`_makermatrix._tcp` is for our own clients (DNS-SD type names are limited to 15 bytes, so not
"_makermatrix-edge"). The name is made unique if another bench already uses it, re-announced
when the Pi's address changes, and unregistered on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

import ifaddr
import msgspec
from zeroconf import InterfaceChoice, IPVersion
from zeroconf._utils.net import InterfacesType
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from makermatrix_edge.runtime.cancel import cancel_and_wait
from makermatrix_edge.runtime.device_state import DeviceState
from makermatrix_edge.settings import MdnsSettings

log = logging.getLogger(__name__)
HTTP_TYPE = "_http._tcp.local."
MAKERMATRIX_TYPE = "_makermatrix._tcp.local."
INSTANCE_ID_FILE = "instance-id"
CLAIM_CHECK_MS = 2000  # how long to wait for another bench to answer for a name before taking it
MAX_SUFFIX = 20


def load_or_create_instance_id(data_dir: Path) -> str:
    """A random id made once per install, so clients can tell two benches with the same name apart."""
    path = data_dir / INSTANCE_ID_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        value = uuid.uuid4().hex
        path.write_text(value + "\n", encoding="ascii")
        return value


def lan_addresses() -> list[str]:
    """IPv4 addresses of every interface but loopback and link-local, sorted."""
    found = {
        str(ip.ip)
        for adapter in ifaddr.get_adapters()
        for ip in adapter.ips
        if isinstance(ip.ip, str) and not ip.ip.startswith(("127.", "169.254."))
    }
    return sorted(found)


async def _all(calls: Iterable[Awaitable[Awaitable[object]]]) -> None:
    """Run zeroconf's two-step calls (probe, then announce) for both services at once."""
    announcements = await asyncio.gather(*calls)
    await asyncio.gather(*announcements)


class MdnsAdvertiser:
    """Advertises the daemon while it serves; state() says under which names."""

    def __init__(
        self,
        settings: MdnsSettings,
        *,
        port: int,
        version: str,
        instance_id: str,
        addresses: Callable[[], list[str]] | None = None,
    ) -> None:
        self._settings = settings
        self._find_addresses = addresses or self._addresses_now
        self._port = port
        self._properties = {"version": version, "api": "/api", "alora": "/alora", "ui": "/", "id": instance_id}
        self._zc: AsyncZeroconf | None = None
        self._infos: list[AsyncServiceInfo] = []
        self._addresses: list[str] = []
        self._task: asyncio.Task[None] | None = None
        self._state = DeviceState(kind="zeroconf", state="offline", reason="not started yet")

    def state(self) -> DeviceState:
        return self._state

    def _addresses_now(self) -> list[str]:
        return sorted(self._settings.interfaces) if self._settings.interfaces else lan_addresses()

    async def _taken(self, zc: AsyncZeroconf, instance: str) -> bool:
        """Does another bench (another instance id) answer for this name under either type?"""

        async def answers(service_type: str) -> bool:
            info = AsyncServiceInfo(service_type, f"{instance}.{service_type}")
            if not await info.async_request(zc.zeroconf, CLAIM_CHECK_MS):
                return False
            return info.decoded_properties.get("id") != self._properties["id"]  # our own old records are ours

        return any(await asyncio.gather(answers(HTTP_TYPE), answers(MAKERMATRIX_TYPE)))

    async def _free_name(self, zc: AsyncZeroconf) -> str:
        """The configured name, or "<name>-2", "-3", ... when another bench already answers for it.

        Asking first (and waiting for the answer) makes the choice deterministic: zeroconf's own
        probing only renames when the other bench's answer arrives within its 750 ms of probes.
        """
        base = self._settings.name
        for k in range(1, MAX_SUFFIX + 1):
            candidate = base if k == 1 else f"{base}-{k}"
            if not await self._taken(zc, candidate):
                return candidate
        return f"{base}-{self._properties['id'][:8]}"

    def _make_infos(self, addresses: list[str], names: list[str] | None = None) -> list[AsyncServiceInfo]:
        packed = [socket.inet_aton(a) for a in addresses]
        server = f"{socket.gethostname().split('.')[0]}.local."
        types = ((HTTP_TYPE, {"path": "/", **self._properties}), (MAKERMATRIX_TYPE, self._properties))
        return [
            AsyncServiceInfo(
                service_type,
                names[i] if names else f"{self._settings.name}.{service_type}",
                port=self._port,
                addresses=packed,
                properties=props,
                server=server,
            )
            for i, (service_type, props) in enumerate(types)
        ]

    def start(self) -> None:
        """Register in the background (probing and announcing take 1–2 s) and watch the address."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="mdns")

    async def _run(self) -> None:
        while True:
            addresses = self._find_addresses()
            if addresses != self._addresses or self._zc is None:
                await self._announce(addresses)
            await asyncio.sleep(self._settings.address_check_seconds)

    async def _announce(self, addresses: list[str]) -> None:
        if not addresses:
            await self._unregister()
            self._addresses = addresses
            self._state = DeviceState(kind="zeroconf", state="offline", reason="no network address to advertise")
            return
        try:
            if self._zc is None:
                # Configured addresses only (tests: 127.0.0.1); else every interface, so a new
                # address needs no new sockets.
                chosen: InterfacesType = list(self._settings.interfaces) or InterfaceChoice.All
                self._zc = AsyncZeroconf(interfaces=chosen, ip_version=IPVersion.V4Only)
            if self._infos:
                # Same names, new addresses: update in place, which re-announces the records.
                self._infos = self._make_infos(addresses, self._names())
                await _all(self._zc.async_update_service(info) for info in self._infos)
                log.info("mdns: address changed to %s; re-announced", ", ".join(addresses))
            else:
                # allow_name_change still renames the info in place on a clash found while probing.
                name = await self._free_name(self._zc)
                self._infos = self._make_infos(addresses, [f"{name}.{HTTP_TYPE}", f"{name}.{MAKERMATRIX_TYPE}"])
                await _all(self._zc.async_register_service(info, allow_name_change=True) for info in self._infos)
                log.info("mdns: advertising %s on %s port %d", self._names(), ", ".join(addresses), self._port)
            self._addresses = addresses
            self._state = DeviceState(
                kind="zeroconf",
                state="ready",
                details={"names": self._names(), "addresses": addresses, "port": self._port},
            )
        except Exception as exc:  # a busy port 5353 or a vanished interface: report, retry next round
            log.warning("mdns: cannot advertise: %s", exc)
            await self._close()
            self._state = DeviceState(kind="zeroconf", state="offline", reason=f"cannot advertise: {exc}")

    def _names(self) -> list[str]:
        return [info.name for info in self._infos]

    async def _unregister(self) -> None:
        if self._zc is not None and self._infos:
            with contextlib.suppress(Exception):
                await _all(self._zc.async_unregister_service(info) for info in self._infos)
        self._infos = []

    async def _close(self) -> None:
        zc, self._zc = self._zc, None
        self._infos = []
        self._addresses = []
        if zc is not None:
            with contextlib.suppress(Exception):
                await zc.async_close()

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        await self._unregister()
        await self._close()
        self._state = DeviceState(kind="zeroconf", state="offline", reason="stopped")


class DisabledMdns:
    """mdns.enabled = false: nothing is advertised."""

    def state(self) -> DeviceState:
        return DeviceState(kind="disabled", state="disabled", reason="mdns.enabled is false")

    def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def build_mdns(
    settings: MdnsSettings, *, port: int, version: str, data_dir: Path, listen_host: str = "0.0.0.0"
) -> MdnsAdvertiser | DisabledMdns:
    if not settings.enabled:
        return DisabledMdns()
    if not settings.interfaces and listen_host not in ("0.0.0.0", "::", ""):
        # Serving on one address only: advertise that one, not addresses nobody can connect to.
        settings = msgspec.structs.replace(settings, interfaces=[listen_host])
    return MdnsAdvertiser(settings, port=port, version=version, instance_id=load_or_create_instance_id(data_dir))
