"""create_app(): routes, dependencies, error mapping, OpenAPI. Receives built services; does no I/O."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from litestar import Litestar, Request, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from makermatrix_edge import __version__
from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.alora import errors as alora_errors
from makermatrix_edge.api.alora.router import alora_router
from makermatrix_edge.api.makermatrix import (
    api_keys,
    auth,
    backup,
    categories,
    components,
    counts,
    diagnostics,
    health,
    locations,
    parts,
    printer,
    scan,
    suppliers,
    tasks,
    tasks_quick,
    users,
    utility,
)
from makermatrix_edge.api.makermatrix.errors import EXCEPTION_HANDLERS
from makermatrix_edge.api.security import authorize, current_principal, optional_principal
from makermatrix_edge.api.ws import WEBSOCKET_HANDLERS
from makermatrix_edge.services import Services
from makermatrix_edge.web import errors as web_errors
from makermatrix_edge.web import template_config, web_router


def _provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return current_principal(request)


def _provide_maybe_principal(request: Request[Any, Any, Any]) -> Principal | None:
    return optional_principal(request)


def _error_by_face(request: Request[Any, Any, Any], exc: Exception) -> Any:
    """Errors raised before a route matched (404, 405): answered in the shape of the face asked."""
    path = request.url.path
    if not path.startswith(("/api", "/alora", "/ws", "/schema")):
        return web_errors.handle(request, exc)  # the phone page's unknown addresses: a page, not JSON
    handlers = alora_errors.EXCEPTION_HANDLERS if path.startswith("/alora") else EXCEPTION_HANDLERS
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls](request, exc)
    return handlers[Exception](request, exc)


def _background(services: Services) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """Task worker and scheduler run on the server's event loop, from startup to shutdown."""

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        services.events.bind(asyncio.get_running_loop())
        await services.tasks.start()
        await services.labels.queue.start()
        await services.scans.autostart()
        try:
            await services.scheduler.start()
            try:
                yield
            finally:
                await services.scheduler.stop()
        finally:
            await services.scans.stop_camera()
            await services.labels.queue.stop()
            await services.tasks.stop()
            services.events.unbind()

    return lifespan


def create_app(services: Services) -> Litestar:
    settings = services.settings

    def provide_services() -> Services:
        return services

    makermatrix_api = Router(
        path="/api",
        route_handlers=[
            health.health,
            auth.AuthController,
            users.register,
            users.UsersController,
            api_keys.ApiKeysController,
            parts.PartsController,
            categories.CategoriesController,
            locations.LocationsController,
            components.ComponentFeaturesController,
            counts.get_counts,
            utility.UtilityController,
            diagnostics.diagnostics,
            backup.BackupController,
            scan.ScanController,
            scan.ScannerController,
            tasks_quick.QuickTasksController,
            suppliers.SuppliersController,
            suppliers.PartSupplierController,
            suppliers.DatasheetController,
            tasks.TasksController,
            printer.PrinterController,
            printer.TemplatesController,
            printer.EntityPrintController,
            printer.SimulatorController,
        ],
        guards=[authorize],
        exception_handlers=EXCEPTION_HANDLERS,
    )
    origins = settings.server.cors_origins
    return Litestar(
        route_handlers=[makermatrix_api, alora_router(), *WEBSOCKET_HANDLERS, web_router()],
        template_config=template_config(),
        dependencies={
            "services": Provide(provide_services, sync_to_thread=False),
            "principal": Provide(_provide_principal, sync_to_thread=False),
            "maybe_principal": Provide(_provide_maybe_principal, sync_to_thread=False),
        },
        exception_handlers={Exception: _error_by_face},
        lifespan=[_background(services)],
        cors_config=CORSConfig(allow_origins=origins, allow_credentials=True) if origins else None,
        openapi_config=OpenAPIConfig(title="makermatrix-edge", version=__version__, path="/schema"),
        request_max_body_size=settings.server.max_body_bytes,
        state=State({"services": services}),
        logging_config=None,
        debug=False,
    )
