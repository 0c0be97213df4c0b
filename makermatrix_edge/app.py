"""create_app(): routes, dependencies, error mapping, OpenAPI. Receives built services; does no I/O."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request, Router
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from makermatrix_edge import __version__
from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.alora import errors as alora_errors
from makermatrix_edge.api.alora.router import alora_router
from makermatrix_edge.api.docs import DOCS_HANDLERS
from makermatrix_edge.api.makermatrix import (
    activity,
    ai,
    allocations,
    api_keys,
    auth,
    backup,
    builds,
    categories,
    components,
    counts,
    csv_import,
    diagnostics,
    health,
    imports,
    label_templates,
    locations,
    orders,
    parts,
    preview,
    printer,
    projects,
    roles,
    scan,
    supplier_config,
    supplier_lookup,
    supplier_sign_in,
    suppliers,
    tags,
    tasks,
    tasks_quick,
    tools,
    users,
    utility,
)
from makermatrix_edge.api.makermatrix.errors import EXCEPTION_HANDLERS
from makermatrix_edge.api.openapi_errors import declare_error_shapes
from makermatrix_edge.api.security import authorize, current_principal, optional_principal
from makermatrix_edge.api.ws import WEBSOCKET_HANDLERS
from makermatrix_edge.errors import BeyondLimit
from makermatrix_edge.httpkit.body import check_body
from makermatrix_edge.httpkit.idempotency import RecordReplies, Replay, idempotency_guard, replayed
from makermatrix_edge.inventory.queries import MAX_PROPERTY_DEPTH
from makermatrix_edge.services import Services
from makermatrix_edge.web import errors as web_errors
from makermatrix_edge.web import template_config, web_router


def _provide_services(state: State) -> Services:
    """The services live in the app's state (one place): the lifespan and the page guard read them there too."""
    return state["services"]  # type: ignore[no-any-return]


def _provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return current_principal(request)


def _provide_maybe_principal(request: Request[Any, Any, Any]) -> Principal | None:
    return optional_principal(request)


def _error_by_face(request: Request[Any, Any, Any], exc: Exception) -> Any:
    """Errors raised before a route matched (404, 405): answered in the shape of the face asked."""
    path = request.url.path
    if not path.startswith(("/api", "/alora", "/ws", "/schema", "/auth/")):  # /auth/*: the API without /api
        return web_errors.handle(request, exc)  # the phone page's unknown addresses: a page, not JSON
    handlers = alora_errors.EXCEPTION_HANDLERS if path.startswith("/alora") else EXCEPTION_HANDLERS
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls](request, exc)
    return handlers[Exception](request, exc)


def _nested_too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Any:
    """msgspec gives up on JSON nested past Python's recursion limit; that is the body's fault, not ours."""
    if "deserializing" not in str(exc):
        return _error_by_face(request, exc)  # a real bug stays a 500 with a log line
    problem = BeyondLimit(f"is nested too deeply (free-form properties allow {MAX_PROPERTY_DEPTH} levels)", "body")
    return _error_by_face(request, problem)


log = logging.getLogger(__name__)

SHUTDOWN_STEP_SECONDS = 10.0  # systemd gives the whole stop 30 s; no one part may take it all


async def _stop_within(name: str, stop: Awaitable[object], seconds: float = SHUTDOWN_STEP_SECONDS) -> None:
    """Run one shutdown step, but never wait on it for ever: a wedged part is logged and left behind.

    asyncio.wait (unlike wait_for) does not wait again for a step that ignores its cancellation.
    """
    step = asyncio.ensure_future(stop)
    done, _ = await asyncio.wait({step}, timeout=seconds)
    if step in done:
        step.result()  # re-raise what the step raised
        return
    step.cancel()
    log.warning("shutdown: %s did not stop within %.0f s; going on without it", name, seconds)


@asynccontextmanager
async def _background(app: Litestar) -> AsyncIterator[None]:
    """Task worker and scheduler run on the server's event loop, from startup to shutdown."""
    services: Services = app.state["services"]
    services.events.bind(asyncio.get_running_loop())
    await services.tasks.start()
    await services.labels.queue.start()
    await services.scans.autostart()
    await services.assistant.start()
    await services.replication.start()  # the database is open: build_services opened it
    try:
        await services.scheduler.start()
        try:
            yield
        finally:
            await _stop_within("the scheduler", services.scheduler.stop())
    finally:
        await _stop_within("the assistant", services.assistant.stop())
        await _stop_within("the camera", services.scans.stop_camera())
        await _stop_within("the label queue", services.labels.queue.stop())
        await _stop_within("the task worker", services.tasks.stop())
        # After every writer stopped, before the database closes: its last sync takes what was written.
        await _stop_within("litestream", services.replication.stop())
        services.events.unbind()


