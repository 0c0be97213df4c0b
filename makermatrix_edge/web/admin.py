"""Printer, tasks and backups pages. None waits on a device: they show what is already known."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import File, Redirect, Template

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.backups.task import PERMISSION as BACKUP_PERMISSION
from makermatrix_edge.backups.writing import default_name
from makermatrix_edge.services import Services
from makermatrix_edge.tasks.models import TaskFilter, TaskRequest
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.render import back, page
from makermatrix_edge.web.task_words import failure_words, task_titles

JOBS_SHOWN = 20
TASKS_SHOWN = 30


class AdminPages(Controller):
    @get("/printer", opt=page_access("printer:use"))
    async def printer(self, request: Req, principal: User, services: Svc) -> Template:
        status = await services.labels.status(refresh=False)
        return page(request, "printer.html", principal, st=status, jobs=services.labels.queue.jobs()[:JOBS_SHOWN])

    @get("/tasks", opt=page_access("tasks:read"))
    async def tasks(self, request: Req, principal: User, services: Svc) -> Template:
        found, total = await services.tasks.search(
            services.tasks.check_filter(TaskFilter(limit=TASKS_SHOWN), principal), principal
        )
        titles = await task_titles(services, found)
        return page(request, "tasks.html", principal, tasks=found, total=total, titles=titles, why=failure_words)

    @get("/tasks/list", opt=page_access("tasks:read"))
    async def tasks_fragment(self, request: Req, principal: User, services: Svc) -> Template:
        """The list alone, refreshed by the page while tasks run."""
        found, total = await services.tasks.search(
            services.tasks.check_filter(TaskFilter(limit=TASKS_SHOWN), principal), principal
        )
        titles = await task_titles(services, found)
        return page(request, "_tasks.html", principal, tasks=found, total=total, titles=titles, why=failure_words)

    async def _backups(
        self, request: Request[Any, Any, Any], principal: Principal, services: Services, name: str
    ) -> Template:
        backups = services.backups
        listed = await asyncio.to_thread(backups.list)
        target = await asyncio.to_thread(backups.describe_target)
        fallback = str(backups.fallback_dir)
        found, _ = await services.tasks.search(
            services.tasks.check_filter(TaskFilter(task_types=["backup_creation"], limit=1), principal), principal
        )
        return page(
            request,
            name,
            principal,
            last=backups.last,
            backups=listed,
            target=target,
            on_sd_card=target == fallback,
            fallback=fallback,
            task=found[0] if found else None,
            replication=services.replication.enabled,
            replicas=services.replication.statuses(),
            max_lag=services.settings.replication.max_lag_seconds,
        )

    @get("/backups", opt=page_access(BACKUP_PERMISSION))
    async def backups(self, request: Req, principal: User, services: Svc) -> Template:
        return await self._backups(request, principal, services, "backups.html")

    @get("/backups/status", opt=page_access(BACKUP_PERMISSION))
    async def backup_status(self, request: Req, principal: User, services: Svc) -> Template:
        """The latest backup task and the list, refreshed by the page while a backup runs."""
        return await self._backups(request, principal, services, "_backup_status.html")

    @get("/backups/download/{filename:str}", opt=page_access(BACKUP_PERMISSION))
    async def download(self, filename: FromPath[str], services: Svc) -> File:
        path = await asyncio.to_thread(services.backups.find, filename)
        return File(path, filename=path.name, media_type="application/zip")

    @post("/backups/run", opt=page_access(BACKUP_PERMISSION), status_code=303)
    async def run_backup(self, request: Req, principal: User, services: Svc) -> Redirect:
        name = default_name(services.clock())
        task = TaskRequest(
            task_type="backup_creation", name=f"Database Backup: {name}", input_data={"backup_name": name}
        )
        await services.tasks.create(task, principal)
        # No "started" message: the page shows the task as it really is, and follows it until it ends.
        return back(request, "/backups")
