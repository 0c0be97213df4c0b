"""Reading a streamed reply no faster than a model can write it.

A model on a Pi writes 5-30 tokens a second, one on a GPU box a few hundred; Ollama streams about a
token a line. A server that sends thousands of lines a second is broken or hostile, and each line
costs the event loop parsing while requests wait. Reading is therefore paced at MAX_LINES_PER_SECOND
(ten times the fastest real model): an honest model is never slowed, lines that arrived together
parse PACE_EVERY at a time between yields, and a flood costs the loop a small, fixed share of its
time however fast the far end writes (measured in scripts/bench/assistant.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

MAX_LINES_PER_SECOND = 2_000
PACE_EVERY = 8


class Pace:
    """Counts a reply's lines; every PACE_EVERY lines yields, and rests while ahead of the pace."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._started = clock()
        self._lines = 0

    async def line(self) -> None:
        self._lines += 1
        if self._lines % PACE_EVERY:
            return
        ahead = self._started + self._lines / MAX_LINES_PER_SECOND - self._clock()
        await self._sleep(max(ahead, 0.0))  # sleep(0) still lets waiting requests in
