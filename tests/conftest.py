"""Shared fixtures: settings in a temp data dir, a movable clock, the app in-process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from makermatrix_edge.app import create_app
from makermatrix_edge.daemon import build_services
from makermatrix_edge.services import Services
from makermatrix_edge.settings import Settings, load_settings

ADMIN_PASSWORD = "bench-admin-pw-1"


class FakeClock:
    """A clock tests move by hand: `clock.advance(3600)`."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_settings(data_dir: Path, **sections: dict[str, Any]) -> Settings:
    overrides: dict[str, dict[str, Any]] = {
        "storage": {"data_dir": str(data_dir), "synchronous": "NORMAL"},
        "accounts": {"bcrypt_cost": 4},
        # No nightly backup job unless a test asks for one (it would add a scheduler job and a catch-up run).
        "backup": {"enabled": False},
    }
    for name, values in sections.items():
        overrides.setdefault(name, {}).update(values)
    return load_settings(None, env={}, overrides=overrides)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


# create_app() costs 0.3-0.5 s of CPU (Litestar registers every handler), more than most tests. A test
# marked `shared_app` gets one daemon per test module instead (a fresh data dir per module): only for
# tests that write nothing another test of the module reads (reads, refusals that write nothing).
@pytest.fixture(scope="module")
def shared_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    settings = make_settings(tmp_path_factory.mktemp("shared") / "data")
    built = build_services(settings, clock=FakeClock(), admin_password=ADMIN_PASSWORD)
    yield built
    built.close()


@pytest.fixture(scope="module")
def shared_client(shared_services: Services) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(shared_services)) as test_client:
        yield test_client


def _shares_the_app(request: pytest.FixtureRequest) -> bool:
    if request.node.get_closest_marker("shared_app") is None:
        return False
    own = {"clock", "settings"} & set(request.fixturenames)
    if own:  # the shared daemon has its own clock and settings: a test that needs these needs its own daemon
        raise pytest.UsageError(f"{request.node.nodeid} is marked shared_app but asks for {sorted(own)}")
    return True


@pytest.fixture
def services(request: pytest.FixtureRequest) -> Iterator[Services]:
    if _shares_the_app(request):
        yield request.getfixturevalue("shared_services")
        return
    settings: Settings = request.getfixturevalue("settings")
    built = build_services(settings, clock=request.getfixturevalue("clock"), admin_password=ADMIN_PASSWORD)
    yield built
    built.close()


@pytest.fixture
def client(request: pytest.FixtureRequest, services: Services) -> Iterator[TestClient[Any]]:
    if _shares_the_app(request):
        shared: TestClient[Any] = request.getfixturevalue("shared_client")
        yield shared
        shared.cookies.clear()  # no session or refresh cookie carries over to the next test
        return
    from app_pool import client_for  # here, not at the top: a subprocess imports this module without tests/ on its path

    with client_for(services) as test_client:
        yield test_client


def login(client: TestClient[Any], username: str, password: str) -> str:
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin_token(client: TestClient[Any]) -> str:
    return login(client, "admin", ADMIN_PASSWORD)


def add_user(
    client: TestClient[Any], admin_token: str, username: str, role: str, password: str = "password-123"
) -> dict[str, Any]:
    response = client.post(
        "/api/users/register",
        json={"username": username, "password": password, "roles": [role]},
        headers=bearer(admin_token),
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])
