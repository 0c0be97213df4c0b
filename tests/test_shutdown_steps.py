"""A shutdown step that never ends (a wedged device, a task that ignores cancellation) cannot hold the
daemon's stop for ever: it is logged by name and left behind."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from makermatrix_edge.app import _stop_within


def test_a_step_that_ignores_cancellation_is_left_behind_and_named(caplog: pytest.LogCaptureFixture) -> None:
    released = asyncio.Event()

    async def wedged() -> None:
        while not released.is_set():
            with contextlib.suppress(asyncio.CancelledError):  # the worst case: it swallows its cancel
                await asyncio.sleep(3600)

    async def run() -> None:
        await _stop_within("the wedged part", wedged(), seconds=0.05)
        released.set()  # let the left-behind step end so the loop closes cleanly

    with caplog.at_level(logging.WARNING):
        asyncio.run(run())
    assert "the wedged part did not stop" in caplog.text


def test_a_step_that_fails_still_raises() -> None:
    async def broken() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        asyncio.run(_stop_within("the broken part", broken(), seconds=5))


def test_a_quick_step_is_simply_awaited() -> None:
    done: list[str] = []

    async def quick() -> None:
        done.append("stopped")

    asyncio.run(_stop_within("the quick part", quick(), seconds=5))
    assert done == ["stopped"]
