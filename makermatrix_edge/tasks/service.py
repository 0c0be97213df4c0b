"""TaskService: create, list, change, cancel and retry tasks; owns the worker.

Visibility: a user sees and changes the tasks they created; holders of `tasks:admin` (and
`admin`) see and change every task, including the scheduler's (which have no creator).
A task someone may not see answers 404, as if it did not exist.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any

import msgspec
import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock, iso, parse_iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from makermatrix_edge.runtime.events import TASKS, EventBus, make_event
from makermatrix_edge.settings import TasksSettings
from makermatrix_edge.tasks import store, views
from makermatrix_edge.tasks.models import (
    TaskChanges,
    TaskFilter,
    TaskLimits,
    TaskPermissions,
    TaskRequest,
    TaskStats,
    TaskTypeInfo,
    TaskView,
    UsageLimit,
    WorkerStatus,
)
from makermatrix_edge.tasks.registry import HandlerRegistry
from makermatrix_edge.tasks.worker import TaskWorker

log = logging.getLogger(__name__)
Change = Callable[[sqlite_utils.Database, store.Row, str], None]
CANCEL_WAIT_SECONDS = 0.5  # a cancel answers within a second; a task still stopping then shows cancel_requested
TOO_LATE = "Too late to cancel: the task is already committing its work and will complete"


class TaskService:
    def __init__(
        self, db: Database, clock: Clock, settings: TasksSettings, registry: HandlerRegistry, events: EventBus
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self.registry = registry
        self._events = events
        self.worker = TaskWorker(db, registry, clock, settings, view_of=self.view_of, announce=self.announce)

    # -- views and events ----------------------------------------------------------------
    def view_of(self, row: store.Row) -> TaskView:
        return views.task_view(row, self.registry)

    def announce(self, view: TaskView) -> None:
        """Push a task's new state to live clients (any thread)."""
        if not self._events.listening:
            return
        event = make_event(
            "task_update", view, topic=TASKS, timestamp=self._clock(), owner_id=view.created_by_user_id, key=view.id
        )
        self._events.publish(event)

    def announce_worker(self, status: WorkerStatus) -> None:
        self._events.publish(make_event("worker_status", status, topic=TASKS, timestamp=self._clock()))

    def _live(self, row: store.Row) -> TaskView:
        """The stored task, with the progress of a running one as it is now (stored only now and then)."""
        view = self.view_of(row)
        live = self.worker.live(row["id"]) if row["status"] == "RUNNING" else None
        if live is None:
            return view
        return msgspec.structs.replace(
            view, progress_percentage=live.progress_percentage, current_step=live.current_step
        )

    sees_all = staticmethod(views.sees_all)

    def _visible(self, row: store.Row | None, principal: Principal, task_id: str) -> store.Row:
        if row is None or not (self.sees_all(principal) or row["created_by_user_id"] == principal.user_id):
            raise NotFound(f"No task with id {task_id}")
        return row

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        await self.worker.start()

    async def stop(self) -> None:
        await self.worker.shutdown()

    # -- creating ------------------------------------------------------------------------
    async def create(self, request: TaskRequest, actor: Principal | None) -> TaskView:
        handler = self.registry.require(request.task_type)
        if actor is not None and not actor.can(handler.permission):
            raise Forbidden(f"You need the '{handler.permission}' permission for {request.task_type} tasks")
        now_ts = self._clock()
        now = iso(now_ts)
        max_retries = request.max_retries
        if max_retries is None:
            max_retries = handler.max_retries if handler.max_retries is not None else self._settings.default_max_retries
        row: store.Row = {
            "id": str(uuid.uuid4()),
            "task_type": request.task_type,
            "name": request.name[:200],
            "description": request.description,
            "status": "PENDING",
            "priority": request.priority or handler.priority,
            "input_data": store.encode(request.input_data),
            "max_retries": max_retries,
            "timeout_seconds": request.timeout_seconds
            or handler.timeout_seconds
            or self._settings.default_timeout_seconds,
            "created_at": now,
            "updated_at": now,
            "created_by_user_id": actor.user_id if actor else None,
        }

        def insert(db: sqlite_utils.Database) -> store.Row:
            if actor is not None:
                self._check_limits(db, actor.user_id, now_ts)
            store.insert(db, row)
            created = store.get(db, row["id"])
            assert created is not None
            return created

        view = self.view_of(await self._db.write(insert))
        self.announce(view)
        self.worker.wake()
        log.info("task %s (%s) created by %s", view.id, view.task_type, actor.username if actor else "the scheduler")
        return view

    def _check_limits(self, db: sqlite_utils.Database, user_id: str, now_ts: float, *, hourly: bool = True) -> None:
        active = store.count_active(db, user_id)
        if active >= self._settings.max_active_per_user:
            raise TooManyRequests(
                f"You have {active} unfinished tasks (limit {self._settings.max_active_per_user}); "
                "wait for some to finish or cancel them",
                retry_after=30,
            )
        if not hourly:
            return
        created, oldest = store.count_created_since(db, user_id, iso(now_ts - 3600))
        if created >= self._settings.max_per_user_per_hour:
            wait = int(parse_iso(oldest) + 3600 - now_ts) + 1 if oldest else 60
            raise TooManyRequests(
                f"You created {created} tasks in the last hour (limit {self._settings.max_per_user_per_hour})",
                retry_after=wait,
            )

    def create_from_thread(self, request: TaskRequest, actor: Principal | None) -> TaskView:
        """Blocking, from a running task's thread: create its follow-up task on the worker's loop."""
        loop = self.worker.loop
        if loop is None:
            raise RuntimeError("the task worker has not started")
        return asyncio.run_coroutine_threadsafe(self.create(request, actor), loop).result(timeout=60)

    async def create_scheduled(self, task_type: str) -> str:
        """A task for a scheduled job; skipped while the previous scheduled one is unfinished."""
        existing = await self._db.read(lambda db: store.active_of_type(db, task_type, system_only=True))
        if existing is not None:
            log.info("scheduled %s skipped: task %s is still %s", task_type, existing["id"], existing["status"])
            return str(existing["id"])
        handler = self.registry.require(task_type)
        view = await self.create(TaskRequest(task_type=task_type, name=f"Scheduled: {handler.name}"), None)
        return view.id

    # -- reading -------------------------------------------------------------------------
    async def get(self, task_id: str, principal: Principal) -> TaskView:
        row = await self._db.read(lambda db: store.get(db, task_id))
        return self._live(self._visible(row, principal, task_id))

    def check_filter(self, flt: TaskFilter, principal: Principal) -> TaskFilter:
        return views.check_filter(flt, principal, self.registry.known())

    async def search(self, flt: TaskFilter, principal: Principal) -> tuple[list[TaskView], int]:
        checked = self.check_filter(flt, principal)
        rows, total = await self._db.read(lambda db: store.search(db, checked))
        return [self._live(r) for r in rows], total

    async def last_for_part(self, task_type: str, part_id: str) -> TaskView | None:
        """The newest `task_type` task for a part, whoever started it (what a part's page says about it)."""
        row = await self._db.read(lambda db: store.last_for_part(db, task_type, part_id))
        return self._live(row) if row is not None else None

    async def stats(self, principal: Principal) -> TaskStats:
        owner = None if self.sees_all(principal) else principal.user_id
        now = self._clock()
        since, midnight = iso(now - 86400), iso(now - now % 86400)
        c = await self._db.read(lambda db: store.counts(db, owner, since, midnight))
        by_status = c["by_status"]
        return TaskStats(
            total=sum(by_status.values()),
            by_status=by_status,
            by_type=c["by_type"],
            by_priority=c["by_priority"],
            active=sum(by_status.get(s, 0) for s in ("pending", "running", "retry")),
            finished_last_24h=c["finished"],
            failed_last_24h=c["failed"],
            average_duration_seconds=round(c["average"], 3) if c["average"] is not None else None,
            total_tasks=sum(by_status.values()),
            pending_tasks=by_status.get("pending", 0) + by_status.get("retry", 0),
            running_tasks=by_status.get("running", 0),
            completed_tasks=by_status.get("completed", 0),
            failed_tasks=by_status.get("failed", 0),
            completed_today=c["completed_today"],
        )

    async def worker_status(self) -> WorkerStatus:
        def queued(db: sqlite_utils.Database) -> int:
            return int(db.execute("SELECT count(*) FROM tasks WHERE status IN ('PENDING', 'RETRY')").fetchone()[0])

        running = self.worker.running_ids()
        started = self.worker.started_at
        return WorkerStatus(
            is_running=self.worker.accepting,
            max_concurrent_tasks=self._settings.concurrency,
            running_tasks_count=len(running),
            running_task_ids=running,
            queued_tasks=await self._db.read(queued),
            registered_handlers=self.registry.registered(),
            started_at=iso(started) if started is not None else None,
        )

    async def limits(self, principal: Principal) -> TaskLimits:
        since = iso(self._clock() - 3600)

        def load(db: sqlite_utils.Database) -> tuple[int, int]:
            return store.count_active(db, principal.user_id), store.count_created_since(db, principal.user_id, since)[0]

        active, hourly = await self._db.read(load)
        return TaskLimits(
            user_id=principal.user_id,
            active_tasks=UsageLimit(active, self._settings.max_active_per_user),
            tasks_last_hour=UsageLimit(hourly, self._settings.max_per_user_per_hour),
        )

    def permissions(self, principal: Principal) -> TaskPermissions:
        return views.task_permissions(self.registry, principal)

    def types(self) -> list[TaskTypeInfo]:
        return views.type_infos(self.registry)

    # -- changing ------------------------------------------------------------------------
    async def _change(self, task_id: str, principal: Principal, fn: Change) -> store.Row:
        """Apply fn to a task the principal may see, in one write; announce the result."""
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> store.Row:
            row = self._visible(store.get(db, task_id), principal, task_id)
            fn(db, row, now)
            changed = store.get(db, task_id)
            assert changed is not None
            return changed

        row = await self._db.write(apply)
        self.announce(self._live(row))
        return row

    async def update(self, task_id: str, changes: TaskChanges, principal: Principal) -> TaskView:
        if changes.cancel:
            return await self.cancel(task_id, principal)
        values: dict[str, Any] = {}
        if changes.name is not None:
            values["name"] = changes.name.strip()[:200] or None
            if values["name"] is None:
                raise InvalidInput("must not be empty", "name")
        if changes.description is not None:
            values["description"] = changes.description
        queued_only = {"priority": changes.priority, "timeout_seconds": changes.timeout_seconds}
        values.update({k: v for k, v in queued_only.items() if v is not None})
        if changes.max_retries is not None:
            values["max_retries"] = changes.max_retries

        def apply(db: sqlite_utils.Database, row: store.Row, now: str) -> None:
            if any(v is not None for v in queued_only.values()) and row["status"] not in ("PENDING", "RETRY"):
                raise Conflict(f"priority and timeout change only while a task waits; it is {row['status'].lower()}")
            if values:
                store.update(db, task_id, now, **values)

        return self._live(await self._change(task_id, principal, apply))

    async def cancel(self, task_id: str, principal: Principal) -> TaskView:
        """Cancel a task; a running one is asked to stop (in memory, before any write: the answer is quick)."""
        row = self._visible(await self._db.read(lambda db: store.get(db, task_id)), principal, task_id)
        if row["status"] == "RUNNING" and not self.worker.stop_task(task_id):
            raise Conflict(TOO_LATE)

        def apply(db: sqlite_utils.Database, row: store.Row, now: str) -> None:
            status = row["status"]
            if status in ("PENDING", "RETRY"):
                store.update(db, task_id, now, status="CANCELLED", completed_at=now, current_step="Cancelled")
            elif status == "RUNNING":
                store.update(db, task_id, now, cancel_requested=1)
            else:
                raise Conflict(f"Task is already {status.lower()}")

        row = await self._change(task_id, principal, apply)
        if row["status"] == "RUNNING":
            self.worker.stop_task(task_id)
            await self.worker.wait_finished(task_id, CANCEL_WAIT_SECONDS)
            return await self.get(task_id, principal)
        return self.view_of(row)

    async def retry(self, task_id: str, principal: Principal) -> TaskView:
        now_ts = self._clock()

        def apply(db: sqlite_utils.Database, row: store.Row, now: str) -> None:
            if row["status"] not in ("FAILED", "CANCELLED"):
                raise Conflict(f"Only failed or cancelled tasks can be retried; this one is {row['status'].lower()}")
            self.registry.require(row["task_type"])
            if row["created_by_user_id"]:
                self._check_limits(db, row["created_by_user_id"], now_ts, hourly=False)
            store.update(
                db,
                task_id,
                now,
                status="PENDING",
                retry_count=0,
                progress_percentage=0,
                started_at=None,
                completed_at=None,
                next_attempt_at=None,
                cancel_requested=0,
                current_step=f"Queued again by {principal.username}",
            )

        row = await self._change(task_id, principal, apply)
        self.worker.wake()
        return self.view_of(row)
