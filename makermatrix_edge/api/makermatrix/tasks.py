"""/api/tasks: list, watch, change, cancel and retry background tasks; the worker; security.

Tasks are created only through the quick endpoints (tasks_quick.py); the removed generic
creation and validation endpoints answer 410.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import UNSET, UnsetType

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok, paged
from makermatrix_edge.api.security import AUTHENTICATED, access
from makermatrix_edge.errors import Gone, InvalidInput
from makermatrix_edge.httpkit.params import QueryInt
from makermatrix_edge.services import Services
from makermatrix_edge.suppliers.models import ALL_CAPABILITIES, SupplierCapabilities
from makermatrix_edge.suppliers.registry import NAMES as SUPPLIER_NAMES
from makermatrix_edge.tasks.models import (
    TaskChanges,
    TaskFilter,
    TaskLimits,
    TaskPermissions,
    TaskStats,
    TaskTypeInfo,
    TaskView,
    WorkerStatus,
    priority_of,
    status_of,
)

Text = Annotated[str, msgspec.Meta(max_length=200)]
QUICK_HINT = "use POST /api/tasks/quick/<task_type>; GET /api/tasks/types/available lists them"


class TaskUpdateIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Text | None = None
    description: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
    priority: Text | None = None
    max_retries: Annotated[int, msgspec.Meta(ge=0, le=20)] | None = None
    timeout_seconds: Annotated[int, msgspec.Meta(ge=1, le=7 * 86400)] | None = None
    status: Text | None = None  # only "cancelled"
    # Set by the worker running the task, never through the API:
    progress_percentage: Any = UNSET
    current_step: Any = UNSET
    result_data: Any = UNSET
    error_message: Any = UNSET

    def changes(self) -> TaskChanges:
        for name in ("progress_percentage", "current_step", "result_data", "error_message"):
            if not isinstance(getattr(self, name), UnsetType):
                raise InvalidInput("is set by the worker running the task", name)
        cancel = False
        if self.status is not None:
            if status_of(self.status) != "CANCELLED":
                raise InvalidInput("can only be set to 'cancelled' (use /retry to run a task again)", "status")
            cancel = True
        return TaskChanges(
            name=self.name,
            description=self.description,
            priority=priority_of(self.priority) if self.priority is not None else None,
            max_retries=self.max_retries,
            timeout_seconds=self.timeout_seconds,
            cancel=cancel,
        )


def _kinds(
    status: FromQuery[list[str] | None] = None,
    task_type: FromQuery[list[str] | None] = None,
    priority: FromQuery[list[str] | None] = None,
) -> TaskFilter:
    """Which tasks a listing asks for, as given: any strings parse here, the task service judges them."""
    return TaskFilter(statuses=status or [], task_types=task_type or [], priorities=priority or [])


# The listings share these query parameters (documented in place of `kinds`, in this order).
_KINDS = {"kinds": Provide(_kinds, sync_to_thread=False)}


def _filter(
    kinds: TaskFilter, created_by_user_id: str | None, limit: int, offset: int, order_by: str, order_desc: bool
) -> TaskFilter:
    page = {"limit": limit, "offset": offset, "order_by": order_by, "order_desc": order_desc}
    return msgspec.structs.replace(kinds, created_by_user_id=created_by_user_id, **page)


class TasksController(Controller):
    path = "/tasks"
    tags = ["tasks"]

    @get("/", opt=access("tasks:read"), dependencies=_KINDS)
    async def list_tasks(
        self,
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        kinds: NamedDependency[TaskFilter],
        created_by_user_id: FromQuery[Text | None] = None,
        limit: QueryInt = 50,
        offset: QueryInt = 0,
        order_by: FromQuery[Text] = "created_at",
        order_desc: FromQuery[bool] = True,
    ) -> Envelope[list[TaskView]]:
        flt = _filter(kinds, created_by_user_id, limit, offset, order_by, order_desc)
        tasks, total = await services.tasks.search(flt, principal)
        return paged(tasks, f"{total} tasks", page=offset // limit + 1, page_size=limit, total=total)

    @post("/", opt=access(AUTHENTICATED), status_code=410)
    async def create_removed(self) -> None:
        raise Gone(f"Creating arbitrary tasks was removed for security; {QUICK_HINT}")

    @get("/my", opt=access("tasks:read"), dependencies=_KINDS)
    async def my_tasks(
        self,
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        kinds: NamedDependency[TaskFilter],
        limit: QueryInt = 50,
        offset: QueryInt = 0,
        order_by: FromQuery[Text] = "created_at",
        order_desc: FromQuery[bool] = True,
    ) -> Envelope[list[TaskView]]:
        flt = _filter(kinds, principal.user_id, limit, offset, order_by, order_desc)
        tasks, total = await services.tasks.search(flt, principal)
        return paged(tasks, f"{total} of your tasks", page=offset // limit + 1, page_size=limit, total=total)

    @get("/types/available", opt=access("tasks:read"))
    async def types(self, services: NamedDependency[Services]) -> Envelope[list[TaskTypeInfo]]:
        types = services.tasks.types()
        return ok(types, f"{sum(t.available for t in types)} of {len(types)} task types available")

    @get("/stats/summary", opt=access("tasks:read"))
    async def stats(
        self, principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[TaskStats]:
        return ok(await services.tasks.stats(principal), "Task statistics")

    @get("/worker/status", opt=access("tasks:read"))
    async def worker_status(self, services: NamedDependency[Services]) -> Envelope[WorkerStatus]:
        status = await services.tasks.worker_status()
        return ok(status, "Worker running" if status.is_running else "Worker stopped")

    @post("/worker/start", opt=access("tasks:admin"), status_code=200)
    async def worker_start(self, services: NamedDependency[Services]) -> Envelope[WorkerStatus]:
        services.tasks.worker.resume()
        status = await services.tasks.worker_status()
        services.tasks.announce_worker(status)
        return ok(status, "Worker started")

    @post("/worker/stop", opt=access("tasks:admin"), status_code=200)
    async def worker_stop(self, services: NamedDependency[Services]) -> Envelope[WorkerStatus]:
        services.tasks.worker.pause()
        status = await services.tasks.worker_status()
        services.tasks.announce_worker(status)
        return ok(status, "Worker stopped: no new task starts; running ones finish")

    @get("/capabilities/suppliers", opt=access("tasks:read"))
    async def supplier_capabilities(self, services: NamedDependency[Services]) -> Envelope[dict[str, list[str]]]:
        """MakerMatrix's shape: each supplier's capabilities under its name (/suppliers/{name} says more)."""
        found = [services.suppliers.capabilities(n) for n in SUPPLIER_NAMES]
        usable = [c.supplier_name for c in found if c.enrichment_available]
        said = f"Retrieved capabilities for {len(found)} suppliers; ready for enrichment: {', '.join(usable) or 'none'}"
        return ok({c.supplier_name: c.capabilities for c in found}, said)

    @get("/capabilities/suppliers/{supplier_name:str}", opt=access("tasks:read"))
    async def supplier_capability(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[SupplierCapabilities]:
        found = services.suppliers.capabilities(supplier_name)
        return ok(found, found.message)

    @get("/capabilities/find/{capability_type:str}", opt=access("tasks:read"))
    async def find_capability(
        self, capability_type: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[list[SupplierCapabilities]]:
        """Suppliers offering this capability (get_part_details, fetch_datasheet, fetch_image, ...)."""
        wanted = capability_type.strip().lower()
        if wanted not in ALL_CAPABILITIES:
            raise InvalidInput(f"unknown capability; use {', '.join(ALL_CAPABILITIES)}", "capability_type")
        found = [services.suppliers.capabilities(n) for n in SUPPLIER_NAMES]
        found = [c for c in found if wanted in c.capabilities]
        usable = [c.supplier_name for c in found if c.enrichment_available]
        return ok(found, f"{len(found)} suppliers offer {wanted}; ready now: {', '.join(usable) or 'none'}")

    @get("/security/permissions", opt=access("tasks:read"))
    async def permissions(
        self, principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[TaskPermissions]:
        return ok(services.tasks.permissions(principal), "Your task permissions")

    @get("/security/limits", opt=access("tasks:read"))
    async def limits(
        self, principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[TaskLimits]:
        return ok(await services.tasks.limits(principal), "Your task usage and limits")

    @post("/security/validate", opt=access(AUTHENTICATED), status_code=410)
    async def validate_removed(self) -> None:
        raise Gone(f"Task validation was removed with custom task creation; {QUICK_HINT}")

    @get("/{task_id:str}", opt=access("tasks:read"))
    async def get_task(
        self, task_id: FromPath[str], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[TaskView]:
        return ok(await services.tasks.get(task_id, principal), "Task found")

    @put("/{task_id:str}", opt=access("tasks:write"))
    async def update_task(
        self,
        task_id: FromPath[str],
        data: JSONBody[TaskUpdateIn],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[TaskView]:
        task = await services.tasks.update(task_id, data.changes(), principal)
        return ok(task, "Task updated")

    @post("/{task_id:str}/cancel", opt=access("tasks:write"), status_code=200)
    async def cancel(
        self, task_id: FromPath[str], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[TaskView]:
        task = await services.tasks.cancel(task_id, principal)
        message = "Task cancelled" if task.status == "cancelled" else f"Cancellation asked; the task is {task.status}"
        return ok(task, message)

    @post("/{task_id:str}/retry", opt=access("tasks:write"), status_code=200)
    async def retry(
        self, task_id: FromPath[str], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[TaskView]:
        return ok(await services.tasks.retry(task_id, principal), "Task queued to run again")
