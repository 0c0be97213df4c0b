"""A large import commits in batches (orders/batches.py): people's writes go between two batches, and a
cancel, a failure or a kill leaves nothing of it, while a cancel once the final step began is too late."""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD, FakeClock, bearer, login, make_settings
from makermatrix_edge.daemon import build_services
from makermatrix_edge.orders import batches, child
from makermatrix_edge.orders.models import ImportOptions
from makermatrix_edge.services import Services
from makermatrix_edge.tasks.context import TaskCancelled, TaskContext
from makermatrix_edge.tasks.models import TaskRequest
from makermatrix_edge.tasks.registry import TaskHandler
from tasks_support import task_app, wait_task
from test_import_child import workers  # noqa: F401  (fixture)
from test_orders_routes import lcsc_lines
from test_ws import receive_until

pytestmark = pytest.mark.daemon  # each test runs an import's child process (python -m makermatrix_edge.orders.child)

BIG = 20_000  # lines: several seconds of batches here, so surely still running when the test acts
TASKS = {"imports": {"task_threshold_rows": 50}}


def written(services: Services) -> dict[str, int]:
    """What an import leaves in the database, counted directly (hidden `importing` orders included)."""
    tables = ("parts", "orders", "order_items", "stock_movements")
    return services.db.read_sync(lambda db: {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables})


def start_import(client: TestClient[Any], admin: str, lines: int) -> str:
    files = {"file": ("LCSC_Exported__20250101_101010.csv", lcsc_lines(lines).encode())}
    response = client.post("/api/import/file", files=files, headers=bearer(admin))
    assert response.status_code == 202, response.text
    return str(response.json()["data"]["task_id"])


def update_of(task_id: str, check: Callable[[dict[str, Any]], bool]) -> Callable[[dict[str, Any]], bool]:
    return lambda m: m["type"] == "task_update" and m["data"]["id"] == task_id and check(m["data"])


def under_way(task: dict[str, Any]) -> bool:
    """Some batches are committed and more are to come."""
    step = task["current_step"] or ""
    return task["status"] == "running" and step.startswith("Imported") and task["progress_percentage"] < 90


def test_a_stock_change_and_a_login_answer_while_a_large_import_runs(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock, **TASKS) as (client, services, admin):
        part = client.post(
            "/api/parts/add_part", json={"part_name": "Resistor 10k", "quantity": 10}, headers=bearer(admin)
        ).json()["data"]
        with client.websocket_connect(f"/ws/tasks?token={admin}") as ws:
            ws.receive_json(timeout=5)
            task_id = start_import(client, admin, BIG)
            receive_until(ws, update_of(task_id, under_way), timeout=60)
            adjusted = client.post(f"/api/parts/{part['id']}/adjust", json={"delta": -3}, headers=bearer(admin))
            logged_in = client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
            task = client.get(f"/api/tasks/{task_id}", headers=bearer(admin)).json()["data"]
        assert adjusted.status_code == 200 and adjusted.json()["data"]["quantity"] == 7
        assert logged_in.status_code == 200
        # Both answered while the import was still writing: they did not wait for it.
        assert task["status"] == "running" and task["progress_percentage"] < 99, task
        done = wait_task(client, admin, task_id, "completed", timeout=300)
        assert done["result_data"]["created_count"] == BIG
        counts = written(services)
        assert (counts["parts"], counts["orders"], counts["order_items"]) == (BIG + 1, 1, BIG)
        history = client.get(f"/api/parts/{part['id']}/history", headers=bearer(admin)).json()["data"]
        assert [h["delta"] for h in history] == [-3, 10]


def test_a_cancel_mid_import_answers_at_once_and_leaves_nothing(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock, **TASKS) as (client, services, admin):
        with client.websocket_connect(f"/ws/tasks?token={admin}") as ws:
            ws.receive_json(timeout=5)
            task_id = start_import(client, admin, BIG)
            receive_until(ws, update_of(task_id, under_way), timeout=60)
            assert written(services)["parts"] > 0  # batches are in the database already
            cancelled = client.post(f"/api/tasks/{task_id}/cancel", headers=bearer(admin))
            assert cancelled.status_code == 200, cancelled.text
            assert cancelled.json()["data"]["progress_percentage"] < 99  # it did not wait for the import
            receive_until(ws, update_of(task_id, lambda t: t["status"] == "cancelled"), timeout=120)
        assert written(services) == {"parts": 0, "orders": 0, "order_items": 0, "stock_movements": 0}
        assert client.get("/api/orders", headers=bearer(admin)).json()["total_parts"] == 0


