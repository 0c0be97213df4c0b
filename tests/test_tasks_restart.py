"""Restart recovery against the real daemon: kill -9 while tasks run, start again on the same data."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from conftest import bearer
from daemon_process import Daemon
from tasks_support import daemon_login, daemon_quick, daemon_task, daemon_wait

pytestmark = pytest.mark.daemon  # run by the full suite; left out of the fast part

PASSWORD = "restart-tasks-pw-1"
ENV = {
    "MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD,
    "MAKERMATRIX_EDGE_TASKS__ENABLE_TEST_TASKS": "true",
    "MAKERMATRIX_EDGE_TASKS__CONCURRENCY": "2",
    "MAKERMATRIX_EDGE_TASKS__RETRY_BACKOFF_SECONDS": "0",
}
LONG = {"steps": 100_000, "interval_ms": 20}


def test_killed_daemon_fails_running_tasks_and_retries_those_with_retries_left(tmp_path: Path) -> None:
    first = Daemon(tmp_path / "data", env=ENV)
    try:
        first.wait_healthy()
        token = daemon_login(first.url, PASSWORD)
        no_retries = daemon_quick(first.url, token, max_retries=0, **LONG)
        one_retry = daemon_quick(first.url, token, max_retries=1, **LONG)
        waiting = daemon_quick(first.url, token, max_retries=0, **LONG)
        for task in (no_retries, one_retry):
            daemon_wait(
                first.url, token, task["id"], lambda t: t["status"] == "running" and t["progress_percentage"] >= 0
            )
        assert daemon_task(first.url, token, waiting["id"])["status"] == "pending"
    finally:
        first.kill()  # SIGKILL: no shutdown code runs, as in a power cut

    second = Daemon(tmp_path / "data", env=ENV)
    try:
        second.wait_healthy()
        token = daemon_login(second.url, PASSWORD)
        failed = daemon_task(second.url, token, no_retries["id"])
        assert failed["status"] == "failed" and failed["error_message"] == "interrupted by restart"
        assert failed["completed_at"] is not None
        with connect(f"ws://127.0.0.1:{second.port}/ws/tasks?token={token}", open_timeout=10) as ws:
            assert json.loads(ws.recv(timeout=5))["type"] == "connection"
            ws.send(json.dumps({"type": "subscribe_task", "task_id": one_retry["id"], "exclusive": True}))
            # Updates of any task may arrive until the subscription is confirmed; from then on the
            # socket carries this task only.
            while json.loads(ws.recv(timeout=5))["type"] != "task_subscription":
                pass
            progress = []
            while len(progress) < 3:
                message = json.loads(ws.recv(timeout=5))
                if message["type"] == "task_update" and message["data"]["status"] == "running":
                    progress.append(message["data"])
            assert all(p["id"] == one_retry["id"] for p in progress)
            assert progress[-1]["retry_count"] == 1 and progress[-1]["error_message"] == "interrupted by restart"
            running = daemon_wait(second.url, token, waiting["id"], lambda t: t["status"] == "running")
            assert running["retry_count"] == 0
            cancel = httpx.post(f"{second.url}/api/tasks/{one_retry['id']}/cancel", headers=bearer(token), timeout=10)
            assert cancel.json()["data"]["status"] == "cancelled"
            # SIGTERM with a live socket and a running task: a clean, quick stop; the task waits for the next start
            assert second.stop() == 0
        assert "interrupted by a restart" in second.log()
    finally:
        second.kill()
    with sqlite3.connect(tmp_path / "data" / "makermatrix.db") as conn:
        status, retries, step = conn.execute(
            "SELECT status, retry_count, current_step FROM tasks WHERE id = ?", [waiting["id"]]
        ).fetchone()
    assert (status, retries) == ("PENDING", 0) and "shutdown" in step
