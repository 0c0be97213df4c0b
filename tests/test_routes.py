"""Properties of the whole route table and error shaping."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.testing import TestClient

from conftest import bearer
from makermatrix_edge.api.security import ACCESS_KEY, PUBLIC
from makermatrix_edge.app import create_app
from makermatrix_edge.db.migrations import migrations
from makermatrix_edge.services import Services

pytestmark = pytest.mark.shared_app  # these tests only read, or are refused and write nothing

PUBLIC_ROUTES = {
    "/api/health",
    "/api/auth/login",
    "/api/auth/mobile-login",
    "/api/auth/mobile-refresh",
    "/api/auth/refresh",
    "/api/auth/logout",
    "/api/utility/get_image/{image_id:str}",  # <img> tags cannot send a token; ids are random UUIDs
    # DigiKey sends the browser back here with no token; the page reads and changes nothing, shows the code escaped
    "/api/suppliers/{supplier_name:str}/oauth/callback",
}


def _api_handlers(app: Litestar) -> list[tuple[str, HTTPRouteHandler]]:
    """Every route of the MakerMatrix face, with or without /api (found by the module its handler is in)."""
    out = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            module = getattr(handler.fn, "__module__", "")
            if not module.startswith("makermatrix_edge.api.makermatrix"):
                continue
            if handler.http_methods != {"OPTIONS"}:  # Litestar's own automatic OPTIONS answer
                out.append((route.path, handler))
    return out


def test_every_api_route_declares_access_and_only_known_ones_are_public(services: Services) -> None:
    handlers = _api_handlers(create_app(services))
    assert len(handlers) >= 15
    assert {"/users/all", "/auth/login"} <= {path for path, _ in handlers}  # the routes without /api are checked too
    for path, handler in handlers:
        rule = handler.opt.get(ACCESS_KEY)
        assert rule, f"{path} declares no access rule"
        if rule == PUBLIC:
            reviewed = path if path.startswith("/api") else "/api" + path  # the same route without /api
            assert reviewed in PUBLIC_ROUTES, f"{path} is public but not on the reviewed list"


def test_unknown_route_and_method_use_the_envelope(client: TestClient[Any], admin_token: str) -> None:
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {
        "status": "error",
        "message": "Not found: GET /api/nothing-here",
        "data": None,
        "detail": "Not found: GET /api/nothing-here",  # where FastAPI clients read it
    }
    wrong = client.delete("/api/health")
    assert wrong.status_code == 405 and wrong.json()["status"] == "error"


def test_unexpected_error_is_500_without_a_trace(
    client: TestClient[Any], admin_token: str, services: Services, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    async def broken() -> None:
        raise RuntimeError("secret internals at /srv/x.py line 3")

    monkeypatch.setattr(services.users, "list_users", broken)
    response = client.get("/api/users/all", headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 500
    body = response.json()
    assert body["status"] == "error" and "ref " in body["message"]
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert "secret internals" in caplog.text  # the log has it for the person fixing it


def test_health_is_public_and_reports_database_to_a_login(client: TestClient[Any], admin_token: str) -> None:
    assert client.get("/api/health").json()["data"]["status"] == "healthy"  # public: up or not, no details
    body = client.get("/api/health", headers=bearer(admin_token)).json()
    assert body["status"] == "success"
    assert body["data"]["database"]["ok"] is True
    assert body["data"]["database"]["schema_version"] == migrations._migrations[-1].name
    devices = body["data"]["devices"]  # each registered device with its kind and state
    assert all({"kind", "state"} <= set(device) for device in devices.values())
    assert isinstance(body["data"]["uptime_seconds"], int)


def test_openapi_is_served(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json")
    assert schema.status_code == 200
    assert "/api/auth/login" in schema.json()["paths"]


def test_cors_is_same_origin_unless_configured(client: TestClient[Any]) -> None:
    response = client.options(
        "/api/health", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in response.headers
