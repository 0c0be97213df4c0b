"""/openapi.json, /docs and /redoc: where MakerMatrix (FastAPI) clients and people look for the API description.

The document itself is Litestar's, served at /schema as well; these are the same content at the
addresses FastAPI uses.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.enums import MediaType
from litestar.openapi.plugins import RedocRenderPlugin, SwaggerRenderPlugin

_SWAGGER = SwaggerRenderPlugin()
_REDOC = RedocRenderPlugin()


@get("/openapi.json", include_in_schema=False, sync_to_thread=False)
def openapi_json(request: Request[Any, Any, Any]) -> Response[Any]:
    return Response(request.app.openapi_schema.to_schema(), media_type=MediaType.JSON)


@get("/docs", include_in_schema=False, sync_to_thread=False)
def docs(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Swagger UI over the same document."""
    page = _SWAGGER.render(request, request.app.openapi_schema.to_schema())
    return Response(page, media_type=MediaType.HTML)


@get("/redoc", include_in_schema=False, sync_to_thread=False)
def redoc(request: Request[Any, Any, Any]) -> Response[bytes]:
    """ReDoc over the same document, where FastAPI serves it."""
    page = _REDOC.render(request, request.app.openapi_schema.to_schema())
    return Response(page, media_type=MediaType.HTML)


DOCS_HANDLERS = [openapi_json, docs, redoc]
