"""TEST_PROGRESS: a task that only reports progress, for benchmarks and tests.

Registered only when `[tasks] enable_test_tasks` is on. Each step's `current_step` carries the
wall-clock time it was reported at, so a client can measure the delay to its screen.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from makermatrix_edge.tasks.context import TaskContext
from makermatrix_edge.tasks.registry import TaskHandler


def _int(ctx: TaskContext, key: str, default: int, low: int, high: int) -> int:
    value = ctx.input.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{key} must be a whole number from {low} to {high}")
    return value


def run(ctx: TaskContext) -> dict[str, Any]:
    steps = _int(ctx, "steps", 10, 1, 1_000_000)
    interval = _int(ctx, "interval_ms", 100, 0, 60_000) / 1000
    fail_attempts = _int(ctx, "fail_attempts", 0, 0, 100)  # fail this many first attempts
    pad_bytes = _int(ctx, "padding", 0, 0, 65_536)  # makes each update this much bigger
    padding = (" " + "x" * pad_bytes) if pad_bytes else ""
    ignore_cancel = bool(ctx.input.get("ignore_cancel", False))  # a badly behaved handler
    if ctx.attempt < fail_attempts:
        raise RuntimeError(f"planned failure on attempt {ctx.attempt + 1}")
    started = time.time()
    due = time.monotonic()
    for i in range(1, steps + 1):
        due += interval
        wait = due - time.monotonic()
        if ignore_cancel:
            time.sleep(max(0.0, wait))
        else:
            ctx.sleep(wait)
        step = f"step {i}/{steps} t={time.time():.6f}{padding}"
        if ignore_cancel:
            with contextlib.suppress(Exception):
                ctx.progress(100 * i / steps, step)
        else:
            ctx.progress(100 * i / steps, step)
    return {"steps": steps, "attempt": ctx.attempt, "started": started, "ended": time.time()}


def progress_probe() -> TaskHandler:
    return TaskHandler(
        task_type="test_progress",
        name="Test progress",
        description="Reports progress at a set rate (enabled by tasks.enable_test_tasks; tests and benchmarks)",
        run=run,
        permission="tasks:write",
        max_retries=0,
    )
