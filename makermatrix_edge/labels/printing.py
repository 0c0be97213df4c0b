"""The print queue: one FIFO for every phone, one printer thread, each job confirmed or failed with a reason.

Jobs are rendered, converted and sent on the printer thread, one at a time. Every state change
(queued, printing, done, failed) is published on /ws/events as `printer_job`. Between jobs the
printer's status is polled, so an unplugged printer shows as offline and is found again.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Literal

import msgspec

from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.devices.printer.base import Printer, PrinterOffline, PrintFailed
from makermatrix_edge.devices.printer.media import LabelSize
from makermatrix_edge.devices.printer.status import PrinterStatus
from makermatrix_edge.devices.printer.thread import DeviceThread
from makermatrix_edge.errors import InvalidInput, TooManyRequests
from makermatrix_edge.runtime.device_state import DeviceState
from makermatrix_edge.runtime.events import ENTITIES, EventBus, make_event
from makermatrix_edge.settings import PrinterSettings

log = logging.getLogger(__name__)
JobState = Literal["queued", "printing", "done", "failed"]


class Job(msgspec.Struct, kw_only=True):
    id: str
    state: JobState
    reason: str | None
    entity_type: str
    entity_id: str | None
    title: str
    template_id: str
    label_size: str
    copies: int
    printed: int
    user: str | None
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None


# What the printer thread does for one copy: render + convert (returns bytes), then send.
Build = Callable[[], bytes]


class PrintQueue:
    def __init__(self, printer: Printer, cfg: PrinterSettings, events: EventBus, clock: Clock) -> None:
        self.printer = printer
        self.cfg = cfg
        self._events = events
        self._clock = clock
        self._thread = DeviceThread("printer")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._work: dict[str, tuple[Build, LabelSize]] = {}
        self._done: dict[str, asyncio.Event] = {}
        self._pending: asyncio.Queue[str] | None = None
        self._runner: asyncio.Task[None] | None = None
        self._seq = itertools.count(1)
        self.current: Job | None = None
        self.last_status: PrinterStatus | None = None
        self._last_seen: tuple[str, str | None] | None = None

    # -- lifecycle ------------------------------------------------------------------
    async def start(self) -> None:
        self._pending = asyncio.Queue()
        self._runner = asyncio.create_task(self._run(), name="print-queue")

    async def stop(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None
        for job in self._jobs.values():
            if job.state in ("queued", "printing"):
                self._finish(job, "failed", "the daemon stopped before the label printed")
        with contextlib.suppress(TimeoutError):  # a wedged device must not hold up shutdown
            await self._thread.call(self.printer.close, 2.0)
        self._thread.stop()

    @property
    def _limit(self) -> float:
        """Longest one device call may take before its thread is abandoned."""
        return self.cfg.io_timeout_seconds * 3 + self.cfg.confirm_timeout_seconds + 15

    # -- jobs -----------------------------------------------------------------------
    def submit(
        self,
        build: Build,
        label: LabelSize,
        *,
        entity_type: str,
        entity_id: str | None,
        title: str,
        template_id: str,
        copies: int,
        user: str | None,
    ) -> Job:
        if self._pending is None:
            raise RuntimeError("the print queue is not running")
        if self._pending.qsize() >= self.cfg.max_queue:
            raise TooManyRequests(f"{self.cfg.max_queue} labels are already waiting; try again shortly", 10)
        now = self._clock()
        job = Job(
            id=f"{int(now)}-{next(self._seq)}",
            state="queued",
            reason=None,
            entity_type=entity_type,
            entity_id=entity_id,
            title=title,
            template_id=template_id,
            label_size=label.name,
            copies=copies,
            printed=0,
            user=user,
            created_at=iso(now),
        )
        self._jobs[job.id] = job
        self._work[job.id] = (build, label)
        self._done[job.id] = asyncio.Event()
        while len(self._jobs) > self.cfg.keep_jobs:
            old_id, old = next(iter(self._jobs.items()))
            if old.state in ("queued", "printing"):
                break
            del self._jobs[old_id]
            self._done.pop(old_id, None)
        self._pending.put_nowait(job.id)
        self._publish(job)
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def jobs(self, limit: int | None = None) -> list[Job]:
        """The newest `limit` jobs first (all that are kept when None); at most keep_jobs are kept."""
        if limit is not None and not 1 <= limit <= self.cfg.keep_jobs:
            raise InvalidInput(f"must be between 1 and {self.cfg.keep_jobs}", "limit")
        newest = list(reversed(self._jobs.values()))
        return newest if limit is None else newest[:limit]

    def state(self) -> DeviceState:
        """The printer's state for /api/health (the device may be swapped by POST /api/printer/config)."""
        return self.printer.state()

    async def replace_printer(self, printer: Printer) -> None:
        """Use another printer from the next job on; the old one is closed on the printer thread."""
        old, self.printer = self.printer, printer
        self.last_status = None
        await self._thread.call(old.close, self._limit)

    def queued(self) -> int:
        return self._pending.qsize() if self._pending is not None else 0

    async def wait(self, job_id: str, timeout: float) -> Job:
        """The job once done or failed, or as it is when `timeout` runs out."""
        done = self._done.get(job_id)
        if done is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout)
        return self._jobs[job_id]

    def _publish(self, job: Job) -> None:
        if self._events.listening:
            self._events.publish(
                make_event("printer_job", job, topic=ENTITIES, timestamp=self._clock(), permission="printer:use")
            )

    def _finish(self, job: Job, state: JobState, reason: str | None) -> None:
        job.state, job.reason, job.finished_at = state, reason, iso(self._clock())
        self._work.pop(job.id, None)
        self._publish(job)
        event = self._done.get(job.id)
        if event is not None:
            event.set()

    # -- the worker -----------------------------------------------------------------
    async def _run(self) -> None:
        assert self._pending is not None
        while True:
            try:
                job_id = await asyncio.wait_for(self._pending.get(), self.cfg.poll_seconds)
            except TimeoutError:
                await self.poll()
                continue
            job = self._jobs.get(job_id)
            if job is None or job.state != "queued":
                continue
            try:
                await self._print(job)
            except Exception as exc:  # a bug in one job must not stop the queue
                log.exception("print job %s failed unexpectedly", job.id)
                self._finish(job, "failed", f"internal error: {exc}")

    async def _print(self, job: Job) -> None:
        build, label = self._work[job.id]
        job.state, job.started_at = "printing", iso(self._clock())
        self.current = job
        self._publish(job)
        try:
            for _ in range(job.copies):
                await self._thread.call(lambda: self.printer.print(build(), label), self._limit)
                job.printed += 1
            self._finish(job, "done", None)
        except PrintFailed as exc:
            self._finish(job, "failed", str(exc))
        except TimeoutError:
            self._finish(job, "failed", f"the printer did not answer within {self._limit:g} s")
        finally:
            self.current = None
            self.last_status = getattr(self.printer, "last_status", None)
            self._state_changed()

    async def poll(self) -> PrinterStatus | None:
        """Read the status now (on the printer thread); offline and errors are reflected in state()."""
        try:
            self.last_status = await self._thread.call(self.printer.status, self._limit)
        except (PrinterOffline, PrintFailed, TimeoutError):
            self.last_status = None
        self._state_changed()
        return self.last_status

    def _state_changed(self) -> None:
        """Publish `printer_status` on /ws/events when the printer's state or reason changed."""
        state = self.printer.state()
        seen = (state.state, state.reason)
        if seen == self._last_seen:
            return
        self._last_seen = seen
        if self._events.listening:
            data = {"kind": state.kind, "state": state.state, "reason": state.reason, "details": state.details}
            self._events.publish(
                make_event("printer_status", data, topic=ENTITIES, timestamp=self._clock(), permission="printer:use")
            )
