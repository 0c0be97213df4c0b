"""The event bus on its own: thread-safe publishing, bounded queues, a lagging subscriber cut off."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any

import pytest

from makermatrix_edge.runtime.events import TASKS, Event, EventBus, Lagging, make_event


def _event(n: int, owner: str | None = None) -> Event:
    return make_event("task_update", {"n": n}, topic=TASKS, timestamp=1.0, owner_id=owner, key=f"t{n}")


def test_publish_from_threads_reaches_subscribers_in_order_per_thread() -> None:
    async def scenario() -> list[Any]:
        bus = EventBus()
        bus.bind(asyncio.get_running_loop())
        sub = bus.subscribe(channel="tasks", user_id="u", accept=lambda e: True, maxsize=10_000)

        def produce(base: int) -> None:
            for i in range(500):
                bus.publish(_event(base + i))

        threads = [threading.Thread(target=produce, args=(k * 1000,)) for k in range(4)]
        for t in threads:
            t.start()
        await asyncio.to_thread(lambda: [t.join() for t in threads])
        await asyncio.sleep(0.05)
        return [json.loads(await sub.get())["data"]["n"] for _ in range(2000)]

    got = asyncio.run(scenario())
    for k in range(4):
        mine = [n for n in got if k * 1000 <= n < k * 1000 + 500]
        assert mine == list(range(k * 1000, k * 1000 + 500))


def test_a_subscriber_that_does_not_read_is_cut_off_and_the_others_get_everything() -> None:
    async def scenario() -> tuple[int, bool, int]:
        bus = EventBus()
        bus.bind(asyncio.get_running_loop())
        slow = bus.subscribe(channel="tasks", user_id="a", accept=lambda e: True, maxsize=10)
        fast = bus.subscribe(channel="tasks", user_id="b", accept=lambda e: True, maxsize=10)
        received = 0
        for i in range(1000):
            bus.publish(_event(i))  # on the loop thread: dispatched at once, never waits
            await fast.get()
            received += 1
        with pytest.raises(Lagging):
            await slow.get()
        return received, slow.lagging, bus.stats().total_connections

    received, lagging, total = asyncio.run(scenario())
    assert received == 1000 and lagging is True and total == 2


def test_filters_and_odd_cases_never_break_delivery() -> None:
    async def scenario() -> list[str]:
        bus = EventBus()
        bus.publish(_event(0))  # not bound yet: dropped quietly
        bus.bind(asyncio.get_running_loop())

        def broken(_: Event) -> bool:
            raise RuntimeError("bad filter")

        bus.subscribe(channel="tasks", user_id="x", accept=broken, maxsize=5)
        mine = bus.subscribe(channel="tasks", user_id="y", accept=lambda e: e.owner_id == "y", maxsize=5)
        bus.publish(_event(1, owner="z"))
        bus.publish(_event(2, owner="y"))
        first = await mine.get()
        stats = bus.stats()
        assert stats.by_type == {"tasks": 2} and stats.active_users == 2
        bus.unsubscribe(mine)
        return [first]

    (text,) = asyncio.run(scenario())
    assert '"n":2' in text


def test_publish_after_the_loop_closed_is_harmless(caplog: pytest.LogCaptureFixture) -> None:
    # A raise in the worker thread would fail this test (PytestUnhandledThreadExceptionWarning is an error).
    bus = EventBus()
    loop = asyncio.new_event_loop()
    loop.run_until_complete(asyncio.sleep(0))
    bus.bind(loop)
    loop.close()
    worker = threading.Thread(target=bus.publish, args=(_event(1),))
    with caplog.at_level(logging.DEBUG, logger="makermatrix_edge.runtime.events"):
        worker.start()
        worker.join()
    assert "dropped: event loop closed" in caplog.text  # the closed loop was met, and the event dropped
