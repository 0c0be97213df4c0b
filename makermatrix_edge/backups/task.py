"""BACKUP_CREATION: the task handler and the nightly job that creates it."""

from __future__ import annotations

from typing import Any

import msgspec

from makermatrix_edge.backups.service import BackupOptions, BackupService
from makermatrix_edge.runtime.scheduler import Job, crontab, zone
from makermatrix_edge.settings import ConfigError, Settings
from makermatrix_edge.tasks.context import TaskContext
from makermatrix_edge.tasks.registry import TaskHandler
from makermatrix_edge.tasks.service import TaskService

PERMISSION = "backup:manage"


def backup_creation(backups: BackupService) -> TaskHandler:
    def run(ctx: TaskContext) -> dict[str, Any]:
        options = msgspec.convert(
            {k: v for k, v in ctx.input.items() if k in ("backup_name", "include_images", "include_datasheets")},
            BackupOptions,
        )
        result = backups.create(options, progress=ctx.progress)
        return msgspec.structs.asdict(result)

    return TaskHandler(
        task_type="backup_creation",
        name="Database backup",
        description="Snapshot of the database plus images and datasheets, written to the USB drive and verified",
        run=run,
        permission=PERMISSION,
        priority="HIGH",
        max_retries=0,  # a missing or full drive does not fix itself in seconds; the failure must show
        timeout_seconds=3 * 3600,
    )


def backup_jobs(settings: Settings, tasks: TaskService) -> list[Job]:
    """The nightly backup job, when backups are on; the cron is checked here to name its own key."""
    config = settings.backup
    if not config.enabled:
        return []
    try:
        crontab(config.schedule, zone(settings.schedule.timezone))
    except ValueError as exc:
        raise ConfigError(f"backup.schedule: {exc}") from None

    return [Job("backup", config.schedule, lambda: tasks.create_scheduled("backup_creation"))]
