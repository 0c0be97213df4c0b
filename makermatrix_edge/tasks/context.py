"""What a running handler gets: its input, progress reporting and a cancellation token.

Handlers run in a worker thread. They call `ctx.progress()` as they go (it also raises
`TaskCancelled` once a stop was asked for) and `ctx.sleep()` / `ctx.check()` in long loops,
so a cancel, a timeout or a shutdown ends them within about a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

import msgspec
import sqlite_utils

from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.tasks import store
from makermatrix_edge.tasks.models import TaskView

StopReason = Literal["cancel", "timeout", "shutdown"]


class TaskCancelled(Exception):
    """Raised inside a handler when its task must stop; the worker records why."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"stopped ({reason})")
        self.reason = reason


class TaskContext:
    def __init__(
        self,
        view: TaskView,
        input_data: dict[str, Any],
        *,
        db: Database,
        clock: Clock,
        publish: Callable[[TaskView], None],
        persist_every: float,
    ) -> None:
        self.task_id = view.id
        self.task_type = view.task_type
        self.input = input_data
        self.attempt = view.retry_count  # 0 on the first run, 1 on the first retry, ...
        self.db = db
        self.clock = clock
        self.log = logging.getLogger(f"makermatrix_edge.tasks.{view.task_type}")
        self.stop_reason: StopReason | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._view = view
        self._publish = publish
        self._persist_every = persist_every
        self._last_persist = time.monotonic()
        self._closed = False
        self._committing = False  # past commit_point(): a cancel is refused
        self.alive_at = 0.0  # monotonic time of the last winding_down(), if any

    # -- cancellation ------------------------------------------------------------------
    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def check(self) -> None:
        """Raise TaskCancelled if the task must stop."""
        if self._stop.is_set():
            raise TaskCancelled(self.stop_reason or "cancel")

    def sleep(self, seconds: float) -> None:
        """Wait, but wake and raise TaskCancelled at once when the task must stop."""
        if self._stop.wait(max(0.0, seconds)):
            raise TaskCancelled(self.stop_reason or "cancel")

    def request_stop(self, reason: StopReason) -> bool:
        """Called by the worker (any thread); False once past `commit_point`: the task goes to its end."""
        with self._lock:
            if self._committing:
                return False
            if self.stop_reason is None:
                self.stop_reason = reason
            self._stop.set()
            return True

    def winding_down(self, step: str) -> None:
        """A stopped handler still undoing its work says so: live only, and the worker keeps waiting for it."""
        self.alive_at = time.monotonic()
        with self._lock:
            if self._closed:
                return
            self._view = msgspec.structs.replace(self._view, current_step=step, updated_at=iso(self.clock()))
            view = self._view
        self._publish(view)

    def commit_point(self) -> None:
        """From here the task goes to its end: a cancel is refused; raises TaskCancelled if one came first."""
        with self._lock:
            if not self._stop.is_set():
                self._committing = True
                return
        self.check()

    # -- progress ----------------------------------------------------------------------
    def progress(self, percent: float, step: str | None = None, *, persist: bool = True) -> None:
        """Report progress (0-100) and what is being done; pushed live, stored at most once a second.

        persist=False from inside a database write: storing progress needs the writer thread it holds.
        """
        pct = max(0, min(100, int(percent)))
        now = self.clock()
        with self._lock:
            if self._closed:
                return
            current = step if step is not None else self._view.current_step
            self._view = msgspec.structs.replace(
                self._view, progress_percentage=pct, current_step=current, updated_at=iso(now)
            )
            view = self._view
            due = persist and time.monotonic() - self._last_persist >= self._persist_every
            if due:
                self._last_persist = time.monotonic()
        self._publish(view)
        if due:
            self._persist(view)
        self.check()

    def _persist(self, view: TaskView) -> None:
        def write(db: sqlite_utils.Database) -> None:
            store.set_progress(db, view.id, view.progress_percentage, view.current_step, view.updated_at)

        try:
            self.db.write_sync(write)
        except Exception as exc:  # progress is advisory; the final state is written by the worker
            self.log.debug("progress of %s not stored: %s", self.task_id, exc)

    # -- worker side -------------------------------------------------------------------
    @property
    def view(self) -> TaskView:
        with self._lock:
            return self._view

    def close(self) -> None:
        """No more progress from this handler (it finished, or was given up on)."""
        with self._lock:
            self._closed = True
