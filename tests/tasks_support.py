"""Helpers for the task and WebSocket tests: an app with test tasks on, and waiting for a task."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from litestar.testing import TestClient

from app_pool import client_for
from conftest import ADMIN_PASSWORD, FakeClock, bearer, login, make_settings
from makermatrix_edge.daemon import build_services
from makermatrix_edge.services import Services

FAST_TASKS: dict[str, Any] = {
    "enable_test_tasks": True,
    "poll_seconds": 0.02,
    "progress_store_seconds": 0.0,
    "retry_backoff_seconds": 0,
    "cancel_grace_seconds": 1,
}


@contextmanager
def task_app(
    tmp_path: Path, clock: FakeClock, *, tasks: dict[str, Any] | None = None, **sections: dict[str, Any]
) -> Iterator[tuple[TestClient[Any], Services, str]]:
    """The app with test tasks and a quick worker; yields (client, services, admin token)."""
    sections.setdefault("schedule", {"database_cleanup": False})
    settings = make_settings(tmp_path / "data", tasks={**FAST_TASKS, **(tasks or {})}, **sections)
    services = build_services(settings, clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        with client_for(services) as client:
            yield client, services, login(client, "admin", ADMIN_PASSWORD)
    finally:
        services.close()


def quick(client: TestClient[Any], token: str, task_type: str = "test_progress", **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/tasks/quick/{task_type}", json=body, headers=bearer(token))
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def get_task(client: TestClient[Any], token: str, task_id: str) -> dict[str, Any]:
    response = client.get(f"/api/tasks/{task_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def wait_task(
    client: TestClient[Any],
    token: str,
    task_id: str,
    until: Callable[[dict[str, Any]], bool] | str,
    timeout: float = 60.0,
) -> dict[str, Any]:
    """Poll the task until `until` holds (a status name or a predicate).

    The timeout only ends a broken test: a loaded 2-core machine can take many seconds, and a passing
    test returns as soon as the task gets there.
    """
    check = (lambda t: t["status"] == until) if isinstance(until, str) else until
    deadline = time.monotonic() + timeout
    while True:
        task = get_task(client, token, task_id)
        if check(task):
            return task
        if time.monotonic() > deadline:
            raise AssertionError(f"task never got there; it is {task}")
        time.sleep(0.02)


def daemon_login(url: str, password: str) -> str:
    response = httpx.post(url + "/api/auth/login", json={"username": "admin", "password": password}, timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def daemon_task(url: str, token: str, task_id: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/api/tasks/{task_id}", headers=bearer(token), timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def daemon_wait(
    url: str, token: str, task_id: str, until: Callable[[dict[str, Any]], bool], timeout: float = 10
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        task = daemon_task(url, token, task_id)
        if until(task):
            return task
        if time.monotonic() > deadline:
            raise AssertionError(f"task never got there; it is {task}")
        time.sleep(0.05)


def daemon_quick(url: str, token: str, **body: Any) -> dict[str, Any]:
    response = httpx.post(f"{url}/api/tasks/quick/test_progress", json=body, headers=bearer(token), timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])
