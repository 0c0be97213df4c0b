"""The phone pages' one guard: the permission every page needs, and the CSRF check on every form post.

PAGES below is the record: each page route with what it needs. The route table must match it, so
a new page (above all a new POST) cannot appear without being listed here, and so tested.
"""

from __future__ import annotations

import html
from typing import Any

import pytest
from litestar import Litestar, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.params import BodyKwarg
from litestar.testing import TestClient

from conftest import add_user, bearer
from makermatrix_edge.errors import Forbidden
from makermatrix_edge.services import Services
from makermatrix_edge.web.guard import LOGIN as GUARD_LOGIN
from makermatrix_edge.web.guard import OPEN as GUARD_OPEN
from makermatrix_edge.web.guard import PAGE_KEY, page_guard
from web_helpers import page_login

OPEN = "open"  # no login needed
LOGIN = "login"  # any logged-in user

PAGES: dict[tuple[str, str], str] = {
    ("GET", "/login"): OPEN,
    ("POST", "/login"): OPEN,
    ("POST", "/logout"): OPEN,
    ("GET", "/"): "parts:read",
    ("GET", "/activity"): "parts:read",
    ("GET", "/search"): "parts:read",
    ("GET", "/scans/feed"): "parts:read",
    ("POST", "/camera/start"): "parts:write",
    ("POST", "/camera/stop"): "parts:write",
    ("GET", "/p/{part_id:str}"): "parts:read",
    ("GET", "/p/{part_id:str}/label.png"): "printer:use",
    ("GET", "/l/{location_id:str}"): "locations:read",
    ("GET", "/l/{location_id:str}/label.png"): "printer:use",
    ("POST", "/p/{part_id:str}/adjust"): "parts:write",
    ("POST", "/p/{part_id:str}/count"): "parts:write",
    ("POST", "/p/{part_id:str}/undo"): "parts:write",
    ("POST", "/p/{part_id:str}/transfer"): "parts:write",
    ("POST", "/p/{part_id:str}/photo"): "parts:write",
    ("GET", "/p/{part_id:str}/delete"): "parts:delete",
    ("POST", "/p/{part_id:str}/delete"): "parts:delete",
    ("GET", "/places/pick"): "locations:read",
    ("GET", "/tools"): "tools:read",
    ("GET", "/tools/new"): "tools:write",
    ("POST", "/tools/new"): "tools:write",
    ("GET", "/t/{tool_id:str}"): "tools:read",
    ("GET", "/t/{tool_id:str}/label.png"): "printer:use",
    ("POST", "/t/{tool_id:str}/checkout"): "tools:use",
    ("POST", "/t/{tool_id:str}/return"): "tools:use",
    ("POST", "/t/{tool_id:str}/print"): "printer:use",
    ("GET", "/low-stock"): "parts:read",
    ("GET", "/low-stock/reorder/{supplier:str}"): "parts:read",
    ("GET", "/projects"): "parts:read",
    ("GET", "/projects/{project_id:str}"): "parts:read",
    ("GET", "/projects/{project_id:str}/check"): "parts:read",
    ("GET", "/projects/{project_id:str}/reorder/{supplier:str}"): "parts:read",
    ("POST", "/projects/{project_id:str}/builds"): "parts:write",
    ("POST", "/projects"): "projects:create",
    ("GET", "/projects/{project_id:str}/bom"): "projects:update",
    ("POST", "/projects/{project_id:str}/bom"): "projects:update",
    ("POST", "/projects/{project_id:str}/bom/confirm"): "projects:update",
    ("POST", "/projects/{project_id:str}/bom/pin"): "projects:update",
    ("POST", "/projects/{project_id:str}/bom/unpin"): "projects:update",
    ("POST", "/builds/{build_id:str}/complete"): "parts:write",
    ("POST", "/builds/{build_id:str}/cancel"): "parts:write",
    ("POST", "/builds/{build_id:str}/reverse"): "parts:write",
    ("GET", "/categories"): "parts:read",
    ("GET", "/categories/{category_id:str}"): "parts:read",
    ("GET", "/p/{part_id:str}/move"): "parts:write",
    ("POST", "/p/{part_id:str}/move"): "parts:write",
    ("POST", "/p/{part_id:str}/move/scan"): "parts:write",
    ("POST", "/p/{part_id:str}/move/undo"): "parts:write",
    ("GET", "/parts/move"): "parts:write",
    ("POST", "/parts/move"): "parts:write",
    ("POST", "/p/{part_id:str}/print"): "printer:use",
    ("POST", "/l/{location_id:str}/print"): "printer:use",
    ("GET", "/locations"): "locations:read",
    ("POST", "/locations/new"): "locations:write",
    ("GET", "/l/{location_id:str}/edit"): "locations:write",
    ("POST", "/l/{location_id:str}/rename"): "locations:write",
    ("POST", "/l/{location_id:str}/move"): "locations:write",
    ("GET", "/l/{location_id:str}/delete"): "locations:delete",
    ("POST", "/l/{location_id:str}/delete"): "locations:delete",
    ("GET", "/scan"): "parts:read",
    ("POST", "/scan"): "parts:read",
    ("POST", "/scan/receive"): "parts:write",
    ("GET", "/ask"): "parts:read",
    ("POST", "/ask"): "parts:read",
    ("POST", "/ask/stream"): "parts:read",
    ("GET", "/parts/new"): "parts:write",
    ("POST", "/parts/new"): "parts:write",
    ("GET", "/p/{part_id:str}/edit"): "parts:write",
    ("POST", "/p/{part_id:str}/edit"): "parts:write",
    ("GET", "/printer"): "printer:use",
    ("GET", "/tasks"): "tasks:read",
    ("GET", "/tasks/list"): "tasks:read",
    ("GET", "/backups"): "backup:manage",
    ("GET", "/backups/status"): "backup:manage",
    ("GET", "/backups/download/{filename:str}"): "backup:manage",
    ("POST", "/backups/run"): "backup:manage",
    ("POST", "/account/password"): LOGIN,
    ("GET", "/users"): "users:read",
    ("POST", "/users/new"): "users:write",
    ("POST", "/users/{user_id:str}/role"): "users:write",
    ("POST", "/users/{user_id:str}/active"): "users:write",
    ("POST", "/users/{user_id:str}/password"): "users:write",
    ("GET", "/import"): "csv:import",
    ("POST", "/import"): "csv:import",
    ("POST", "/import/confirm"): "csv:import",
    ("GET", "/orders"): "parts:read",
    ("GET", "/orders/{order_id:str}"): "parts:read",
    ("POST", "/orders/{order_id:str}/print"): "printer:use",
    ("POST", "/p/{part_id:str}/enrich"): "parts:write",
    ("GET", "/datasheets/{filename:str}"): "parts:read",
    ("GET", "/suppliers"): "admin",
    ("POST", "/suppliers/{name:str}"): "admin",
    ("GET", "/dashboard"): "parts:read",
    ("GET", "/parts"): "parts:read",
    ("GET", "/inventory"): "parts:read",
    ("GET", "/parts/{part_id:str}"): "parts:read",
    ("GET", "/parts/{part_id:str}/edit"): "parts:write",
    ("GET", "/settings"): LOGIN,
}
POSTS = sorted(route for route, _ in PAGES.items() if route[0] == "POST")
NEEDS_PERMISSION = sorted(route for route, rule in PAGES.items() if rule not in (OPEN, LOGIN))
NEEDS_LOGIN = sorted(route for route, rule in PAGES.items() if rule != OPEN)
ID = "0" * 32
WEB = "makermatrix_edge.web"


