"""Background tasks: store, worker, handler registry and one module per handler."""

from __future__ import annotations

from makermatrix_edge.runtime.scheduler import Job
from makermatrix_edge.settings import ScheduleSettings, Settings
from makermatrix_edge.tasks.database_cleanup import database_cleanup
from makermatrix_edge.tasks.inventory_audit import inventory_audit
from makermatrix_edge.tasks.progress_probe import progress_probe
from makermatrix_edge.tasks.registry import HandlerRegistry
from makermatrix_edge.tasks.service import TaskService


def build_registry(settings: Settings) -> HandlerRegistry:
    """The handlers this daemon has; later subsystems register theirs in daemon.build_services."""
    registry = HandlerRegistry()
    registry.register(
        database_cleanup(
            keep_finished_days=settings.tasks.keep_finished_days, busy_timeout_ms=settings.storage.busy_timeout_ms
        )
    )
    registry.register(inventory_audit())
    if settings.tasks.enable_test_tasks:
        registry.register(progress_probe())
    return registry


def scheduled_jobs(schedule: ScheduleSettings, tasks: TaskService) -> list[Job]:
    """The [schedule] jobs that are on; each creates a task (later issues add backup and price jobs)."""
    jobs = []
    if schedule.database_cleanup:
        jobs.append(
            Job("database_cleanup", schedule.database_cleanup_cron, lambda: tasks.create_scheduled("database_cleanup"))
        )
    return jobs
