"""A streamed reply is read no faster than a model can write it (devices/llm/pace.py)."""

from __future__ import annotations

import asyncio

from makermatrix_edge.devices.llm.pace import MAX_LINES_PER_SECOND, PACE_EVERY, Pace


class FakeTime:
    """A clock that moves only when the reader sleeps or the far end takes time to write."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def read(lines: int, seconds_between_lines: float) -> FakeTime:
    time = FakeTime()
    pace = Pace(time.clock, time.sleep)

    async def run() -> None:
        for _ in range(lines):
            time.now += seconds_between_lines
            await pace.line()

    asyncio.run(run())
    return time


def test_a_flood_that_arrives_at_once_is_read_at_the_pace() -> None:
    time = read(20_000, 0.0)
    assert time.now >= 20_000 / MAX_LINES_PER_SECOND  # 10 s for what a model would need minutes to write
    assert len(time.slept) == 20_000 // PACE_EVERY  # the loop is given back every PACE_EVERY lines


def test_an_honest_fast_model_is_never_held_back() -> None:
    time = read(2_000, 1 / 300)  # 300 tokens a second: faster than any model a bench reaches
    assert time.slept and max(time.slept) == 0.0  # it only yields, never rests


def test_a_burst_after_a_long_think_is_not_held_back() -> None:
    time = FakeTime()
    pace = Pace(time.clock, time.sleep)

    async def run() -> None:
        time.now += 5.0  # five seconds before the first line, then lines that queued up meanwhile
        for _ in range(64):
            await pace.line()

    asyncio.run(run())
    assert max(time.slept) == 0.0