def page_routes(app: Any) -> dict[tuple[str, str], HTTPRouteHandler]:
    """Every route a page controller answers (the static files are not pages)."""
    out: dict[tuple[str, str], HTTPRouteHandler] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler) or not handler.fn.__module__.startswith(WEB):
                continue
            for method in handler.http_methods:
                if method != "HEAD":
                    out[(method, route.path)] = handler
    return out


def _path(template: str) -> str:
    for name in (
        "part_id",
        "location_id",
        "category_id",
        "user_id",
        "order_id",
        "name",
        "filename",
        "project_id",
        "build_id",
        "tool_id",
        "supplier",
    ):
        template = template.replace("{" + name + ":str}", ID)
    return template


def _media(app: Any, route: tuple[str, str]) -> RequestEncodingType | str:
    field = page_routes(app)[route].parsed_data_field
    kwarg = field.kwarg_definition if field is not None else None
    return kwarg.media_type if isinstance(kwarg, BodyKwarg) else RequestEncodingType.JSON


def send_post(client: TestClient[Any], route: tuple[str, str], token: str | None, **headers: str) -> Any:
    """A well-formed post to the route, carrying `token` (None: no token at all)."""
    media = _media(client.app, route)
    fields = {} if token is None else {"csrf_token": token}
    path = _path(route[1])
    if media == RequestEncodingType.MULTI_PART:
        files = {"file": ("photo.jpg", b"not really a photo", "image/jpeg")}
        return client.post(path, data=fields, files=files, headers=headers, follow_redirects=False)
    if media == RequestEncodingType.URL_ENCODED:
        return client.post(path, data=fields, headers=headers, follow_redirects=False)
    if token is not None:
        headers = {**headers, "x-csrf-token": token}
    return client.post(path, json={"message": "hi"}, headers=headers, follow_redirects=False)


def session_token(client: TestClient[Any], services: Services) -> str:
    """The token this page session's forms carry (as the page would render it)."""
    session = services.auth.session_id(client.cookies["refresh_token"])
    assert session
    return services.auth.page_mac("csrf", f"session:{session}")


def refusal(response: Any) -> str:
    return html.unescape(response.text)


@pytest.fixture
def nobody(client: TestClient[Any], admin_token: str) -> TestClient[Any]:
    """A page session for a user whose only role grants nothing."""
    made = client.post(
        "/api/users/roles/add_role",
        json={"name": "nothing", "description": "no permissions", "permissions": []},
        headers=bearer(admin_token),
    )
    assert made.status_code == 200, made.text
    add_user(client, admin_token, "nobody", "nothing", password="password-123")
    client.cookies.clear()
    assert page_login(client, "nobody", "password-123").status_code == 303
    return client


