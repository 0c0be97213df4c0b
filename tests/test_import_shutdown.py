"""A stop (SIGTERM, as systemd sends it) during a large import: the daemon ends within the unit's stop
timeout, its import child with it, and the next start takes the half-written import back before the
import, queued again, runs once more and lands exactly once."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]
import pytest

from daemon_process import Daemon
from test_orders_routes import lcsc_lines
from test_systemd_units import UNIT, directives

pytestmark = pytest.mark.daemon  # each test runs an import's child process (python -m makermatrix_edge.orders.child)

LINES = 20_000


def login(daemon: Daemon) -> dict[str, str]:
    password = (daemon.data_dir / "initial-admin-password").read_text().strip()
    token = httpx.post(daemon.url + "/api/auth/login", json={"username": "admin", "password": password}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def task(daemon: Daemon, headers: dict[str, str], task_id: str) -> dict[str, Any]:
    return dict(httpx.get(f"{daemon.url}/api/tasks/{task_id}", headers=headers, timeout=30).json()["data"])


def wait_for(daemon: Daemon, headers: dict[str, str], task_id: str, check: Any, timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = task(daemon, headers, task_id)
        if check(seen):
            return seen
        time.sleep(0.05)  # polling the task's state, the way a phone without a socket follows it
    raise AssertionError(f"task never got there: {seen}")


def counts(db: Path) -> dict[str, Any]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        one = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("parts", "order_items")}
        one["orders"] = [r[0] for r in conn.execute("SELECT status FROM orders")]
        return one


def test_a_stop_during_a_large_import_ends_the_child_and_the_next_start_takes_it_back(tmp_path: Path) -> None:
    stop_timeout = int(directives(UNIT.read_text())["TimeoutStopSec"][0])
    data = tmp_path / "data"
    daemon = Daemon(data)
    try:
        daemon.wait_healthy(timeout=60)
        headers = login(daemon)
        files = {"file": ("LCSC_Exported__20250101_101010.csv", lcsc_lines(LINES).encode())}
        queued = httpx.post(daemon.url + "/api/import/file", files=files, headers=headers, timeout=120)
        assert queued.status_code == 202, queued.text
        task_id = queued.json()["data"]["task_id"]
        wait_for(daemon, headers, task_id, lambda t: (t["current_step"] or "").startswith("Imported"))
        workers = psutil.Process(daemon.proc.pid).children()
        assert [" ".join(w.cmdline()[1:3]) for w in workers] == ["-m makermatrix_edge.orders.child"]
        assert daemon.stop(timeout=stop_timeout) == 0  # within the unit's stop timeout (it says how much margin)
        assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)
        half = counts(data / "makermatrix.db")
        assert 0 < half["parts"] < LINES and half["orders"] == ["importing"]  # not shown, and taken back next
    finally:
        daemon.kill()
    again = Daemon(data)
    try:
        again.wait_healthy(timeout=120)
        headers = login(again)
        done = wait_for(again, headers, task_id, lambda t: t["status"] in ("completed", "failed"), timeout=600)
        assert done["status"] == "completed", done
        assert counts(data / "makermatrix.db") == {"parts": LINES, "order_items": LINES, "orders": ["imported"]}
        assert "taking back the unfinished import" in again.log()
    finally:
        again.stop(timeout=stop_timeout)
