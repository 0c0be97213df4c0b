"""Printer, tasks and backups pages. None waits on a device: they show what is already known."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from makermatrix_edge.backups.task import PERMISSION as BACKUP_PERMISSION
from makermatrix_edge.backups.writing import default_name
from makermatrix_edge.services import Services
from makermatrix_edge.tasks.models import TaskFilter, TaskRequest
from makermatrix_edge.web.render import CsrfForm, Form, back, page
from makermatrix_edge.web.session import check_csrf, require

JOBS_SHOWN = 20
TASKS_SHOWN = 30


class AdminPages(Controller):
    @get("/printer")
    async def printer(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Template:
        principal = await require(request, services, "printer:use")
        status = await services.labels.status(refresh=False)
        return page(request, "printer.html", principal, st=status, jobs=services.labels.queue.jobs()[:JOBS_SHOWN])

    @get("/tasks")
    async def tasks(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Template:
        principal = await require(request, services, "tasks:read")
        found, total = await services.tasks.search(
            services.tasks.check_filter(TaskFilter(limit=TASKS_SHOWN), principal), principal
        )
        return page(request, "tasks.html", principal, tasks=found, total=total)

    @get("/tasks/list")
    async def tasks_fragment(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Template:
        """The list alone, refreshed by the page while tasks run."""
        principal = await require(request, services, "tasks:read")
        found, total = await services.tasks.search(
            services.tasks.check_filter(TaskFilter(limit=TASKS_SHOWN), principal), principal
        )
        return page(request, "_tasks.html", principal, tasks=found, total=total)

    @get("/backups")
    async def backups(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Template:
        principal = await require(request, services, BACKUP_PERMISSION)
        backups = services.backups
        listed = await asyncio.to_thread(backups.list)
        target = await asyncio.to_thread(backups.describe_target)
        return page(request, "backups.html", principal, last=backups.last, backups=listed, target=target)

    @post("/backups/run", status_code=303)
    async def run_backup(
        self, request: Request[Any, Any, Any], data: Annotated[CsrfForm, Form], services: NamedDependency[Services]
    ) -> Redirect:
        check_csrf(request, data.csrf_token)
        principal = await require(request, services, BACKUP_PERMISSION)
        name = default_name(services.clock())
        task = TaskRequest(
            task_type="backup_creation", name=f"Database Backup: {name}", input_data={"backup_name": name}
        )
        await services.tasks.create(task, principal)
        return back(request, "/tasks", f"Backup {name} started")
