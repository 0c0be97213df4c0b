"""One Litestar app per test worker, reused test after test, each test with its own services.

create_app() costs 0.3-0.5 s of CPU (Litestar registers ~490 handlers and evaluates their type
hints), more than most tests. The app keeps its services in app.state, the one place the lifespan,
the dependency provider and the page guard read them from, so a built app can serve another test's
services: each test still gets a fresh data dir, its own clock and settings, and its own lifespan
(task worker, scheduler...). What create_app() reads from settings while building (CORS origins, the
body limit) is the pool's key. An app in use is out of the pool, so a test with two daemons at once
gets two apps.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from makermatrix_edge.app import create_app
from makermatrix_edge.services import Services

Key = tuple[tuple[str, ...], int]
_free: dict[Key, list[Litestar]] = {}  # per test process (one per xdist worker)


@contextmanager
def app_for(services: Services) -> Iterator[Litestar]:
    server = services.settings.server
    pool = _free.setdefault((tuple(server.cors_origins), server.max_body_bytes), [])
    app = pool.pop() if pool else create_app(services)
    app.state.clear()  # nothing a previous test left (e.g. spent undo signatures) carries over
    app.state["services"] = services
    try:
        yield app
    finally:
        app.state.clear()
        pool.append(app)


@contextmanager
def client_for(services: Services, **options: Any) -> Iterator[TestClient[Any]]:
    """TestClient(create_app(services)), entered, on a pooled app."""
    with app_for(services) as app, TestClient(app, **options) as client:
        yield client
