"""The task engine through the API: priorities, concurrency, timeout, retry, cancel, recovery."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from conftest import FakeClock, bearer
from makermatrix_edge.clock import iso
from tasks_support import get_task, quick, task_app, wait_task


def test_quick_task_runs_to_completed_with_its_progress_stored(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock) as (client, services, token):
        task = quick(client, token, steps=4, interval_ms=10)
        assert task["status"] == "pending" and task["task_type"] == "test_progress"
        assert task["input_data"] == {"steps": 4, "interval_ms": 10, "fail_attempts": 0, "padding": 0} | {
            "ignore_cancel": False
        }
        done = wait_task(client, token, task["id"], "completed")
        assert done["progress_percentage"] == 100 and done["result_data"]["steps"] == 4
        assert done["started_at"] and done["completed_at"] and done["error_message"] is None
        stored = services.db.read_sync(
            lambda db: dict(db.execute("SELECT status, progress_percentage FROM tasks").fetchone())
        )
        assert stored == {"status": "COMPLETED", "progress_percentage": 100}


def test_highest_priority_first_then_oldest(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock, tasks={"concurrency": 1}) as (client, _, token):
        assert client.post("/api/tasks/worker/stop", headers=bearer(token)).status_code == 200
        order = ["low", "normal", "urgent", "high", "normal"]
        ids = [quick(client, token, steps=1, interval_ms=5, priority=p)["id"] for p in order]
        assert client.get("/api/tasks/worker/status", headers=bearer(token)).json()["data"]["queued_tasks"] == 5
        client.post("/api/tasks/worker/start", headers=bearer(token))
        done = [wait_task(client, token, i, "completed") for i in ids]
        started = sorted(range(5), key=lambda i: done[i]["result_data"]["started"])
        assert [order[i] for i in started] == ["urgent", "high", "normal", "normal", "low"]
        assert started.index(1) < started.index(4)  # the older of the two NORMAL ones first


def test_at_most_concurrency_tasks_run_at_once(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock, tasks={"concurrency": 2}) as (client, _, token):
        ids = [quick(client, token, steps=4, interval_ms=60)["id"] for _ in range(5)]
        spans = [wait_task(client, token, i, "completed")["result_data"] for i in ids]
        moments = sorted({s["started"] for s in spans} | {s["ended"] - 1e-6 for s in spans})
        overlap = max(sum(s["started"] <= m < s["ended"] for s in spans) for m in moments)
        assert overlap == 2


def test_timeout_fails_the_task_by_the_injected_clock(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock) as (client, _, token):
        task = quick(client, token, steps=10_000, interval_ms=20, timeout_seconds=30, max_retries=0)
        wait_task(client, token, task["id"], "running")
        time.sleep(0.1)
        assert get_task(client, token, task["id"])["status"] == "running"  # real time alone does not time out
        clock.advance(31)
        failed = wait_task(client, token, task["id"], "failed", timeout=2)
        assert failed["error_message"] == "timed out after 30 s" and failed["completed_at"]


def test_failures_retry_with_doubling_backoff_until_max_retries(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock, tasks={"retry_backoff_seconds": 10}) as (client, _, token):
        task = quick(client, token, steps=1, interval_ms=1, fail_attempts=2, max_retries=2)
        first = wait_task(client, token, task["id"], "retry")
        assert first["retry_count"] == 1 and first["error_message"] == "RuntimeError: planned failure on attempt 1"
        assert first["next_attempt_at"] == iso(clock() + 10)
        time.sleep(0.15)
        assert get_task(client, token, task["id"])["status"] == "retry"  # not before its time
        clock.advance(10)
        second = wait_task(client, token, task["id"], lambda t: t["status"] == "retry" and t["retry_count"] == 2)
        assert second["next_attempt_at"] == iso(clock() + 20)  # the wait doubles
        clock.advance(20)
        done = wait_task(client, token, task["id"], "completed")
        assert done["retry_count"] == 2 and done["result_data"]["attempt"] == 2

        hopeless = quick(client, token, steps=1, interval_ms=1, fail_attempts=5, max_retries=1)
        wait_task(client, token, hopeless["id"], "retry")
        clock.advance(10)
        failed = wait_task(client, token, hopeless["id"], "failed")
        assert failed["retry_count"] == 1 and "attempt 2" in failed["error_message"]


def test_cancel_pending_at_once_and_running_in_the_middle_of_a_step(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock, tasks={"concurrency": 1}) as (client, _, token):
        # Each step waits a minute: a cancel that waited for the step to end (or for a wall-clock
        # budget) could not answer "cancelled", since the cancel call waits CANCEL_WAIT_SECONDS (2 s) at most.
        running = quick(client, token, steps=10_000, interval_ms=60_000)
        waiting = quick(client, token, steps=1)
        wait_task(client, token, running["id"], "running")
        cancelled = client.post(f"/api/tasks/{waiting['id']}/cancel", headers=bearer(token)).json()["data"]
        assert cancelled["status"] == "cancelled"
        response = client.post(f"/api/tasks/{running['id']}/cancel", headers=bearer(token))
        assert response.status_code == 200 and response.json()["data"]["status"] == "cancelled"
        assert response.json()["data"]["progress_percentage"] == 0  # stopped inside its first step
        again = client.post(f"/api/tasks/{running['id']}/cancel", headers=bearer(token))
        assert again.status_code == 409 and "already cancelled" in again.json()["message"]
        retried = client.post(f"/api/tasks/{waiting['id']}/retry", headers=bearer(token)).json()["data"]
        assert retried["status"] == "pending"
        assert wait_task(client, token, waiting["id"], "completed")["retry_count"] == 0
        done = client.post(f"/api/tasks/{waiting['id']}/retry", headers=bearer(token))
        assert done.status_code == 409


def test_a_handler_that_ignores_cancel_loses_its_slot_after_the_grace(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock, tasks={"concurrency": 1, "cancel_grace_seconds": 1}) as (client, _, token):
        stubborn = quick(client, token, steps=40, interval_ms=50, ignore_cancel=True)
        next_one = quick(client, token, steps=1)
        wait_task(client, token, stubborn["id"], "running")
        client.post(f"/api/tasks/{stubborn['id']}/cancel", headers=bearer(token))
        assert wait_task(client, token, stubborn["id"], "cancelled", timeout=3)["cancel_requested"] is True
        wait_task(client, token, next_one["id"], "completed", timeout=3)


def test_shutdown_queues_running_tasks_again(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock) as (client, services, token):
        task = quick(client, token, steps=10_000, interval_ms=20)
        wait_task(client, token, task["id"], "running")
    with sqlite3.connect(services.db.path) as conn:
        conn.row_factory = sqlite3.Row
        row = dict(conn.execute("SELECT * FROM tasks").fetchone())
    assert row["status"] == "PENDING" and row["retry_count"] == 0 and "shutdown" in row["current_step"]


def test_put_changes_what_a_person_may_change(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock) as (client, _, token):
        client.post("/api/tasks/worker/stop", headers=bearer(token))
        task = quick(client, token, steps=1)
        url = f"/api/tasks/{task['id']}"
        changed = client.put(url, json={"priority": "URGENT", "name": "First"}, headers=bearer(token))
        assert changed.status_code == 200
        assert changed.json()["data"]["priority"] == "urgent" and changed.json()["data"]["name"] == "First"
        worker_field = client.put(url, json={"progress_percentage": 100}, headers=bearer(token))
        assert worker_field.status_code == 422 and "progress_percentage" in worker_field.json()["message"]
        bad_status = client.put(url, json={"status": "COMPLETED"}, headers=bearer(token))
        assert bad_status.status_code == 422 and "cancelled" in bad_status.json()["message"]
        cancel = client.put(url, json={"status": "cancelled"}, headers=bearer(token))
        assert cancel.json()["data"]["status"] == "cancelled"
        late = client.put(url, json={"priority": "low"}, headers=bearer(token))
        assert late.status_code == 409


def test_restart_recovery_in_process(tmp_path: Path, clock: FakeClock) -> None:
    """RUNNING rows left by a crash: failed 'interrupted by restart', retried when retries are left."""
    with task_app(tmp_path, clock) as (client, services, token):
        client.post("/api/tasks/worker/stop", headers=bearer(token))
        ids = [quick(client, token, steps=1, max_retries=n)["id"] for n in (0, 1)]

        def crash(db: Any) -> None:
            db.execute("UPDATE tasks SET status = 'RUNNING'")

        services.db.write_sync(crash)
    with task_app(tmp_path, clock) as (client, _, token):
        failed = get_task(client, token, ids[0])
        assert failed["status"] == "failed" and failed["error_message"] == "interrupted by restart"
        retried = wait_task(client, token, ids[1], "completed")
        assert retried["retry_count"] == 1 and retried["error_message"] == "interrupted by restart"
