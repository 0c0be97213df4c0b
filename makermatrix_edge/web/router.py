"""The page routes at /, their HTML error answers, the templates and the static files."""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from makermatrix_edge.web import admin, errors, forms, locations, pages, parts, scan, suppliers, users

HERE = Path(__file__).parent


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine)


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
            parts.LocationPages,
            locations.LocationEditPages,
            scan.ScanPages,
            forms.PartForms,
            admin.AdminPages,
            users.UserPages,
            suppliers.SupplierPages,
            static,
        ],
        exception_handlers={Exception: errors.handle},
        include_in_schema=False,
    )