def create_app(services: Services) -> Litestar:
    settings = services.settings

    makermatrix_api = Router(
        path="/api",
        route_handlers=[
            health.health,
            auth.AuthController,
            users.register,
            users.UsersController,
            users.PasswordController,
            roles.RolesController,
            roles.UserRolesController,
            api_keys.ApiKeysController,
            parts.PartsController,
            activity.ActivityController,
            activity.DashboardController,
            allocations.AllocationsController,
            categories.CategoriesController,
            locations.LocationsController,
            components.ComponentFeaturesController,
            counts.get_counts,
            utility.UtilityController,
            diagnostics.diagnostics,
            backup.BackupController,
            backup.BackupsController,
            scan.ScanController,
            scan.ScannerController,
            tasks_quick.QuickTasksController,
            suppliers.SuppliersController,
            suppliers.PartSupplierController,
            suppliers.DatasheetController,
            supplier_config.SupplierConfigController,
            supplier_config.RateLimitsController,
            supplier_lookup.SupplierLookupController,
            supplier_sign_in.SupplierSignInController,
            suppliers.SupplierFilesController,
            tasks.TasksController,
            printer.PrinterController,
            printer.TemplatesController,
            printer.EntityPrintController,
            printer.SimulatorController,
            preview.PreviewController,
            label_templates.LabelTemplatesController,
            ai.AIController,
            imports.ImportController,
            csv_import.CsvController,
            orders.OrdersController,
            tags.TagsController,
            tools.ToolsController,
            builds.ProjectBuildsController,
            builds.BuildsController,
            builds.ReorderController,
            projects.ProjectsController,
        ],
        guards=[authorize, idempotency_guard],  # Idempotency-Key: once the caller is known
        middleware=[RecordReplies],
        before_request=check_body,
        exception_handlers=EXCEPTION_HANDLERS,
    )
    # What MakerMatrix's clients still call without /api (and the document names so: "Base Path: /auth",
    # "/users"; MakerMatrix mounts its user routes at /users too): registration, the /auth and /users
    # routes, with the API's guards, Idempotency-Key, body checks and errors. The phone's /users pages
    # share the paths only where the methods differ (GET /users, POST forms).
    unprefixed = Router(
        path="/",
        route_handlers=[
            users.register_unprefixed,
            auth.AuthController,
            users.UsersController,
            roles.RolesController,
            roles.UserRolesController,
        ],
        guards=[authorize, idempotency_guard],
        middleware=[RecordReplies],
        before_request=check_body,
        exception_handlers=EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
    origins = settings.server.cors_origins
    app = Litestar(
        route_handlers=[
            makermatrix_api,
            unprefixed,
            alora_router(),
            *WEBSOCKET_HANDLERS,
            *DOCS_HANDLERS,
            utility.document_image_url,
            web_router(),
        ],
        template_config=template_config(),
        dependencies={
            "services": Provide(_provide_services, sync_to_thread=False),
            "principal": Provide(_provide_principal, sync_to_thread=False),
            "maybe_principal": Provide(_provide_maybe_principal, sync_to_thread=False),
        },
        # RecursionError: found before each face's own Exception handler (the lookup follows the MRO).
        # Replay: a repeated request's stored answer, on every face (the lookup follows the MRO).
        exception_handlers={Exception: _error_by_face, RecursionError: _nested_too_deep, Replay: replayed},
        lifespan=[_background],
        cors_config=CORSConfig(allow_origins=origins, allow_credentials=True) if origins else None,
        openapi_config=OpenAPIConfig(title="makermatrix-edge", version=__version__, path="/schema"),
        request_max_body_size=settings.server.max_body_bytes,
        # Text (pages, CSS, JS, JSON) gzipped for phones on weak Wi-Fi; archives and images are already compressed.
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=500, exclude=[r"/download", r"\.png$", r"/last_print", r"/images/", r"/stream"]
        ),
        state=State({"services": services}),
        logging_config=None,
        debug=False,
    )
    declare_error_shapes(app)
    return app
