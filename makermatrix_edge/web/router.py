"""The page routes at /, their HTML error answers, the templates and the static files."""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.datastructures import ResponseHeader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from makermatrix_edge.httpkit.body import readable_form
from makermatrix_edge.web import (
    admin,
    ask,
    browse,
    errors,
    forms,
    imports,
    locations,
    move,
    pages,
    part_actions,
    parts,
    printing,
    scan,
    stock,
    suppliers,
    timefmt,
    users,
)
from makermatrix_edge.web.render import SECURITY_HEADERS

HERE = Path(__file__).parent


def _filters(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters["local"] = timefmt.local
    engine.engine.filters["clock"] = timefmt.clock_time


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=_filters)


def web_router() -> Router:
    """Mounted at / beside /api; pages do their own auth (the refresh-token cookie) in session.py."""
    static = create_static_files_router(
        path="/static",
        directories=[HERE / "static"],
        name="web-static",
        cache_control=None,
        include_in_schema=False,
    )
    return Router(
        path="/",
        route_handlers=[
            pages.AuthPages,
            pages.HomePages,
            parts.PartPages,
            stock.StockPages,
            part_actions.PartActions,
            browse.BrowsePages,
            move.MovePages,
            printing.PrintPages,
            parts.LocationPages,
            locations.LocationEditPages,
            scan.ScanPages,
            ask.AskPages,
            forms.PartForms,
            admin.AdminPages,
            users.UserPages,
            imports.ImportPages,
            suppliers.SupplierPages,
            static,
        ],
        exception_handlers={Exception: errors.handle},
        before_request=readable_form,  # a form field that is not UTF-8: 400 in words, not a 500
        response_headers=[ResponseHeader(name=k, value=v) for k, v in SECURITY_HEADERS.items()],
        include_in_schema=False,
    )
