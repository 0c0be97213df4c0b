"""Composition root: settings -> database -> services -> app; runs uvicorn until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from types import FrameType

import uvicorn
from litestar import Litestar

from makermatrix_edge import __version__
from makermatrix_edge.accounts.apikeys import ApiKeyService
from makermatrix_edge.accounts.auth import AuthService
from makermatrix_edge.accounts.passwords import PasswordHasher
from makermatrix_edge.accounts.role_admin import RoleService
from makermatrix_edge.accounts.throttle import LoginThrottle
from makermatrix_edge.accounts.tokens import TokenIssuer, load_or_create_secret
from makermatrix_edge.accounts.users import UserService
from makermatrix_edge.app import create_app
from makermatrix_edge.assistant.service import AssistantService
from makermatrix_edge.assistant.store import AssistantStore
from makermatrix_edge.assistant.tools import ToolBox
from makermatrix_edge.backups.replication import Replicator
from makermatrix_edge.backups.service import BackupDriveDevice, BackupService
from makermatrix_edge.backups.task import backup_creation, backup_jobs
from makermatrix_edge.clock import Clock, system_clock
from makermatrix_edge.db.datafile import open_database
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.db.replies import ReplyStore
from makermatrix_edge.devices.camera import build_camera
from makermatrix_edge.devices.mdns import build_mdns
from makermatrix_edge.devices.printer import build_printer
from makermatrix_edge.devices.usbdrive import make_drive
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
from makermatrix_edge.labels.printing import PrintQueue
from makermatrix_edge.labels.service import LabelService
from makermatrix_edge.orders import tasks as order_tasks
from makermatrix_edge.orders.service import OrderService
from makermatrix_edge.projects.bom import BomService
from makermatrix_edge.projects.builds import BuildService
from makermatrix_edge.projects.store import ProjectService
from makermatrix_edge.runtime.datadir_lock import DataDirLock
from makermatrix_edge.runtime.diskspace import DataDisk
from makermatrix_edge.runtime.events import EventBus
from makermatrix_edge.runtime.imaging import DecodeGate, keep_big_buffers_apart
from makermatrix_edge.runtime.scheduler import Scheduler
from makermatrix_edge.runtime.sdnotify import Notifier
from makermatrix_edge.runtime.secret_file import SUPPLIER_SECRETS, SecretFile
from makermatrix_edge.runtime.supervisor import Supervisor
from makermatrix_edge.scanning.service import ScanService
from makermatrix_edge.services import Services
from makermatrix_edge.settings import Settings
from makermatrix_edge.suppliers.enrich import EnrichmentService
from makermatrix_edge.suppliers.files import DatasheetStore
from makermatrix_edge.suppliers.registry import SupplierRegistry
from makermatrix_edge.suppliers.sourcing import ReorderService
from makermatrix_edge.suppliers.tasks import ImportEnricher, enrichment_handlers
from makermatrix_edge.tasks import build_registry, scheduled_jobs
from makermatrix_edge.tasks.service import TaskService

log = logging.getLogger(__name__)


def build_services(settings: Settings, *, clock: Clock = system_clock, admin_password: str | None = None) -> Services:
    """Open the data dir and database and build every service (blocking; before the loop runs)."""
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    db = open_database(settings)
    try:
        accounts = settings.accounts
        hasher = PasswordHasher(accounts.bcrypt_cost)
        tokens = TokenIssuer(
            load_or_create_secret(data_dir / "secret.key"),
            access_seconds=accounts.access_token_minutes * 60,
            refresh_seconds=accounts.refresh_token_days * 86400,
            clock=clock,
        )
        throttle = LoginThrottle(
            accounts.login_window_seconds,
            clock,
            per_pair=accounts.login_max_failures,
            per_user=accounts.login_user_max_failures,
            per_address=accounts.login_address_max_failures,
        )
        auth = AuthService(db, hasher, tokens, throttle, clock)
        events = EventBus(clock)
        parts = PartService(db, clock, events)
        tasks = TaskService(db, clock, settings.tasks, build_registry(settings), events)
        printer = build_printer(settings.printer, data_dir)
        drive = make_drive(settings.backup, data_dir)
        backups = BackupService(settings, db, drive, clock)
        replication = Replicator(settings, db.path, clock)
        gate = DecodeGate()
        tasks.registry.register(backup_creation(backups))
        images = ImageStore(data_dir / "images", max_bytes=settings.scanner.max_image_bytes)  # one photo limit
        suppliers = SupplierRegistry(
            settings.suppliers,
            db,
            clock,
            daemon_port=settings.server.port,
            secrets=SecretFile(data_dir / SUPPLIER_SECRETS),
        )
        suppliers.load()
        datasheets = DatasheetStore(data_dir / "datasheets", settings.suppliers.datasheet_max_bytes)
        enrichment = EnrichmentService(db, clock, suppliers, images, datasheets, events, gate)
        for handler in enrichment_handlers(enrichment):
            tasks.registry.register(handler)
        scheduler = Scheduler(
            db,
            clock,
            [*scheduled_jobs(settings.schedule, tasks), *backup_jobs(settings, tasks)],
            timezone=settings.schedule.timezone,
            catch_up_seconds=settings.schedule.catch_up_hours * 3600,
        )
        orders = build_orders(settings, db, clock, events, tasks, enrichment)
        search = SearchService(db)
        components = ComponentService(db, clock, events)
        component_stock = ComponentStockService(db, parts, clock, events)
        equivalents = EquivalentService(db, clock)
        alora_categories = AloraCategoryService(db, clock, events)
        builds = BuildService(db, clock, events)
        assistant = build_assistant(
            settings, db, clock, search, components, component_stock, equivalents, alora_categories, builds
        )
        scans = ScanService(
            db,
            parts,
            events,
            clock,
            settings.scanner,
            gate=gate,
            camera=lambda sink, decoder: build_camera(settings.camera, settings.scanner, sink, decoder, data_dir),
            camera_autostart=settings.camera.autostart,
        )
        labels = LabelService(db, clock, settings, PrintQueue(printer, settings.printer, events, clock))
        disk = DataDisk(data_dir, db_full=lambda: db.disk_full)
        images.sweep_temp_files()
        initial_password_file = auth.ensure_admin(data_dir, admin_password)
        services = Services(
            settings=settings,
            clock=clock,
            started_at=clock(),
            db=db,
            auth=auth,
            users=UserService(db, hasher, clock, min_password_length=accounts.min_password_length, events=events),
            api_keys=ApiKeyService(db, clock),
            roles=RoleService(db),
            parts=parts,
            allocations=AllocationService(db, clock, events),
            activity=ActivityService(db, clock),
            dashboard=DashboardService(db),
            search=search,
            categories=CategoryService(db, clock, events),
            locations=LocationService(db, clock, events),
            images=images,
            components=components,
            component_stock=component_stock,
            alora_categories=alora_categories,
            equivalents=equivalents,
            events=events,
            tasks=tasks,
            scheduler=scheduler,
            labels=labels,
            scans=scans,
            backups=backups,
            replication=replication,
            disk=disk,
            decode_gate=gate,
            orders=orders,
            suppliers=suppliers,
            enrichment=enrichment,
            assistant=assistant,
            tags=TagService(db, clock, events),
            tools=ToolService(db, clock, events),
            builds=builds,
            reorder=ReorderService(db),
            replies=ReplyStore(db, clock),
            projects=ProjectService(db, clock),
            boms=BomService(db, clock),
            initial_password_file=initial_password_file,
            devices={
                "printer": labels.queue,
                "backup_drive": BackupDriveDevice(backups),
                "assistant": assistant,
                "camera": scans.camera,
                "replication": replication,
            },
            status_fragments=[backups.status_fragment, replication.status_fragment, disk.status_fragment],
        )
        services.log_redaction.attach()  # before any supplier call or request is logged
    except BaseException:
        db.close()
        raise
    return services


def build_assistant(
    settings: Settings,
    db: Database,
    clock: Clock,
    search: SearchService,
    components: ComponentService,
    component_stock: ComponentStockService,
    equivalents: EquivalentService,
    alora_categories: AloraCategoryService,
    builds: BuildService,
) -> AssistantService:
    """The chat agent over the inventory services, with the LLM device its settings name."""
    store = AssistantStore(db, clock)
    toolbox = ToolBox(
        search, components, component_stock, equivalents, alora_categories, builds,
        lambda action, details: store.log("action", action, details, username=None),
    )  # fmt: skip
    return AssistantService(settings.assistant, store, toolbox)


def build_orders(
    settings: Settings, db: Database, clock: Clock, events: EventBus, tasks: TaskService, enrichment: EnrichmentService
) -> OrderService:
    """The order importer: it creates its import and enrichment tasks through the task service itself."""
    orders = OrderService(
        db, clock, events, settings.imports, settings.data_dir, tasks=tasks, enricher=ImportEnricher(enrichment)
    )
    order_tasks.register(tasks.registry, orders)
    orders.uploads.sweep()
    orders.take_back_unfinished()  # before the task worker starts: a requeued import then starts clean
    return orders


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, supervisor: Supervisor) -> None:
        super().__init__(config)
        self.supervisor = supervisor

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        # READY=1 only now: the lifespan ran (database, worker, scheduler) and the sockets listen.
        if self.started and not self.should_exit:
            await self.supervisor.started()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await self.supervisor.stopping()
        await super().shutdown(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # uvicorn re-raises a caught SIGTERM after shutting down, which ends the process
        # with status 143; a requested stop is a clean stop, so we only ask it to exit.
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True


def serve_lock(settings: Settings) -> DataDirLock:
    """The daemon's hold on its data dir (not yet taken); a second daemon or a CLI writer is refused."""
    hint = f"it already serves {settings.data_dir}; stop it before starting another"
    return DataDirLock(settings.data_dir, "serve", hint=hint)