def test_the_record_lists_every_page_route(client: TestClient[Any]) -> None:
    assert sorted(page_routes(client.app)) == sorted(PAGES)


def test_a_page_needs_a_login(client: TestClient[Any]) -> None:
    for route in NEEDS_LOGIN:
        client.cookies.clear()
        path = _path(route[1])
        if route[0] == "GET":
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 303, route
            assert response.headers["location"] == ("/login" if path == "/" else f"/login?next={path}"), route
            continue
        form = client.get("/login")  # a pre-session cookie and its token: the post needs a login (and says why)
        token = html.unescape(form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0])
        response = send_post(client, route, token)
        assert response.status_code == 303, (route, refusal(response))
        assert response.headers["location"] == "/login?why=ended", route


def test_a_page_needs_its_permission(nobody: TestClient[Any], services: Services, admin_token: str) -> None:
    for route in NEEDS_PERMISSION:
        if route[0] == "GET":
            response = nobody.get(_path(route[1]), follow_redirects=False)
        else:
            response = send_post(nobody, route, session_token(nobody, services))
        assert response.status_code == 403, (route, refusal(response))
        assert f"Your account may not do this (it needs the '{PAGES[route]}' permission)" in refusal(response), route
    counts = nobody.get("/api/utility/get_counts", headers=bearer(admin_token)).json()["data"]
    assert counts["parts"] == 0 and counts["locations"] == 0


def test_any_login_may_change_its_own_password(nobody: TestClient[Any], services: Services) -> None:
    response = send_post(nobody, ("POST", "/account/password"), session_token(nobody, services))
    assert response.status_code == 400 and "needs the" not in refusal(response)


def test_a_post_without_the_form_token_is_refused(client: TestClient[Any], admin_token: str) -> None:
    client.cookies.clear()
    assert page_login(client).status_code == 303  # admin: may do everything, but the token is missing
    origin = f"{client.base_url}/scan"
    for route in POSTS:
        for token in (None, "", "forged"):
            response = send_post(client, route, token)
            assert response.status_code == 403, (route, token, refusal(response))
            assert "Page expired" in response.text
            assert "This form was stale or sent from another site." in refusal(response)
            # From a page of ours (the Referer), it goes back there and says the page was stale.
            again = send_post(client, route, token, referer=origin)
            assert again.status_code == 303 and again.headers["location"] == "/scan", (route, token)
    counts = client.get("/api/utility/get_counts", headers=bearer(admin_token)).json()["data"]
    assert counts["parts"] == 0 and counts["locations"] == 0


def test_a_post_without_any_cookie_goes_to_the_login_page_and_changes_nothing(
    client: TestClient[Any], admin_token: str
) -> None:
    """Issue 24 point 2: a session that ended is a login, not "the page expired" (the token was tied to it)."""
    for route in POSTS:
        client.cookies.clear()
        response = send_post(client, route, "anything")
        if PAGES[route] == OPEN:
            assert response.status_code == 403 and "Page expired" in response.text, route
            continue
        assert response.status_code == 303, route
        assert response.headers["location"] == "/login?why=ended", route
        assert "mm_unsent" not in response.cookies, route  # another site's form is not kept for later
    counts = client.get("/api/utility/get_counts", headers=bearer(admin_token)).json()["data"]
    assert counts["parts"] == 0 and counts["locations"] == 0


def test_static_files_need_no_login(client: TestClient[Any]) -> None:
    client.cookies.clear()
    assert client.get("/static/app.css").status_code == 200


def test_every_page_route_declares_its_rule_and_every_post_passes_the_guard(client: TestClient[Any]) -> None:
    """The declaration is the record above; the guard (CSRF on every post) sits on every page route."""

    spelled = {OPEN: GUARD_OPEN, LOGIN: GUARD_LOGIN}
    for route, handler in page_routes(client.app).items():
        assert page_guard in handler.resolve_guards(), route
        assert handler.opt.get(PAGE_KEY) == spelled.get(PAGES[route], PAGES[route]), route


def test_a_page_route_without_a_declaration_is_closed() -> None:
    ran: list[str] = []

    @get("/undeclared")
    async def undeclared() -> str:
        ran.append("get")
        return "ran"

    @post("/undeclared", status_code=200)
    async def undeclared_post() -> str:
        ran.append("post")
        return "ran"

    def closed(_: Any, exc: Exception) -> Response[str]:
        return Response(str(exc), status_code=403 if isinstance(exc, Forbidden) else 500)

    pages = Router(path="/", route_handlers=[undeclared, undeclared_post], guards=[page_guard])
    app = Litestar(route_handlers=[pages], exception_handlers={Exception: closed})
    with TestClient(app) as bare:
        assert bare.get("/undeclared").text == "This page declares no access rule and is closed"
        refused = bare.post("/undeclared", data={"csrf_token": "x"})
        assert refused.status_code == 403 and refused.text == "This page declares no access rule and is closed"
    assert ran == []