def test_a_cancel_once_the_final_step_began_is_too_late_and_the_import_completes(
    tmp_path: Path, clock: FakeClock
) -> None:
    reached, proceed = threading.Event(), threading.Event()
    with task_app(tmp_path, clock, **TASKS) as (client, services, admin):
        parsed = services.orders.parse(lcsc_lines(400).encode(), "big.csv", ImportOptions())

        def commit_point(ctx: TaskContext) -> None:
            ctx.commit_point()  # the real one; then hold here so the cancel surely comes after it
            reached.set()
            assert proceed.wait(30)

        def run(ctx: TaskContext) -> dict[str, Any]:
            result = services.orders.run_import(
                parsed, "sha", ImportOptions(), None, None, in_child=True, may_commit=lambda: commit_point(ctx)
            )
            return {"created": result.created_count}

        services.tasks.registry.register(
            TaskHandler(task_type="held_import", name="held", description="held", run=run, permission="csv:import")
        )
        request = TaskRequest(task_type="held_import", name="held import")
        task_id = client.blocking_portal.call(services.tasks.create, request, None).id  # the worker runs it
        assert reached.wait(60)
        refused = client.post(f"/api/tasks/{task_id}/cancel", headers=bearer(admin))
        proceed.set()
        assert refused.status_code == 409 and "Too late to cancel" in refused.json()["message"], refused.text
        done = wait_task(client, admin, task_id, "completed", timeout=60)
        assert done["result_data"] == {"created": 400} and not done["cancel_requested"]
        assert written(services)["order_items"] == 400


def test_a_killed_child_leaves_nothing(
    client: TestClient[Any],
    admin_token: str,
    services: Services,
    workers: list[subprocess.Popen[bytes]],  # noqa: F811
) -> None:
    parsed = services.orders.parse(lcsc_lines(3000).encode(), "big.csv", ImportOptions())

    def kill_the_child(done: int, of: int) -> None:
        assert written(services)["parts"] == done  # this batch is committed
        workers[0].send_signal(signal.SIGKILL)

    with pytest.raises(RuntimeError, match="import worker exited with -9"):
        services.orders.run_import(parsed, "sha", ImportOptions(), None, kill_the_child, in_child=True)
    assert written(services) == {"parts": 0, "orders": 0, "order_items": 0, "stock_movements": 0}


def test_what_a_killed_daemon_left_is_taken_back_at_the_next_start(tmp_path: Path, clock: FakeClock) -> None:
    settings = make_settings(tmp_path / "data")
    services = build_services(settings, clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        parsed = services.orders.parse(lcsc_lines(3000).encode(), "big.csv", ImportOptions())
        job = services.orders.job_for(parsed, "sha", ImportOptions(), None)

        def die(done: int, of: int) -> None:
            raise TaskCancelled("kill -9")  # the daemon is gone from here: nothing of it runs any more

        # The relay without the service around it: no take-back runs, as after a kill of the daemon.
        with pytest.raises(TaskCancelled):
            child.run_in_child(services.db, job, die)
        left = written(services)
        assert left["parts"] > 0 and left["orders"] == 1  # half-written, still `importing`
        assert services.db.read_sync(batches.unfinished) == [job.order_id]
    finally:
        services.close()
    again = build_services(settings, clock=clock, admin_password=ADMIN_PASSWORD)  # the next start
    try:
        assert written(again) == {"parts": 0, "orders": 0, "order_items": 0, "stock_movements": 0}
        # Parts people had before stay, with their history: only what the import created goes.
    finally:
        again.close()


def test_an_import_into_known_parts_adds_their_stock_only_at_the_end(
    client: TestClient[Any], admin_token: str, services: Services
) -> None:
    first = services.orders.parse(lcsc_lines(600).encode(), "a.csv", ImportOptions())
    services.orders.run_import(first, "sha-a", ImportOptions(), None, None, in_child=True)
    before = written(services)
    again = services.orders.parse(lcsc_lines(600).encode(), "b.csv", ImportOptions(force=True))
    seen: list[int] = []

    def quantities_untouched_until_the_end(done: int, of: int) -> None:
        # Known parts' stock is not touched by the batches: a cancel never has to undo people's parts.
        seen.append(written(services)["stock_movements"])

    services.orders.run_import(
        again, "sha-b", ImportOptions(force=True), None, quantities_untouched_until_the_end, in_child=True
    )
    assert seen and set(seen) == {before["stock_movements"]}
    assert written(services)["stock_movements"] == before["stock_movements"] + 600
    part = client.get("/api/parts/get_part?part_number=C100003", headers=bearer(admin_token)).json()["data"]
    assert part["quantity"] == 26


def test_a_cancelled_import_keeps_the_parts_people_had(
    client: TestClient[Any], admin_token: str, services: Services
) -> None:
    first = services.orders.parse(lcsc_lines(300).encode(), "a.csv", ImportOptions())
    services.orders.run_import(first, "sha-a", ImportOptions(), None, None, in_child=True)
    before = written(services)
    more = services.orders.parse(lcsc_lines(3000).encode(), "b.csv", ImportOptions(force=True))  # 300 known

    def cancel(done: int, of: int) -> None:
        raise TaskCancelled("cancel")

    with pytest.raises(TaskCancelled):
        services.orders.run_import(more, "sha-b", ImportOptions(force=True), None, cancel, in_child=True)
    assert written(services) == before
    token = login(client, "admin", ADMIN_PASSWORD)
    assert client.get("/api/orders", headers=bearer(token)).json()["total_parts"] == 1
