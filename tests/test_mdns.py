"""mDNS on 127.0.0.1 only: a second Zeroconf instance browses and resolves what the daemon advertises."""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path
from typing import Any

import pytest
import zeroconf._core
from zeroconf import ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from daemon_process import Daemon
from makermatrix_edge.devices.mdns import HTTP_TYPE, MAKERMATRIX_TYPE, DisabledMdns, MdnsAdvertiser, build_mdns
from makermatrix_edge.settings import MdnsSettings

LOOPBACK = ["127.0.0.1"]


def settings(name: str, **extra: Any) -> MdnsSettings:
    return MdnsSettings(enabled=True, name=name, interfaces=LOOPBACK, **extra)


class Browser:
    """The phone's side: collects added and removed service names of both types."""

    def __init__(self) -> None:
        self.zc = AsyncZeroconf(interfaces=LOOPBACK)
        self.added: set[str] = set()
        self.removed: set[str] = set()
        self.browser = AsyncServiceBrowser(self.zc.zeroconf, [HTTP_TYPE, MAKERMATRIX_TYPE], handlers=[self.on_change])

    def on_change(self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange) -> None:
        if state_change is ServiceStateChange.Added:
            self.added.add(name)
        elif state_change is ServiceStateChange.Removed:
            self.removed.add(name)

    async def wait(self, seen: set[str], names: set[str], timeout: float = 8.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not names <= seen:
            assert asyncio.get_running_loop().time() < deadline, f"{names - seen} not seen; saw {seen}"
            await asyncio.sleep(0.05)

    async def resolve(self, service_type: str, name: str) -> AsyncServiceInfo:
        info = AsyncServiceInfo(service_type, name)
        assert await info.async_request(self.zc.zeroconf, 3000), f"{name} did not resolve"
        return info

    async def close(self) -> None:
        await self.browser.async_cancel()
        await self.zc.async_close()


def unique_name() -> str:
    # Other test runs on this machine share 127.0.0.1:5353; a unique name keeps them apart.
    return f"Bench {uuid.uuid4().hex[:8]}"


async def wait_ready(advertiser: MdnsAdvertiser, timeout: float = 8.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if advertiser.state().state == "ready":
            return
        await asyncio.sleep(0.05)
    raise AssertionError(advertiser.state())


def test_browse_resolve_rename_and_unregister(tmp_path: Path) -> None:
    name = unique_name()

    async def scenario() -> None:
        browser = Browser()
        first = build_mdns(settings(name), port=8123, version="0.1.0", data_dir=tmp_path)
        assert isinstance(first, MdnsAdvertiser)
        second = MdnsAdvertiser(settings(name), port=8124, version="0.1.0", instance_id="other-bench")
        try:
            first.start()
            await wait_ready(first)
            http_name, mm_name = f"{name}.{HTTP_TYPE}", f"{name}.{MAKERMATRIX_TYPE}"
            await browser.wait(browser.added, {http_name, mm_name})

            info = await browser.resolve(MAKERMATRIX_TYPE, mm_name)
            assert info.parsed_addresses() == ["127.0.0.1"] and info.port == 8123
            instance_id = (tmp_path / "instance-id").read_text().strip()
            assert info.decoded_properties == {
                "version": "0.1.0", "api": "/api", "alora": "/alora", "ui": "/", "id": instance_id,
            }  # fmt: skip
            http = await browser.resolve(HTTP_TYPE, http_name)
            assert http.port == 8123 and http.decoded_properties["path"] == "/"

            # Another bench with the same name gets a unique one instead of a clash.
            second.start()
            await wait_ready(second)
            renamed = second.state().details["names"]
            assert all(n != http_name and n != mm_name and n.startswith(name) for n in renamed), renamed
            await browser.wait(browser.added, set(renamed))
            assert (await browser.resolve(MAKERMATRIX_TYPE, renamed[1])).port == 8124

            await first.stop()
            await browser.wait(browser.removed, {http_name, mm_name})
            assert first.state().state == "offline"
        finally:
            await first.stop()
            await second.stop()
            await browser.close()

    asyncio.run(scenario())


def test_reannounced_when_the_address_changes(tmp_path: Path) -> None:
    name = unique_name()
    current = ["127.0.0.1"]

    async def scenario() -> None:
        browser = Browser()
        advertiser = MdnsAdvertiser(
            settings(name, address_check_seconds=1.0),
            port=8125,
            version="0.1.0",
            instance_id="x",
            addresses=lambda: list(current),
        )
        try:
            advertiser.start()
            await wait_ready(advertiser)
            mm_name = f"{name}.{MAKERMATRIX_TYPE}"
            await browser.wait(browser.added, {mm_name})
            current[:] = ["127.0.0.1", "127.0.0.2"]  # DHCP handed out another address
            for _ in range(60):
                if advertiser.state().details.get("addresses") == current:
                    break
                await asyncio.sleep(0.05)
            assert advertiser.state().details["addresses"] == current
            info = AsyncServiceInfo(MAKERMATRIX_TYPE, mm_name)
            assert await info.async_request(browser.zc.zeroconf, 3000)
            assert sorted(info.parsed_addresses()) == current
        finally:
            await advertiser.stop()
            await browser.close()

    asyncio.run(scenario())


def test_disabled_is_a_null_object(tmp_path: Path) -> None:
    device = build_mdns(MdnsSettings(enabled=False), port=1, version="x", data_dir=tmp_path)
    assert isinstance(device, DisabledMdns) and device.state().state == "disabled"
    assert not (tmp_path / "instance-id").exists()


def test_instance_id_is_stable(tmp_path: Path) -> None:
    first = build_mdns(settings("a"), port=1, version="x", data_dir=tmp_path)
    assert isinstance(first, MdnsAdvertiser)
    again = (tmp_path / "instance-id").read_text()
    build_mdns(settings("a"), port=1, version="x", data_dir=tmp_path)
    assert (tmp_path / "instance-id").read_text() == again and len(again.strip()) == 32


@pytest.mark.daemon
def test_a_real_daemon_advertises_its_port_and_unregisters_on_sigterm(tmp_path: Path) -> None:
    name = unique_name()
    daemon = Daemon(  # listens on 127.0.0.1 only, so it advertises only that address
        tmp_path / "data", env={"MAKERMATRIX_EDGE_MDNS__ENABLED": "true", "MAKERMATRIX_EDGE_MDNS__NAME": name}
    )

    async def scenario() -> None:
        browser = Browser()
        try:
            mm_name = f"{name}.{MAKERMATRIX_TYPE}"
            await browser.wait(browser.added, {mm_name, f"{name}.{HTTP_TYPE}"}, timeout=20)
            info = await browser.resolve(MAKERMATRIX_TYPE, mm_name)
            assert info.parsed_addresses() == ["127.0.0.1"] and info.port == daemon.port
            for _ in range(100):  # ready once the announcements are out, shortly after the first is seen
                mdns = daemon.health_details()["devices"]["mdns"]
                if mdns["state"] == "ready":
                    break
                await asyncio.sleep(0.05)
            assert mdns["state"] == "ready" and mm_name in mdns["details"]["names"], mdns
            daemon.proc.send_signal(signal.SIGTERM)
            await browser.wait(browser.removed, {mm_name}, timeout=10)
        finally:
            await browser.close()

    try:
        asyncio.run(scenario())
        assert daemon.stop() == 0
    finally:
        daemon.kill()


def test_a_clash_is_found_even_when_probing_is_too_quick_to_hear_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under load the other bench's answer came after zeroconf's probes, and the names clashed.

    Probing here is made instant (no wait between probes), which is that race every time: the
    advertiser must ask for its name first and wait for the answer, not depend on probe timing.
    """
    monkeypatch.setattr(zeroconf._core, "_CHECK_TIME", 0)
    monkeypatch.setattr(zeroconf._core, "_PROBE_RANDOM_DELAY_INTERVAL", (0, 0))
    name = unique_name()

    async def scenario() -> None:
        first = MdnsAdvertiser(settings(name), port=8126, version="0.1.0", instance_id="first-bench")
        second = MdnsAdvertiser(settings(name), port=8127, version="0.1.0", instance_id="second-bench")
        try:
            first.start()
            await wait_ready(first)
            second.start()
            await wait_ready(second)
            assert second.state().details["names"] == [f"{name}-2.{HTTP_TYPE}", f"{name}-2.{MAKERMATRIX_TYPE}"]
        finally:
            await first.stop()
            await second.stop()

    asyncio.run(scenario())
