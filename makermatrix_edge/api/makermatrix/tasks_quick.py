"""/api/tasks/quick/*: the only way to create tasks, one endpoint per task type.

Each endpoint creates its task type with a typed body. A type whose subsystem is not built yet
answers 503 naming what is missing; once that subsystem registers its handler the endpoint
works as it is.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.services import Services
from makermatrix_edge.suppliers.models import ALL_CAPABILITIES
from makermatrix_edge.suppliers.parse import supplier_name
from makermatrix_edge.tasks.models import TaskRequest, TaskView, priority_of

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Ids = Annotated[list[Text], msgspec.Meta(min_length=1, max_length=1000)]
Capabilities = Annotated[list[Text], msgspec.Meta(max_length=20)]
_COMMON = ("priority", "max_retries", "timeout_seconds")


class _Quick(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Fields every quick endpoint takes besides its own."""

    priority: Text | None = None
    max_retries: Annotated[int, msgspec.Meta(ge=0, le=20)] | None = None
    timeout_seconds: Annotated[int, msgspec.Meta(ge=1, le=7 * 86400)] | None = None

    def request(self, task_type: str, name: str) -> TaskRequest:
        raw = msgspec.structs.asdict(self)
        return TaskRequest(
            task_type=task_type,
            name=name,
            input_data={k: v for k, v in raw.items() if k not in _COMMON and v is not None},
            priority=priority_of(self.priority) if self.priority else None,
            max_retries=self.max_retries,
            timeout_seconds=self.timeout_seconds,
        )


class PartEnrichmentIn(_Quick, kw_only=True):
    part_id: Text
    supplier: Text | None = None
    capabilities: Capabilities | None = None
    force_refresh: bool = False
    overwrite: bool = False  # replace values a person typed, too


class PartFetchIn(_Quick, kw_only=True):
    part_id: Text
    supplier: Text | None = None
    force_refresh: bool = False
    overwrite: bool = False


class BulkEnrichmentIn(_Quick, kw_only=True):
    part_ids: Ids
    supplier: Text | None = None
    capabilities: Capabilities | None = None
    overwrite: bool = False


class FileImportEnrichmentIn(_Quick, kw_only=True):
    order_id: Text | None = None
    supplier: Text | None = None
    part_ids: Ids | None = None
    capabilities: Capabilities | None = None


class PriceUpdateIn(_Quick, kw_only=True):
    part_ids: Ids | None = None
    supplier: Text | None = None
    update_all: bool = False


class DatabaseBackupIn(_Quick, kw_only=True):
    backup_name: Text | None = None
    include_datasheets: bool = True
    include_images: bool = True


class DatabaseCleanupIn(_Quick, kw_only=True):
    older_than_days: Annotated[int, msgspec.Meta(ge=1, le=36500)] | None = None


class InventoryAuditIn(_Quick, kw_only=True):
    pass


class TestProgressIn(_Quick, kw_only=True):
    steps: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] = 10
    interval_ms: Annotated[int, msgspec.Meta(ge=0, le=60_000)] = 100
    fail_attempts: Annotated[int, msgspec.Meta(ge=0, le=100)] = 0
    padding: Annotated[int, msgspec.Meta(ge=0, le=65_536)] = 0
    ignore_cancel: bool = False


async def _create(services: Services, body: _Quick, task_type: str, name: str, who: Principal) -> Envelope[TaskView]:
    capabilities = getattr(body, "capabilities", None)
    for capability in capabilities or ():
        if capability not in ALL_CAPABILITIES:
            raise InvalidInput(f"'{capability}' is not one of {', '.join(ALL_CAPABILITIES)}", "capabilities")
    part_id = getattr(body, "part_id", None)
    if isinstance(part_id, str):
        await services.parts.get(part_id=part_id)  # 404 now rather than a failed task later
    supplier = getattr(body, "supplier", None)
    if isinstance(supplier, str) and task_type != "file_import_enrichment":
        services.suppliers.get(supplier_name(supplier) or supplier)
    task = await services.tasks.create(body.request(task_type, name), who)
    return ok(task, f"{task.name}: task created")