def serve(settings: Settings, lock: DataDirLock | None = None) -> int:
    """Run the daemon in the foreground until SIGTERM/SIGINT; returns the exit status.

    Holds the data-dir lock the whole time (raises DataDirBusy if another process has it);
    a caller that already holds it (serve --demo loads the demo bench first) passes it in.
    """
    own = lock is None
    held = serve_lock(settings).acquire() if lock is None else lock
    try:
        return _serve_locked(settings)
    finally:
        if own:
            held.release()


def server_config(settings: Settings, app: Litestar) -> uvicorn.Config:
    """uvicorn's settings for the daemon: the parser and loop chosen, proxies believed only when listed."""
    return uvicorn.Config(
        app,
        host=settings.server.host,
        port=settings.server.port,
        lifespan="on",
        http=settings.server.http_parser,
        loop=settings.server.event_loop,
        log_config=None,
        access_log=settings.logging.access_log,
        server_header=False,
        # uvicorn believes X-Forwarded-For from 127.0.0.1 by default, so any local process could
        # choose the address the login throttle counts: only configured proxies are believed.
        proxy_headers=bool(settings.server.trusted_proxies),
        forwarded_allow_ips=list(settings.server.trusted_proxies),
        timeout_graceful_shutdown=settings.server.shutdown_grace_seconds,
        ws="auto",
        ws_ping_interval=settings.websocket.heartbeat_seconds or None,
        ws_ping_timeout=settings.websocket.heartbeat_seconds or None,
        ws_per_message_deflate=False,  # compressing every small update for every client costs a Pi's CPU
        ws_max_size=65_536,
    )


def _serve_locked(settings: Settings) -> int:
    keep_big_buffers_apart()  # process-wide malloc tuning: only the real daemon, never a test process
    services = build_services(settings, admin_password=os.environ.get("MAKERMATRIX_EDGE_ADMIN_PASSWORD") or None)
    try:
        app = create_app(services)
        config = server_config(settings, app)
        advertiser = build_mdns(
            settings.mdns,
            port=settings.server.port,
            version=__version__,
            data_dir=settings.data_dir,
            listen_host=settings.server.host,
        )
        services.devices["mdns"] = advertiser  # only while serving: it exists to find this port
        supervisor = Supervisor(
            notifier=Notifier(),
            db=services.db,
            port=settings.server.port,
            devices=services.devices,
            fragments=services.status_fragments,
            advertiser=advertiser,
        )
        server = _Server(config, supervisor)
        log.info(
            "makermatrix-edge %s serving on http://%s:%d (data in %s)",
            __version__,
            settings.server.host,
            settings.server.port,
            settings.data_dir,
        )
        if services.initial_password_file is not None:
            log.warning("first admin password is in %s", services.initial_password_file)
        asyncio.run(server.serve())
        return 0 if server.started else 1
    finally:
        services.close()
        log.info("stopped; database closed")
