"""The task worker: takes runnable tasks by priority, runs each handler in its own thread.

The loop runs on the daemon's event loop. It wakes when a task is created (or every
`poll_seconds`), enforces timeouts with the injected clock, and gives a handler that does
not stop within `cancel_grace_seconds` of being told to (or of its last `winding_down` while
it undoes its work) up: its slot is freed and its thread left to end by itself (threads cannot
be killed; handlers check their token).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import DomainError
from makermatrix_edge.settings import TasksSettings
from makermatrix_edge.tasks import store
from makermatrix_edge.tasks.context import StopReason, TaskCancelled, TaskContext
from makermatrix_edge.tasks.models import TaskView
from makermatrix_edge.tasks.registry import HandlerRegistry, TaskHandler

log = logging.getLogger(__name__)
Outcome = tuple[str, Any]  # ("ok", result) | ("stopped", reason) | ("error", exception) | ("abandoned", None)


@dataclass(eq=False)
class _Running:
    ctx: TaskContext
    handler: TaskHandler
    started: float
    timeout: int | None
    done: asyncio.Event = field(default_factory=asyncio.Event)
    stop_asked_at: float | None = None  # loop time
    finished: bool = False


class TaskWorker:
    def __init__(
        self,
        db: Database,
        registry: HandlerRegistry,
        clock: Clock,
        settings: TasksSettings,
        *,
        view_of: Callable[[store.Row], TaskView],
        announce: Callable[[TaskView], None],
    ) -> None:
        self._db = db
        self._registry = registry
        self._clock = clock
        self._settings = settings
        self._view_of = view_of
        self._announce = announce
        self._active: dict[str, _Running] = {}
        self._stop_early: set[str] = set()  # cancelled between being claimed and being launched
        self._jobs: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._closing = False
        self.accepting = False
        self.started_at: float | None = None
        self.loop: asyncio.AbstractEventLoop | None = None  # the loop it runs on, from start() (handlers' follow-ups)

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> list[store.Row]:
        """Recover what a crash left RUNNING, then start taking tasks. Returns the recovered rows."""
        self._closing = False
        self.loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()  # bound to this loop (an app may be started more than once in tests)
        recovered = await self._db.write(lambda db: store.recover_interrupted(db, iso(self._clock())))
        for row in recovered:
            log.warning("task %s (%s) was interrupted by a restart: now %s", row["id"], row["task_type"], row["status"])
            self._announce(self._view_of(row))
        self.resume()
        return recovered

    def resume(self) -> None:
        self.accepting = True
        self.started_at = self._clock()
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.create_task(self._run(), name="task-worker")
        self.wake()

    def pause(self) -> None:
        """Start no new tasks; running ones go on to the end."""
        self.accepting = False
        self.started_at = None

    async def shutdown(self) -> None:
        """Stop everything for a daemon shutdown: running tasks are told to stop and queued again."""
        self.pause()
        self._closing = True
        self.wake()
        if self._loop_task is not None:  # let it end its current round (a claim must reach _launch)
            await asyncio.gather(self._loop_task, return_exceptions=True)
        loop = asyncio.get_running_loop()
        for rt in self._active.values():
            rt.ctx.request_stop("shutdown")
        deadline = loop.time() + self._settings.cancel_grace_seconds
        while self._active and loop.time() < deadline:
            await asyncio.sleep(0.02)
        for rt in list(self._active.values()):
            await self._finish(rt, ("abandoned", None))
        await asyncio.gather(*self._jobs, return_exceptions=True)

    def wake(self) -> None:
        self._wake.set()

    # -- what others ask -----------------------------------------------------------------
    def running_ids(self) -> list[str]:
        return list(self._active)

    def live(self, task_id: str) -> TaskView | None:
        rt = self._active.get(task_id)
        return rt.ctx.view if rt else None

    def stop_task(self, task_id: str) -> bool:
        """Ask a running task to stop because it was cancelled; False if it is past its commit point."""
        rt = self._active.get(task_id)
        if rt is None:
            self._stop_early.add(task_id)
            return True
        return self._ask_stop(rt, "cancel")

    async def wait_finished(self, task_id: str, timeout: float) -> None:
        rt = self._active.get(task_id)
        if rt is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(rt.done.wait(), timeout)

    # -- the loop ----------------------------------------------------------------------
    async def _run(self) -> None:
        while not self._closing:
            self._wake.clear()
            try:
                await self._tick()
            except Exception:  # a failing database must not end the worker for good
                log.exception("task worker tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.poll_seconds)

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        now = self._clock()
        for rt in list(self._active.values()):
            if rt.timeout and rt.ctx.stop_reason is None and now - rt.started >= rt.timeout:
                self._ask_stop(rt, "timeout")
            # Given up on when nothing was heard from it for the grace time (undoing its work counts).
            heard = max(rt.stop_asked_at or 0.0, rt.ctx.alive_at)
            if rt.stop_asked_at is not None and loop.time() - heard >= self._settings.cancel_grace_seconds:
                await self._finish(rt, ("abandoned", None))
        free = self._settings.concurrency - len(self._active)
        # A cheap read first, so an idle daemon does not take the write lock twice a second.
        if self.accepting and free > 0 and await self._db.read(lambda db: store.runnable(db, iso(now))):
            rows = await self._db.write(lambda db: store.claim(db, free, iso(now)))
            for row in rows:
                self._launch(row)

    def _ask_stop(self, rt: _Running, reason: StopReason) -> bool:
        if not rt.ctx.request_stop(reason):
            return False
        if rt.stop_asked_at is None:
            rt.stop_asked_at = asyncio.get_running_loop().time()
        self.wake()
        return True

    def _launch(self, row: store.Row) -> None:
        view = self._view_of(row)
        handler = self._registry.find(row["task_type"])
        if handler is None:
            self._spawn(self._fail_unrunnable(row["id"], f"no handler for task type {row['task_type']} in this daemon"))
            return
        try:
            input_data = json.loads(row["input_data"] or "{}")
        except ValueError:
            input_data = {}
        ctx = TaskContext(
            view,
            input_data if isinstance(input_data, dict) else {},
            db=self._db,
            clock=self._clock,
            publish=self._announce,
            persist_every=self._settings.progress_store_seconds,
        )
        timeout = row["timeout_seconds"] or self._settings.default_timeout_seconds
        rt = _Running(ctx, handler, started=self._clock(), timeout=timeout)
        self._active[view.id] = rt
        self._announce(view)
        if view.id in self._stop_early:
            self._stop_early.discard(view.id)
            self._ask_stop(rt, "cancel")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        future.add_done_callback(lambda f: self._spawn(self._finish(rt, f.result())))
        thread = threading.Thread(target=_run_handler, args=(rt, future, loop), name=f"task-{view.id[:8]}", daemon=True)
        thread.start()
        log.info("task %s (%s) started", view.id, view.task_type)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        job = asyncio.get_running_loop().create_task(coro)
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)

    # -- the end of a run -------------------------------------------------------------------
    async def _finish(self, rt: _Running, outcome: Outcome) -> None:
        if rt.finished:
            return
        rt.finished = True
        rt.ctx.close()
        kind, value = outcome
        reason = rt.ctx.stop_reason
        task_id = rt.ctx.task_id
        change: Change
        if kind == "ok":
            change = _completed(dict(value) if isinstance(value, Mapping) else None)
        elif reason == "shutdown":
            change = _requeued
        elif reason == "timeout":
            change = self._failed(f"timed out after {rt.timeout} s")
        elif reason == "cancel" or kind == "stopped":
            change = _cancelled
        else:
            change = self._failed(_describe(value))
            log.warning("task %s (%s) failed: %s", task_id, rt.ctx.task_type, _describe(value))
        if kind == "abandoned":
            log.warning("task %s (%s) did not stop in time; its thread is left behind", task_id, rt.ctx.task_type)
        now = iso(self._clock())
        try:
            row = await self._db.write(lambda db: change(db, task_id, now))
        finally:
            self._active.pop(task_id, None)
            rt.done.set()
            self.wake()
        if row is not None:
            self._announce(self._view_of(row))
            log.info("task %s (%s) ended: %s", task_id, rt.ctx.task_type, row["status"])

    async def _fail_unrunnable(self, task_id: str, message: str) -> None:
        now = iso(self._clock())

        def fail(db: sqlite_utils.Database) -> store.Row | None:
            store.update(db, task_id, now, status="FAILED", completed_at=now, error_message=message)
            return store.get(db, task_id)

        row = await self._db.write(fail)
        if row is not None:
            self._announce(self._view_of(row))

    def _failed(self, message: str) -> Change:
        """FAILED, or RETRY after a backoff that doubles with each retry while retries are left."""
        base, cap = self._settings.retry_backoff_seconds, self._settings.retry_backoff_max_seconds
        clock = self._clock

        def fail(db: sqlite_utils.Database, task_id: str, now: str) -> store.Row | None:
            row = store.get(db, task_id)
            if row is None:
                return None
            if row["retry_count"] < row["max_retries"]:
                attempt = row["retry_count"] + 1
                delay = min(base * 2 ** (attempt - 1), cap)
                store.update(
                    db,
                    task_id,
                    now,
                    status="RETRY",
                    retry_count=attempt,
                    error_message=message,
                    next_attempt_at=iso(clock() + delay),
                    current_step=f"Failed; retry {attempt} of {row['max_retries']} in {delay} s",
                )
            else:
                store.update(db, task_id, now, status="FAILED", completed_at=now, error_message=message)
            return store.get(db, task_id)

        return fail


Change = Callable[[sqlite_utils.Database, str, str], "store.Row | None"]


def _set(*, finished: bool, **values: Any) -> Change:
    """A change writing these values (and `completed_at` when `finished`), if the task is still there."""

    def change(db: sqlite_utils.Database, task_id: str, now: str) -> store.Row | None:
        if store.get(db, task_id) is None:  # deleted meanwhile (a cleanup, a restore)
            return None
        store.update(db, task_id, now, **values, **({"completed_at": now} if finished else {}))
        return store.get(db, task_id)

    return change


def _completed(result: dict[str, Any] | None) -> Change:
    return _set(
        finished=True,
        status="COMPLETED",
        progress_percentage=100,
        current_step="Completed",
        result_data=store.encode(result),
    )


_cancelled = _set(finished=True, status="CANCELLED", current_step="Cancelled")
# Stopped by a daemon shutdown: not a failure, so it simply runs again at the next start.
_requeued = _set(
    finished=False,
    status="PENDING",
    started_at=None,
    progress_percentage=0,
    cancel_requested=0,
    current_step="Interrupted by a shutdown; queued to run again",
)


def _describe(exc: Any) -> str:
    text = str(exc).strip()
    if isinstance(exc, DomainError) and text:
        return text  # written for people already ("offline: LCSC cannot be reached ...")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _run_handler(rt: _Running, future: asyncio.Future[Outcome], loop: asyncio.AbstractEventLoop) -> None:
    """Thread body: run the handler and hand its outcome back to the loop."""
    outcome: Outcome
    try:
        rt.ctx.check()  # cancelled before it even started
        outcome = ("ok", rt.handler.run(rt.ctx))
    except TaskCancelled as exc:
        outcome = ("stopped", exc.reason)
    except BaseException as exc:  # a handler's bug is its task's failure, never the daemon's
        outcome = ("error", exc)

    def deliver() -> None:
        if not future.done():
            future.set_result(outcome)

    with contextlib.suppress(RuntimeError):  # the loop is gone: daemon stopped while this thread was left behind
        loop.call_soon_threadsafe(deliver)
