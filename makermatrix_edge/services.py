"""The built services handed to create_app(); made only by daemon.build_services()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from makermatrix_edge.accounts.apikeys import ApiKeyService
from makermatrix_edge.accounts.auth import AuthService
from makermatrix_edge.accounts.role_admin import RoleService
from makermatrix_edge.accounts.users import UserService
from makermatrix_edge.assistant.service import AssistantService
from makermatrix_edge.backups.replication import Replicator
from makermatrix_edge.backups.service import BackupService
from makermatrix_edge.clock import Clock
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.db.replies import ReplyStore
from makermatrix_edge.inventory.activity import ActivityService
from makermatrix_edge.inventory.allocations import AllocationService
from makermatrix_edge.inventory.categories import AloraCategoryService, CategoryService
from makermatrix_edge.inventory.component_stock import ComponentStockService
from makermatrix_edge.inventory.components import ComponentService
from makermatrix_edge.inventory.dashboard import DashboardService
from makermatrix_edge.inventory.equivalents import EquivalentService
from makermatrix_edge.inventory.images import ImageStore
from makermatrix_edge.inventory.locations import LocationService
from makermatrix_edge.inventory.parts import PartService
from makermatrix_edge.inventory.search import SearchService
from makermatrix_edge.inventory.tags import TagService
from makermatrix_edge.inventory.tools import ToolService
from makermatrix_edge.labels.service import LabelService
from makermatrix_edge.orders.service import OrderService
from makermatrix_edge.projects.bom import BomService
from makermatrix_edge.projects.builds import BuildService
from makermatrix_edge.projects.store import ProjectService
from makermatrix_edge.runtime.device_state import Device
from makermatrix_edge.runtime.diskspace import DataDisk
from makermatrix_edge.runtime.events import EventBus
from makermatrix_edge.runtime.imaging import DecodeGate
from makermatrix_edge.runtime.redact import LogRedaction
from makermatrix_edge.runtime.scheduler import Scheduler
from makermatrix_edge.scanning.service import ScanService
from makermatrix_edge.settings import Settings
from makermatrix_edge.suppliers.enrich import EnrichmentService
from makermatrix_edge.suppliers.registry import SupplierRegistry
from makermatrix_edge.suppliers.sourcing import ReorderService
from makermatrix_edge.tasks.service import TaskService


@dataclass
class Services:
    settings: Settings
    clock: Clock
    started_at: float
    db: Database
    auth: AuthService
    users: UserService
    api_keys: ApiKeyService
    roles: RoleService
    parts: PartService
    allocations: AllocationService
    activity: ActivityService
    dashboard: DashboardService
    search: SearchService
    categories: CategoryService
    locations: LocationService
    images: ImageStore
    components: ComponentService
    component_stock: ComponentStockService
    alora_categories: AloraCategoryService
    equivalents: EquivalentService
    events: EventBus
    tasks: TaskService
    scheduler: Scheduler
    labels: LabelService
    scans: ScanService
    backups: BackupService
    replication: Replicator  # Litestream, the continuous replica (started and stopped by the app's lifespan)
    disk: DataDisk  # the disk holding data_dir: full or not (health, diagnostics, STATUS line)
    decode_gate: DecodeGate  # photos and uploads decoded a few at a time (shared by scans and images)
    orders: OrderService
    suppliers: SupplierRegistry
    enrichment: EnrichmentService
    assistant: AssistantService
    tags: TagService
    tools: ToolService
    builds: BuildService  # "can I build N", builds and their reservations
    reorder: ReorderService  # low stock with supplier, last price and a cart file per supplier
    replies: ReplyStore  # first answers of idempotent requests (httpkit/idempotency.py)
    projects: ProjectService
    boms: BomService  # each project's BOM: import, lines with matches, pins
    initial_password_file: Path | None = None
    # Each device under its name ("printer", "camera", ...), as daemon.build_services built them ("mdns" while serving).
    devices: dict[str, Device] = field(default_factory=dict)
    # Extra pieces of the systemd STATUS line, e.g. lambda: "last backup 02:30 ok" (None leaves it out).
    status_fragments: list[Callable[[], str | None]] = field(default_factory=list)
    # Secrets out of the lines the libraries log (httpx, uvicorn), attached by daemon.build_services.
    log_redaction: LogRedaction = field(default_factory=LogRedaction)

    def close(self) -> None:
        self.log_redaction.detach()
        self.suppliers.close()
        self.db.close()
