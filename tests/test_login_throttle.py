"""Login throttling under parallel bursts, per (user, address) pair, and what a failed login logs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD, FakeClock, add_user
from makermatrix_edge.accounts.passwords import PasswordHasher
from makermatrix_edge.accounts.throttle import LoginThrottle
from makermatrix_edge.app import create_app
from makermatrix_edge.services import Services

WRONG = "wrong-password-1"


class CountingHasher:
    """Counts bcrypt checks and holds each one until the test opens the gate.

    Holding them makes a burst truly simultaneous: every request that gets past the throttle
    is inside its password check before any of them fails and is counted.
    """

    def __init__(self) -> None:
        self.checks = 0
        self.gate = asyncio.Event()
        self._original = PasswordHasher.verify

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = self._original
        counter = self

        async def verify(hasher: PasswordHasher, password: str, hashed: str | None) -> bool:
            counter.checks += 1
            await counter.gate.wait()
            return await original(hasher, password, hashed)

        monkeypatch.setattr(PasswordHasher, "verify", verify)


Login = tuple[str, str, str]  # username, password, client address
Burst = Callable[[list[Login]], Awaitable[list[httpx.Response]]]


def _run(services: Services, hasher: CountingHasher, scenario: Callable[[Burst], Awaitable[None]]) -> None:
    """Run a scenario on one event loop; its `burst` sends every login at once to the in-process app."""
    app = create_app(services)

    async def burst(logins: list[Login]) -> list[httpx.Response]:
        answered = 0

        async def one(username: str, password: str, address: str) -> httpx.Response:
            nonlocal answered
            transport = httpx.ASGITransport(app=app, client=(address, 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                try:
                    return await client.post("/api/auth/login", json={"username": username, "password": password})
                finally:
                    answered += 1

        hasher.gate.clear()
        before = hasher.checks
        tasks = [asyncio.create_task(one(*login)) for login in logins]

        async def everyone_checked_or_answered() -> None:
            while hasher.checks - before + answered < len(logins):
                await asyncio.sleep(0.005)

        await asyncio.wait_for(everyone_checked_or_answered(), 60)
        hasher.gate.set()
        return list(await asyncio.gather(*tasks))

    asyncio.run(scenario(burst))


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingHasher]:
    counting = CountingHasher()
    counting.install(monkeypatch)
    yield counting


def _codes(responses: list[httpx.Response]) -> list[int]:
    return [r.status_code for r in responses]


def test_a_parallel_burst_gets_only_the_allowed_password_checks(services: Services, hasher: CountingHasher) -> None:
    async def scenario(burst: Burst) -> None:
        responses = await burst([("admin", WRONG, "10.0.0.66")] * 200)
        codes = _codes(responses)
        assert hasher.checks == 5, f"{hasher.checks} bcrypt checks for 200 simultaneous wrong passwords"
        assert codes.count(401) == 5 and codes.count(429) == 195
        assert all(int(r.headers["retry-after"]) >= 1 for r in responses if r.status_code == 429)

    _run(services, hasher, scenario)


def test_the_right_password_does_not_slip_through_a_burst(services: Services, hasher: CountingHasher) -> None:
    async def scenario(burst: Burst) -> None:
        codes = _codes(await burst([("admin", WRONG, "10.0.0.66")] * 60 + [("admin", ADMIN_PASSWORD, "10.0.0.66")]))
        assert hasher.checks == 5
        assert codes.count(200) == 0 and codes[-1] == 429, codes
        # Once the burst is over, the right password from that address still waits out the window.
        assert _codes(await burst([("admin", ADMIN_PASSWORD, "10.0.0.66")])) == [429]

    _run(services, hasher, scenario)


def test_the_owner_on_another_address_still_gets_in(
    services: Services, hasher: CountingHasher, clock: FakeClock
) -> None:
    async def scenario(burst: Burst) -> None:
        assert _codes(await burst([("admin", WRONG, "10.0.0.66")] * 50)).count(401) == 5
        owner = await burst([("admin", ADMIN_PASSWORD, "10.0.0.7")])
        assert _codes(owner) == [200], owner[0].text
        # Repeating it, window after window, never locks the owner out either.
        for _ in range(3):
            clock.advance(301)
            assert _codes(await burst([("admin", WRONG, "10.0.0.66")] * 10)).count(401) == 5
            assert _codes(await burst([("admin", ADMIN_PASSWORD, "10.0.0.7")])) == [200]

    _run(services, hasher, scenario)


def test_many_addresses_together_meet_the_slower_per_user_limit(
    services: Services, hasher: CountingHasher, clock: FakeClock
) -> None:
    async def scenario(burst: Burst) -> None:
        assert _codes(await burst([("admin", ADMIN_PASSWORD, "10.0.0.7")])) == [200]  # the owner's usual place
        # 5 wrong from each of 6 addresses: the pair limit would allow 30, the per-user limit allows 20.
        codes = _codes(await burst([("admin", WRONG, f"10.0.1.{i}") for i in range(6) for _ in range(5)]))
        assert hasher.checks == 1 + 20 and codes.count(401) == 20 and codes.count(429) == 10
        assert _codes(await burst([("admin", ADMIN_PASSWORD, "10.0.0.8")])) == [429]  # a new address waits
        assert _codes(await burst([("admin", ADMIN_PASSWORD, "10.0.0.7")])) == [200]  # where it logged in before
        clock.advance(301)
        assert _codes(await burst([("admin", ADMIN_PASSWORD, "10.0.0.8")])) == [200]

    _run(services, hasher, scenario)


def test_one_address_spraying_usernames_meets_the_per_address_limit(client: TestClient[Any]) -> None:
    for i in range(20):
        assert client.post("/api/auth/login", json={"username": f"spray{i}", "password": WRONG}).status_code == 401
    response = client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 429


def test_a_failed_login_logs_only_names_that_exist(
    client: TestClient[Any], admin_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    add_user(client, admin_token, "alice", "user")
    caplog.set_level(logging.INFO, logger="makermatrix_edge.accounts.auth")
    typed_in_the_wrong_field = "Hunter2-secret-pw"
    client.post("/api/auth/login", json={"username": typed_in_the_wrong_field, "password": "x"})
    client.post("/api/auth/login", json={"username": "alice", "password": WRONG})
    assert typed_in_the_wrong_field not in caplog.text
    assert "unknown username tried" in caplog.text
    assert "login failed user=alice" in caplog.text


def test_the_exemption_of_a_known_address_lasts_seven_days() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(300, clock, per_pair=5, per_user=2, per_address=20)

    def fail(address: str) -> None:
        attempt, wait = throttle.reserve("alice", address)
        assert attempt is not None and wait == 0
        attempt.failed()

    known, _ = throttle.reserve("alice", "10.0.0.7")
    assert known is not None
    known.succeeded()
    clock.advance(7 * 86400 - 600)
    fail("10.0.1.1")
    fail("10.0.1.2")
    assert throttle.reserve("alice", "10.0.1.3")[0] is None  # the per-user limit is reached
    still_known, _ = throttle.reserve("alice", "10.0.0.7")
    assert still_known is not None
    still_known.release()
    clock.advance(600)  # a week after that login, the address is a stranger again
    fail("10.0.1.1")
    fail("10.0.1.2")
    assert throttle.reserve("alice", "10.0.0.7") == (None, 300)
