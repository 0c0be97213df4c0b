"""The ten /api/csv routes, /api/import/suppliers and /preview, large imports as tasks, the enrichment hook."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import FakeClock, bearer
from makermatrix_edge import daemon
from tasks_support import task_app, wait_task
from test_orders_bad_input import LCSC_HEADER
from test_orders_import import SAMPLES, upload
from test_ws import receive_until

LCSC_FILE = SAMPLES / "LCSC_Exported__20241222_232708.csv"


def lcsc_lines(n: int, start: int = 0) -> str:
    rows = [
        f"C{100000 + i},MPN-{i},Maker,,0603,part {i},YES,{10 + i % 7},1\\1,0.01,0.1" for i in range(start, start + n)
    ]
    return LCSC_HEADER + "\n" + "\n".join(rows) + "\n"


def test_supported_types_parsers_and_filename_info(client: TestClient[Any], admin_token: str) -> None:
    auth = bearer(admin_token)
    types = client.get("/api/csv/supported-types", headers=auth).json()["data"]
    assert {t["parser_type"] for t in types} == {"lcsc", "digikey", "mouser"}
    info = client.get("/api/csv/parsers/mouser/info", headers=auth).json()["data"]
    assert info["file_types"] == ["xls", "xlsx", "csv"] and "Mouser #:" in info["example_header"]
    assert client.get("/api/csv/parsers/farnell/info", headers=auth).status_code == 404
    for name, expected in [
        ("LCSC_Exported__20241222_232708.csv", ("lcsc", "20241222_232708", "2024-12-22")),
        ("LCSC_Exported__20241222_232708.xls", ("lcsc", "20241222_232708", "2024-12-22")),  # saved from Excel
        ("DK_PRODUCTS_86409460.csv", ("digikey", "86409460", None)),
        ("271360826.xls", ("mouser", "271360826", None)),
        ("my-order.csv", (None, None, None)),
    ]:
        got = client.post("/api/csv/extract-filename-info", json={"filename": name}, headers=auth).json()["data"]
        assert (got["supplier"], got["order_number"], got["order_date"]) == expected
    suppliers = client.get("/api/import/suppliers", headers=auth).json()["data"]
    lcsc = next(s for s in suppliers if s["name"] == "lcsc")
    assert lcsc["supported_file_types"] == ["csv"] and lcsc["import_available"] is True
    assert lcsc["enrichment_available"] is True and lcsc["enrichment_missing_credentials"] == []  # LCSC needs no key
    digikey = next(s for s in suppliers if s["name"] == "digikey")
    assert digikey["enrichment_available"] is False
    assert set(digikey["enrichment_missing_credentials"]) == {"client_id", "client_secret"}
    assert "digikey_client_id" in digikey["enrichment_message"]


def test_config_get_and_put(client: TestClient[Any], admin_token: str) -> None:
    auth = bearer(admin_token)
    assert client.get("/api/csv/config", headers=auth).json()["data"]["download_timeout_seconds"] == 30
    body = {"download_datasheets": False, "download_timeout_seconds": 60}
    assert client.put("/api/csv/config", json=body, headers=auth).status_code == 200
    got = client.get("/api/csv/config", headers=auth).json()["data"]
    assert (got["download_datasheets"], got["download_timeout_seconds"], got["download_images"]) == (False, 60, True)
    bad = client.put("/api/csv/config", json={"download_timeout_seconds": 0}, headers=auth)
    assert bad.status_code == 422


def test_parse_previews_each_row_without_writing(client: TestClient[Any], admin_token: str) -> None:
    auth = bearer(admin_token)
    upload(client, admin_token, SAMPLES / "history_067e2dc_ai-model_orders" / "LCSC_Exported__20241222_232709.csv")
    text = (SAMPLES / "LCSC_Exported__20241222_232711.csv").read_text()
    text += "C77,NEW-1,Maker,,0603,new thing,YES,7,1\\1,0.5,3.5\n,,,,,,,,,Total,14.00\n"
    body = {"csv_content": text, "filename": "LCSC_Exported__20241222_232711.csv"}
    answer = client.post("/api/csv/parse", json=body, headers=auth).json()
    preview = answer["data"]
    assert (preview["supplier"], preview["order_number"], preview["importable"]) == ("lcsc", "20241222_232711", True)
    assert [(r["row"], r["action"]) for r in preview["rows"]] == [(2, "adds"), (3, "new part"), (4, "skipped")]
    # Imported parts are named from the description (issue 24 point 7).
    assert preview["rows"][0]["message"] == "adds 3000 to '100 nF 100 V X7R 0805 ceramic capacitor' (now 6000)"
    assert preview["rows"][1]["message"] == "new part 'new thing' with 7"
    assert preview["rows"][2]["message"] == "skipped: subtotal line, not a part"
    part = client.get("/api/parts/get_part?part_number=C6119927", headers=auth).json()["data"]
    assert part["quantity"] == 3000  # nothing written
    assert client.get("/api/orders", headers=auth).json()["total_parts"] == 1
    # The same for any file, multipart; a file already imported is not importable.
    with LCSC_FILE.open("rb") as fh:
        content = fh.read()
    upload(client, admin_token, LCSC_FILE)
    again = client.post("/api/import/preview", files={"file": (LCSC_FILE.name, content)}, headers=auth).json()
    assert again["data"]["importable"] is False and again["data"]["already_imported"]["order_number"]
    assert "already imported" in again["message"]
    bad = text.replace(",7,1\\1", ",seven,1\\1")
    errors = client.post("/api/csv/parse", json={"csv_content": bad}, headers=auth).json()["data"]
    assert errors["importable"] is False and errors["errors"][0]["row"] == 3
    assert errors["rows"][1]["action"] == "error"


def test_csv_import_and_import_file(client: TestClient[Any], admin_token: str) -> None:
    auth = bearer(admin_token)
    body = {
        "csv_content": LCSC_FILE.read_text(),
        "parser_type": "lcsc",
        "order_info": {"supplier": "LCSC", "order_number": "X-1"},
    }
    done = client.post("/api/csv/import", json=body, headers=auth)
    assert done.status_code == 200, done.text
    assert done.json()["data"]["created_count"] == 5 and done.json()["data"]["order_number"] == "X-1"
    assert "5 new parts" in done.json()["message"]
    assert client.post("/api/csv/import", json=body, headers=auth).status_code == 409
    dk = SAMPLES / "DK_PRODUCTS_88269818.csv"
    form = upload(client, admin_token, dk, url="/api/csv/import-file", parser_type="digikey")
    assert form.status_code == 200 and form.json()["data"]["supplier"] == "digikey"
    assert client.post("/api/csv/import", json={"csv_content": ""}, headers=auth).status_code == 422


@pytest.mark.daemon  # a large import: its child process writes the order
def test_large_import_runs_as_task_with_progress_on_ws(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock, imports={"task_threshold_rows": 50}) as (client, _, admin):
        with client.websocket_connect(f"/ws/tasks?token={admin}") as ws:
            ws.receive_json(timeout=5)
            response = client.post(
                "/api/import/file", files={"file": ("big.csv", lcsc_lines(350).encode())}, headers=bearer(admin)
            )
            assert response.status_code == 202, response.text
            task_id = response.json()["data"]["task_id"]
            seen = receive_until(
                ws,
                lambda m: (
                    m["type"] == "task_update" and m["data"]["id"] == task_id and m["data"]["status"] == "completed"
                ),
            )
        steps = [
            m["data"]["progress_percentage"] for m in seen if m["type"] == "task_update" and m["data"]["id"] == task_id
        ]
        assert any(10 < p < 100 for p in steps), steps
        task = wait_task(client, admin, task_id, "completed")
        assert task["result_data"]["created_count"] == 350
        progress = client.get("/api/csv/import/progress", headers=bearer(admin)).json()["data"]
        assert (progress["task_id"], progress["status"], progress["progress_percentage"]) == (task_id, "completed", 100)
        part = client.get("/api/parts/get_part?part_number=C100000", headers=bearer(admin)).json()["data"]
        assert part["quantity"] == 10
        history = client.get(f"/api/parts/{part['id']}/history", headers=bearer(admin)).json()["data"]
        assert history[0]["username"] == "admin" and history[0]["source"] == "import"
        # with-progress is always a task, and a repeated order is refused before any task is made.
        body = {"csv_content": lcsc_lines(3, start=1000), "filename": "LCSC_Exported__20250101_101010.csv"}
        queued = client.post("/api/csv/import/with-progress", json=body, headers=bearer(admin))
        assert queued.status_code == 202
        wait_task(client, admin, queued.json()["data"]["task_id"], "completed")
        assert client.post("/api/csv/import/with-progress", json=body, headers=bearer(admin)).status_code == 409


class FakeEnricher:
    def __init__(self) -> None:
        self.calls: list[tuple[list[str], list[str]]] = []
        self.done = threading.Event()

    def enrich_parts(self, ctx: Any, part_ids: list[str], capabilities: list[str]) -> dict[str, Any]:
        self.calls.append((part_ids, capabilities))
        ctx.progress(100, "enriched")
        self.done.set()
        return {"enriched": len(part_ids)}


def build_with_enricher(monkeypatch: pytest.MonkeyPatch, enricher: Any) -> None:
    """Daemons built from here have this in place of supplier enrichment (None: a daemon without it)."""
    monkeypatch.setattr(daemon, "ImportEnricher", lambda service: enricher)


def test_enable_enrichment_queues_the_hook_for_new_parts(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeEnricher()
    build_with_enricher(monkeypatch, fake)
    with task_app(tmp_path, clock) as (client, _, admin):
        response = upload(
            client,
            admin,
            LCSC_FILE,
            enable_enrichment="true",
            enrichment_capabilities="get_part_details,fetch_datasheet",
        )
        assert response.status_code == 200, response.text
        result = response.json()["data"]
        task = wait_task(client, admin, result["enrichment_task_id"], "completed")
        assert task["task_type"] == "file_import_enrichment" and task["result_data"] == {"enriched": 5}
        assert fake.calls == [(result["created_part_ids"], ["get_part_details", "fetch_datasheet"])]
        quick = client.post(
            "/api/tasks/quick/csv_enrichment", json={"order_id": result["order_id"]}, headers=bearer(admin)
        )
        assert quick.status_code == 200
        wait_task(client, admin, quick.json()["data"]["id"], "completed")
        assert sorted(fake.calls[1][0]) == sorted(result["created_part_ids"])


def test_a_large_import_task_queues_enrichment_too(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeEnricher()
    build_with_enricher(monkeypatch, fake)
    with task_app(tmp_path, clock, imports={"task_threshold_rows": 50}) as (client, _, admin):
        response = client.post(
            "/api/import/file",
            files={"file": ("big.csv", lcsc_lines(60).encode())},
            data={"enable_enrichment": "true"},
            headers=bearer(admin),
        )
        assert response.status_code == 202, response.text
        task = wait_task(client, admin, response.json()["data"]["task_id"], "completed")
        result = task["result_data"]
        assert result["created_count"] == 60 and result["enrichment_task_id"]
        enrich = wait_task(client, admin, result["enrichment_task_id"], "completed")
        assert enrich["created_by_user_id"] == task["created_by_user_id"]
        assert sorted(fake.calls[0][0]) == sorted(result["created_part_ids"])


def test_a_large_import_without_the_enricher_says_so(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_with_enricher(monkeypatch, None)  # a daemon built without supplier enrichment
    with task_app(tmp_path, clock, imports={"task_threshold_rows": 50}) as (client, _, admin):
        response = client.post(
            "/api/import/file",
            files={"file": ("big.csv", lcsc_lines(60).encode())},
            data={"enable_enrichment": "true"},
            headers=bearer(admin),
        )
        task = wait_task(client, admin, response.json()["data"]["task_id"], "completed")
        assert task["result_data"]["created_count"] == 60
        assert any("not available yet" in w for w in task["result_data"]["warnings"])


def test_an_import_stopped_midway_writes_nothing(client: TestClient[Any], admin_token: str, services: Any) -> None:
    from makermatrix_edge.orders.models import ImportOptions
    from makermatrix_edge.tasks.context import TaskCancelled

    content = lcsc_lines(250).encode()
    parsed = services.orders.parse(content, "big.csv", ImportOptions())
    seen: list[int] = []

    def stop_at_200(done: int, of: int) -> None:
        seen.append(done)
        if done >= 200:
            raise TaskCancelled("cancel")

    try:
        services.orders.run_import(parsed, "sha", ImportOptions(), None, stop_at_200)
    except TaskCancelled:
        pass
    else:
        raise AssertionError("the import was not stopped")
    assert seen == [100, 200]
    counts = client.get("/api/utility/get_counts", headers=bearer(admin_token)).json()["data"]
    assert counts["parts"] == 0 and counts["locations"] == 0  # not even the Unsorted location
    assert client.get("/api/orders", headers=bearer(admin_token)).json()["total_parts"] == 0
    done = client.post("/api/import/file", files={"file": ("big.csv", content)}, headers=bearer(admin_token))
    assert done.status_code == 200 and done.json()["data"]["created_count"] == 250
