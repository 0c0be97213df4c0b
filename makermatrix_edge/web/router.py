"""The page routes at /, their HTML error answers, the templates and the static files."""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.datastructures import ResponseHeader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from makermatrix_edge.httpkit.idempotency import RecordReplies
from makermatrix_edge.suppliers.money import money
from makermatrix_edge.web import (
    admin,
    ask,
    bench_camera,
    boms,
    browse,
    errors,
    forms,
    imports,
    locations,
    makermatrix_links,
    move,
    move_many,
    orders,
    pages,
    part_actions,
    parts,
    place_picker,
    places,
    printing,
    projects,
    scan,
    stock,
    suppliers,
    timefmt,
    tools,
    users,
)
from makermatrix_edge.web.guard import OPEN, page_access, page_guard
from makermatrix_edge.web.place_names import path_ends
from makermatrix_edge.web.render import SECURITY_HEADERS, form_keys

HERE = Path(__file__).parent


def _filters(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters["local"] = timefmt.local
    engine.engine.filters["clock"] = timefmt.clock_time
    engine.engine.globals["form_keys"] = form_keys
    engine.engine.globals["path_ends"] = path_ends
    engine.engine.filters["short_time"] = timefmt.short
    engine.engine.filters["money"] = money


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=_filters)


def web_router() -> Router:
    """Mounted at / beside /api; one guard (guard.py) checks every form post's CSRF token and each page's permission."""
    static = create_static_files_router(
        path="/static",
        directories=[HERE / "static"],
        name="web-static",
        cache_control=None,
        include_in_schema=False,
        opt=page_access(OPEN),
    )
    return Router(
        path="/",
        route_handlers=[
            pages.AuthPages,
            pages.HomePages,
            parts.PartPages,
            stock.StockPages,
            places.PlacesPages,
            part_actions.PartActions,
            browse.BrowsePages,
            move.MovePages,
            place_picker.PlacePickerPages,
            move_many.MoveManyPages,
            printing.PrintPages,
            parts.LocationPages,
            locations.LocationEditPages,
            scan.ScanPages,
            bench_camera.BenchCameraPages,
            ask.AskPages,
            forms.PartForms,
            admin.AdminPages,
            users.UserPages,
            imports.ImportPages,
            orders.OrderPages,
            suppliers.SupplierPages,
            tools.ToolPages,
            projects.ProjectPages,
            boms.BomPages,
            makermatrix_links.MakerMatrixLinks,
            static,
        ],
        exception_handlers={Exception: errors.handle},
        middleware=[RecordReplies],  # keeps the first answer of each form's action id (the guard claims it)
        guards=[page_guard],  # a form field that is not UTF-8 is a 400 in words there too, not a 500
        response_headers=[ResponseHeader(name=k, value=v) for k, v in SECURITY_HEADERS.items()],
        include_in_schema=False,
    )