def _body(data: Any, default: type[_Quick]) -> _Quick:
    return data if isinstance(data, _Quick) else default()


class QuickTasksController(Controller):
    path = "/tasks/quick"
    tags = ["tasks"]

    @post("/part_enrichment", opt=access("tasks:write"), status_code=200)
    async def part_enrichment(
        self,
        data: JSONBody[PartEnrichmentIn],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[TaskView]:
        return await _create(services, data, "part_enrichment", f"Enrich part {data.part_id}", principal)

    @post("/datasheet_fetch", opt=access("tasks:write"), status_code=200)
    async def datasheet_fetch(
        self, data: JSONBody[PartFetchIn], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[TaskView]:
        return await _create(services, data, "datasheet_fetch", f"Fetch datasheet of part {data.part_id}", principal)

    @post("/image_fetch", opt=access("tasks:write"), status_code=200)
    async def image_fetch(
        self, data: JSONBody[PartFetchIn], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[TaskView]:
        return await _create(services, data, "image_fetch", f"Fetch image of part {data.part_id}", principal)

    @post("/bulk_enrichment", opt=access("tasks:write"), status_code=200)
    async def bulk_enrichment(
        self,
        data: JSONBody[BulkEnrichmentIn],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[TaskView]:
        return await _create(services, data, "bulk_enrichment", f"Enrich {len(data.part_ids)} parts", principal)

    @post("/csv_enrichment", opt=access("tasks:write"), status_code=200)
    async def csv_enrichment(
        self,
        data: JSONBody[FileImportEnrichmentIn],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[TaskView]:
        """Deprecated: use file_import_enrichment."""
        return await _create(services, data, "csv_enrichment", "Enrich imported parts (CSV)", principal)

    @post("/file_import_enrichment", opt=access("tasks:write"), status_code=200)
    async def file_import_enrichment(
        self,
        data: JSONBody[FileImportEnrichmentIn],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[TaskView]:
        return await _create(services, data, "file_import_enrichment", "Enrich imported parts", principal)

    @post("/price_update", opt=access("tasks:write"), status_code=200)
    async def price_update(
        self, data: JSONBody[PriceUpdateIn], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[TaskView]:
        return await _create(services, data, "price_update", "Update part prices", principal)

    @post("/database_backup", opt=access(ADMIN), status_code=200)
    async def database_backup(
        self,
        data: JSONBody[DatabaseBackupIn],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[TaskView]:
        name = f"Database Backup: {data.backup_name or 'timestamped'}"
        return await _create(services, data, "backup_creation", name, principal)

    @post("/database_cleanup", opt=access("tasks:admin"), status_code=200)
    async def database_cleanup(
        self,
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        data: JSONBody[DatabaseCleanupIn | None] = None,
    ) -> Envelope[TaskView]:
        body = _body(data, DatabaseCleanupIn)
        return await _create(services, body, "database_cleanup", "Database cleanup", principal)

    @post("/inventory_audit", opt=access("tasks:write"), status_code=200)
    async def inventory_audit(
        self,
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        data: JSONBody[InventoryAuditIn | None] = None,
    ) -> Envelope[TaskView]:
        body = _body(data, InventoryAuditIn)
        return await _create(services, body, "inventory_audit", "Inventory audit", principal)

    @post("/test_progress", opt=access("tasks:write"), status_code=200)
    async def test_progress(
        self,
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        data: JSONBody[TestProgressIn | None] = None,
    ) -> Envelope[TaskView]:
        """Only when tasks.enable_test_tasks is on (benchmarks and tests); otherwise 404."""
        body = _body(data, TestProgressIn)
        return await _create(services, body, "test_progress", "Test progress", principal)
