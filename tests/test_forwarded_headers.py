"""X-Forwarded-For is believed only from configured proxies, so no one picks the address a throttle counts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from daemon_process import Daemon
from makermatrix_edge.settings import ConfigError, load_settings


def _failures(url: str, addresses: list[str]) -> list[int]:
    """A wrong password for 'admin' once from each claimed address; the status codes answered."""
    codes = []
    for address in addresses:
        response = httpx.post(
            url + "/api/auth/login",
            json={"username": "admin", "password": "wrong-password"},
            headers={"X-Forwarded-For": address},
        )
        codes.append(response.status_code)
    return codes


@pytest.fixture
def daemon(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Daemon]:
    proc = Daemon(tmp_path / "data", env=getattr(request, "param", {}))
    try:
        proc.wait_healthy()
        yield proc
    finally:
        proc.stop()


@pytest.mark.daemon
def test_a_local_client_cannot_choose_its_address(daemon: Daemon) -> None:
    # Five failures per username and address (the default): a sixth from "another" address is
    # still the same local client, so it meets the limit.
    codes = _failures(daemon.url, [f"10.1.2.{n}" for n in range(6)])
    assert codes == [401] * 5 + [429], codes


@pytest.mark.parametrize("daemon", [{"MAKERMATRIX_EDGE_SERVER__TRUSTED_PROXIES": '["127.0.0.1"]'}], indirect=True)
@pytest.mark.daemon
def test_a_configured_proxy_is_believed(daemon: Daemon) -> None:
    codes = _failures(daemon.url, [f"10.1.2.{n}" for n in range(6)])
    assert codes == [401] * 6, codes  # six different clients behind the proxy
    assert _failures(daemon.url, ["10.1.2.0"] * 5) == [401] * 4 + [429]


def test_trusted_proxies_must_be_addresses() -> None:
    assert load_settings(overrides={"server": {}}).server.trusted_proxies == []
    allowed = load_settings(overrides={"server": {"trusted_proxies": ["192.168.1.0/24", "::1"]}})
    assert allowed.server.trusted_proxies == ["192.168.1.0/24", "::1"]
    with pytest.raises(ConfigError, match=r"trusted_proxies: 'proxy\.lan' is not an IP address"):
        load_settings(overrides={"server": {"trusted_proxies": ["proxy.lan"]}})
