"""Composition root: settings -> database -> services -> app; runs uvicorn until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from types import FrameType
from typing import Any

import msgspec
import uvicorn

from makermatrix_edge import __version__
from makermatrix_edge.accounts.apikeys import ApiKeyService
from makermatrix_edge.accounts.auth import AuthService
from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.passwords import PasswordHasher
from makermatrix_edge.accounts.role_admin import RoleService
from makermatrix_edge.accounts.throttle import LoginThrottle
from makermatrix_edge.accounts.tokens import TokenIssuer, load_or_create_secret
from makermatrix_edge.accounts.users import UserService
from makermatrix_edge.api.ws import RedactTokens
from makermatrix_edge.app import create_app
from makermatrix_edge.assistant.service import AssistantService
from makermatrix_edge.assistant.store import AssistantStore
from makermatrix_edge.assistant.tools import ToolBox
from makermatrix_edge.backups.service import BackupDriveDevice, BackupService
from makermatrix_edge.backups.task import backup_creation, backup_jobs
from makermatrix_edge.clock import Clock, system_clock
from makermatrix_edge.db.datafile import open_database
from makermatrix_edge.devices.camera import build_camera
from makermatrix_edge.devices.mdns import build_mdns
from makermatrix_edge.devices.printer import build_printer
from makermatrix_edge.devices.usbdrive import make_drive
from makermatrix_edge.inventory.categories import AloraCategoryService, CategoryService
from makermatrix_edge.inventory.component_stock import ComponentStockService
from makermatrix_edge.inventory.components import ComponentService
from makermatrix_edge.inventory.equivalents import EquivalentService
from makermatrix_edge.inventory.images import ImageStore
from makermatrix_edge.inventory.locations import LocationService
from makermatrix_edge.inventory.parts import PartService
from makermatrix_edge.inventory.search import SearchService
from makermatrix_edge.labels.printing import PrintQueue
from makermatrix_edge.labels.service import LabelService
from makermatrix_edge.orders import tasks as order_tasks
from makermatrix_edge.orders.service import OrderService
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
from makermatrix_edge.suppliers.tasks import ImportEnricher, enrichment_handlers
from makermatrix_edge.tasks import build_registry, scheduled_jobs
from makermatrix_edge.tasks.models import TaskRequest
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
        gate = DecodeGate()
        tasks.registry.register(backup_creation(backups))
        images = ImageStore(data_dir / "images")
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
            search=SearchService(db),
            categories=CategoryService(db, clock, events),
            locations=LocationService(db, clock, events),
            images=images,
            components=ComponentService(db, clock, events),
            component_stock=ComponentStockService(db, parts, clock, events),
            alora_categories=AloraCategoryService(db, clock, events),
            equivalents=EquivalentService(db, clock),
            events=events,
            tasks=tasks,
            scheduler=scheduler,
            labels=LabelService(db, clock, settings, PrintQueue(printer, settings.printer, events, clock)),
            scans=ScanService(db, parts, events, clock, settings.scanner, gate=gate),
            backups=backups,
            disk=DataDisk(data_dir, db_full=lambda: db.disk_full),
            decode_gate=gate,
            orders=OrderService(db, clock, events, settings.imports, data_dir),
            suppliers=suppliers,
            enrichment=enrichment,
        )
        services.devices["printer"] = services.labels.queue
        services.devices["backup_drive"] = BackupDriveDevice(backups)
        services.assistant = services.devices["assistant"] = build_assistant(services)
        services.status_fragments.append(backups.status_fragment)
        services.status_fragments.append(services.disk.status_fragment)
        scans = services.scans
        scans.camera = build_camera(settings.camera, settings.scanner, scans.on_camera_codes, scans.decoder, data_dir)
        scans.camera_autostart = settings.camera.autostart
        services.devices["camera"] = scans.camera
        services.images.sweep_temp_files()
        wire_orders(services)
        services.initial_password_file = auth.ensure_admin(data_dir, admin_password)
    except BaseException:
        db.close()
        raise
    return services


def build_assistant(services: Services) -> AssistantService:
    """The chat agent over the inventory services, with the LLM device its settings name."""
    store = AssistantStore(services.db, services.clock)
    toolbox = ToolBox(
        services.search, services.components, services.component_stock, services.equivalents,
        services.alora_categories, lambda action, details: store.log("action", action, details, username=None),
    )  # fmt: skip
    return AssistantService(services.settings.assistant, store, toolbox)


def wire_orders(services: Services) -> None:
    """Order imports create tasks (large files, enrichment); enrichment is looked up when used."""
    orders, tasks = services.orders, services.tasks

    async def queue(task_type: str, name: str, input_data: dict[str, Any], actor: Principal) -> str:
        # The task acts for its creator (stock movements' who, the enrichment task it may queue).
        data = {**input_data, "_created_by": msgspec.to_builtins(actor)}
        view = await tasks.create(TaskRequest(task_type=task_type, name=name, input_data=data), actor)
        return view.id

    orders.queue_task = queue
    enricher = ImportEnricher(services.enrichment)
    orders.find_enricher = lambda: enricher
    orders.uploads.sweep()
    orders.take_back_unfinished()  # before the task worker starts: a requeued import then starts clean
    order_tasks.register(tasks.registry, orders)


class _Server(uvicorn.Server):
    supervisor: Supervisor | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        # READY=1 only now: the lifespan ran (database, worker, scheduler) and the sockets listen.
        if self.started and not self.should_exit and self.supervisor is not None:
            await self.supervisor.started()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.supervisor is not None:
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


def _serve_locked(settings: Settings) -> int:
    keep_big_buffers_apart()  # process-wide malloc tuning: only the real daemon, never a test process
    services = build_services(settings, admin_password=os.environ.get("MAKERMATRIX_EDGE_ADMIN_PASSWORD") or None)
    try:
        app = create_app(services)
        config = uvicorn.Config(
            app,
            host=settings.server.host,
            port=settings.server.port,
            lifespan="on",
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
        server = _Server(config)
        advertiser = build_mdns(
            settings.mdns,
            port=settings.server.port,
            version=__version__,
            data_dir=settings.data_dir,
            listen_host=settings.server.host,
        )
        services.devices["mdns"] = advertiser  # only while serving: it exists to find this port
        server.supervisor = Supervisor(
            notifier=Notifier(),
            db=services.db,
            port=settings.server.port,
            devices=services.devices,
            fragments=services.status_fragments,
            advertiser=advertiser,
        )
        for name in ("uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).addFilter(RedactTokens())
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
