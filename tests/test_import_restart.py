"""A large import that asked for enrichment and is queued again by a restart still enriches its parts.

The import task runs after the restart in a daemon that never saw the request: whatever queues the
enrichment must come from the daemon built at that start, not from the one that took the upload.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import FakeClock, bearer
from supplier_fakes import Fakes, supplier_fakes, supplier_settings
from tasks_support import task_app, wait_task
from test_import_batches import under_way, update_of
from test_orders_routes import LCSC_HEADER, lcsc_lines
from test_ws import receive_until

pytestmark = pytest.mark.daemon  # each test runs an import's child process (python -m makermatrix_edge.orders.child)

# Two parts the fake LCSC knows, first in the file so they are enriched first.
KNOWN = "C2040,,,,,MCU,YES,5,1\\1,0.70,3.50\nC25804,,,,,10k,YES,100,1\\1,0.01,1.00\n"
BIG = 20_000  # lines: several seconds of batches, so surely still running when the stop comes


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    with supplier_fakes() as running:
        yield running


def sections(fakes: Fakes) -> dict[str, Any]:
    # A stop waits for the import to end between two batches, as the daemon's default grace lets it
    # (the quick tests' 1 s could leave its thread behind on a loaded machine).
    return {
        "suppliers": supplier_settings(fakes),
        "imports": {"task_threshold_rows": 1},
        "tasks": {"cancel_grace_seconds": 30},
    }


def ended(task: dict[str, Any]) -> bool:
    return task["status"] in ("completed", "failed", "cancelled")


def upload(client: TestClient[Any], admin: str, text: str) -> str:
    files = {"file": ("LCSC_Exported__20250301_101010.csv", text.encode())}
    response = client.post("/api/import/file", files=files, data={"enable_enrichment": "true"}, headers=bearer(admin))
    assert response.status_code == 202, response.text
    return str(response.json()["data"]["task_id"])


def part(client: TestClient[Any], admin: str, number: str) -> dict[str, Any]:
    response = client.get(f"/api/parts/get_part?part_number={number}", headers=bearer(admin))
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def test_an_import_queued_before_a_restart_enriches_its_parts_after_it(
    tmp_path: Path, clock: FakeClock, fakes: Fakes
) -> None:
    with task_app(tmp_path, clock, **sections(fakes)) as (client, _, admin):
        assert client.post("/api/tasks/worker/stop", headers=bearer(admin)).status_code == 200
        task_id = upload(client, admin, LCSC_HEADER + "\n" + KNOWN)
    # The next start: the import runs now, in a daemon that did not take the upload.
    with task_app(tmp_path, clock, **sections(fakes)) as (client, _, admin):
        done = wait_task(client, admin, task_id, ended, timeout=60)
        assert done["status"] == "completed" and done["result_data"]["created_count"] == 2, done
        enrichment_id = done["result_data"]["enrichment_task_id"]
        assert enrichment_id, done["result_data"]
        enriched = wait_task(client, admin, enrichment_id, "completed", timeout=30)
        assert enriched["task_type"] == "file_import_enrichment" and enriched["result_data"]["enriched"] == 2
        assert part(client, admin, "C2040")["manufacturer"] == "Raspberry Pi"
        assert part(client, admin, "C25804")["manufacturer"] == "UNI-ROYAL(Uniroyal Elec)"


def test_an_import_stopped_midway_by_a_shutdown_enriches_its_parts_after_the_next_start(
    tmp_path: Path, clock: FakeClock, fakes: Fakes
) -> None:
    text = LCSC_HEADER + "\n" + KNOWN + lcsc_lines(BIG).split("\n", 1)[1]
    with (
        task_app(tmp_path, clock, **sections(fakes)) as (client, _, admin),
        client.websocket_connect(f"/ws/tasks?token={admin}") as ws,
    ):
        ws.receive_json(timeout=5)
        task_id = upload(client, admin, text)
        receive_until(ws, update_of(task_id, under_way), timeout=120)
    # Leaving the app was the shutdown: the import stopped between two batches and waits for the next start.
    with task_app(tmp_path, clock, **sections(fakes)) as (client, _, admin):
        assert client.get(f"/api/tasks/{task_id}", headers=bearer(admin)).json()["data"]["retry_count"] == 0
        done = wait_task(client, admin, task_id, ended, timeout=600)
        assert done["status"] == "completed" and done["result_data"]["created_count"] == BIG + 2, done
        enrichment_id = done["result_data"]["enrichment_task_id"]
        assert enrichment_id, done["result_data"]
        # The parts are enriched in the file's order: the two the supplier knows come first.
        wait_task(client, admin, enrichment_id, lambda _: part(client, admin, "C25804")["manufacturer"] is not None, 60)
        assert part(client, admin, "C2040")["manufacturer"] == "Raspberry Pi"
        assert client.post(f"/api/tasks/{enrichment_id}/cancel", headers=bearer(admin)).status_code == 200
