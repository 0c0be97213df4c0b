"""Bulk jobs give way to people: the request count (runtime/foreground.py) and the paced import."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from conftest import FakeClock, bearer
from makermatrix_edge.runtime.foreground import Foreground, Pacer
from tasks_support import task_app, wait_task
from test_orders_routes import lcsc_lines


class Ticks:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_pacer_rests_twice_its_work_only_while_requests_are_served() -> None:
    ticks = Ticks()
    rests: list[float] = []
    foreground = Foreground(clock=ticks, linger=0.05)

    def sleep(seconds: float) -> None:
        rests.append(round(seconds, 6))
        ticks.now += seconds

    pace = Pacer(foreground, share=1 / 3, slice_seconds=0.005, clock=ticks, sleep=sleep)
    ticks.now += 0.004
    pace()  # under a slice: goes on
    ticks.now += 0.002
    pace()  # a slice done, nobody around: goes on without resting
    assert rests == []
    foreground.started()  # a request comes in
    ticks.now += 0.006
    pace()
    assert rests == [0.012]  # two thirds of the time are the request's
    foreground.finished()
    ticks.now += 0.006
    pace()  # answered 6 ms ago: its client's next request is likely on the way
    assert rests == [0.012, 0.012]
    ticks.now += 0.1  # then quiet for 100 ms (the rest above moved the clock too)
    pace()
    assert rests == [0.012, 0.012] and pace.rested == pytest.approx(0.024)
    with pytest.raises(ValueError):
        Pacer(foreground, share=0)


def test_the_middleware_counts_http_requests_and_not_websockets() -> None:
    foreground = Foreground()
    seen: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(foreground.busy() and foreground._in_flight == 1)
        if scope["path"] == "/boom":
            raise RuntimeError("boom")

    counted = foreground.middleware(app)

    async def call(kind: str, path: str) -> None:
        await counted({"type": kind, "path": path}, None, None)  # type: ignore[arg-type]

    asyncio.run(call("http", "/api/parts"))
    with pytest.raises(RuntimeError):
        asyncio.run(call("http", "/boom"))  # a failed request is still counted out
    asyncio.run(call("websocket", "/ws/tasks"))
    assert seen == [True, True, False]
    assert foreground.answered == 2 and foreground._in_flight == 0


def test_a_large_import_task_gives_way_while_a_request_is_in_flight(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with task_app(tmp_path, clock, imports={"task_threshold_rows": 50}) as (client, services, admin):
        answered = services.foreground.answered
        assert client.get("/api/parts/get_all_parts", headers=bearer(admin)).status_code == 200
        assert client.get("/alora/components", headers=bearer(admin)).status_code == 200
        assert services.foreground.answered == answered + 2  # the app counts both faces' requests
        made: list[Pacer] = []
        real = services.orders.pacer

        def spy() -> Pacer | None:
            pacer = real()
            assert pacer is not None
            made.append(pacer)
            return pacer

        monkeypatch.setattr(services.orders, "pacer", spy)
        services.foreground.started()  # somebody's slow request, in flight during the whole import
        try:
            response = client.post(
                "/api/import/file", files={"file": ("big.csv", lcsc_lines(400).encode())}, headers=bearer(admin)
            )
            assert response.status_code == 202, response.text
            task = wait_task(client, admin, response.json()["data"]["task_id"], "completed")
        finally:
            services.foreground.finished()
        assert task["result_data"]["created_count"] == 400
        assert len(made) == 1 and made[0].rested > 0
