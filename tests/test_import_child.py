"""A large import's transaction runs in a child process (orders/child.py): all of it, or nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import bearer
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Conflict
from makermatrix_edge.orders import child
from makermatrix_edge.orders.models import ImportOptions
from makermatrix_edge.services import Services
from makermatrix_edge.tasks.context import TaskCancelled
from test_orders_routes import lcsc_lines

pytestmark = pytest.mark.daemon  # each test runs an import's child process (python -m makermatrix_edge.orders.child)


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    """Every child process started, still the real one."""
    started: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    def spy(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        proc = real(*args, **kwargs)
        started.append(proc)
        return proc

    monkeypatch.setattr(child.subprocess, "Popen", spy)
    return started


def counts(client: TestClient[Any], token: str) -> tuple[int, int]:
    data = client.get("/api/utility/get_counts", headers=bearer(token)).json()["data"]
    orders = client.get("/api/orders", headers=bearer(token)).json()["total_parts"]
    return int(data["parts"]), int(orders)


def test_the_child_writes_the_whole_order_and_reports_progress(
    client: TestClient[Any], admin_token: str, services: Services, workers: list[subprocess.Popen[bytes]]
) -> None:
    parsed = services.orders.parse(lcsc_lines(250).encode(), "LCSC_Exported__20250101_101010.csv", ImportOptions())
    seen: list[tuple[int, int]] = []
    result = services.orders.run_import(
        parsed, "sha-1", ImportOptions(), None, lambda done, of: seen.append((done, of)), in_child=True
    )
    assert len(workers) == 1 and workers[0].returncode == 0  # another process did it, and ended
    assert seen[-1] == (250, 250) and seen == sorted(seen)  # after each batch
    assert (result.created_count, len(result.part_ids)) == (250, 250)
    assert counts(client, admin_token) == (250, 1)
    part = client.get("/api/parts/get_part?part_number=C100003", headers=bearer(admin_token)).json()["data"]
    assert part["quantity"] == 13 and part["location"]["name"] == "Unsorted"
    history = client.get(f"/api/parts/{part['id']}/history", headers=bearer(admin_token)).json()["data"]
    assert history[0]["source"] == "import"


def test_a_cancelled_import_kills_the_child_and_writes_nothing(
    client: TestClient[Any], admin_token: str, services: Services, workers: list[subprocess.Popen[bytes]]
) -> None:
    parsed = services.orders.parse(lcsc_lines(250).encode(), "big.csv", ImportOptions())

    def cancel_at_200(done: int, of: int) -> None:
        if done >= 200:
            raise TaskCancelled("cancel")

    with pytest.raises(TaskCancelled):
        services.orders.run_import(parsed, "sha-2", ImportOptions(), None, cancel_at_200, in_child=True)
    assert workers[0].returncode is not None and workers[0].returncode != 0  # killed mid-transaction
    assert counts(client, admin_token) == (0, 0)
    # The database is whole: the same file imports afterwards.
    again = services.orders.run_import(parsed, "sha-2", ImportOptions(), None, None, in_child=True)
    assert again.created_count == 250 and counts(client, admin_token) == (250, 1)


def test_a_refusal_in_the_child_comes_back_as_the_same_error(services: Services) -> None:
    parsed = services.orders.parse(lcsc_lines(20).encode(), "LCSC_Exported__20250101_101010.csv", ImportOptions())
    services.orders.run_import(parsed, "sha-3", ImportOptions(), None, None)  # in the daemon
    with pytest.raises(Conflict, match="already imported"):
        services.orders.run_import(parsed, "sha-3", ImportOptions(), None, None, in_child=True)


def test_a_write_queued_during_the_import_goes_between_two_batches(
    services: Services, workers: list[subprocess.Popen[bytes]]
) -> None:
    parsed = services.orders.parse(lcsc_lines(150).encode(), "big.csv", ImportOptions())
    other_done = threading.Event()
    priorities: list[int] = []

    def other_write() -> None:
        services.db.write_sync(lambda d: d.execute("INSERT INTO roles (id, name) VALUES ('r', 'waiter')"))
        other_done.set()

    def between_batches(done: int, of: int) -> None:
        if priorities:
            return
        # The child has not been reaped yet (the parent is here): its priority is still readable.
        priorities.append(os.getpriority(os.PRIO_PROCESS, workers[0].pid))
        writer = threading.Thread(target=other_write)
        writer.start()
        assert other_done.wait(30)  # the writer is free between two batches: it does not wait for the import
        writer.join()

    services.orders.run_import(parsed, "sha-4", ImportOptions(), None, between_batches, in_child=True)
    assert priorities and priorities[0] == min(19, os.getpriority(os.PRIO_PROCESS, 0) + child.NICENESS)
    names = services.db.read_sync(lambda d: [r[0] for r in d.execute("SELECT name FROM roles WHERE id = 'r'")])
    assert names == ["waiter"]


def test_a_child_that_cannot_start_its_work_is_reported(tmp_path: Path, services: Services) -> None:
    parsed = services.orders.parse(lcsc_lines(3).encode(), "small.csv", ImportOptions())
    job = child.ImportJob(
        parsed=parsed,
        sha="x",
        options=ImportOptions(),
        actor=None,
        order_id="o",
        reference="r",
        now="2026-12-03T00:00:00Z",
        unsorted_location="Unsorted",
        order_row={},
    )
    gone = Database(tmp_path / "gone" / "x.db")
    gone.open()
    shutil.rmtree(tmp_path / "gone")  # the daemon keeps its open file; a new connection finds nothing
    try:
        with pytest.raises(RuntimeError, match="import worker failed: OperationalError"):
            child.run_in_child(gone, job, None)
    finally:
        gone.close()
