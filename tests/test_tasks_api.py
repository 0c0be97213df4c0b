"""/api/tasks around the engine: who sees what, filters, limits, removed and unbuilt endpoints, handlers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD, FakeClock, add_user, bearer, login
from makermatrix_edge.clock import iso
from tasks_support import quick, task_app, wait_task

ENRICHMENT = {"part_enrichment", "datasheet_fetch", "image_fetch", "bulk_enrichment", "price_update"}
IMPORTS = {"order_file_import", "file_import_enrichment", "csv_enrichment"}


def test_removed_endpoints_are_410_and_point_to_quick(client: TestClient[Any], admin_token: str) -> None:
    for url in ("/api/tasks/", "/api/tasks/security/validate"):
        response = client.post(url, json={"task_type": "database_cleanup"}, headers=bearer(admin_token))
        assert response.status_code == 410, url
        assert "/api/tasks/quick/" in response.json()["message"]


def test_test_tasks_are_off_by_default_and_enrichment_is_built_in(client: TestClient[Any], admin_token: str) -> None:
    off = client.post("/api/tasks/quick/test_progress", json={}, headers=bearer(admin_token))
    assert off.status_code == 404
    types = client.get("/api/tasks/types/available", headers=bearer(admin_token)).json()["data"]
    available = {t["task_type"] for t in types if t["available"]}
    assert available == {"database_cleanup", "inventory_audit", "backup_creation"} | ENRICHMENT | IMPORTS
    caps = client.get("/api/tasks/capabilities/suppliers", headers=bearer(admin_token))
    assert caps.status_code == 200 and len(caps.json()["data"]) == 3


def test_users_see_their_own_tasks_admins_see_all(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock) as (client, _, admin):
        client.post("/api/tasks/worker/stop", headers=bearer(admin))
        alice_id = add_user(client, admin, "alice", "user")["id"]
        add_user(client, admin, "bob", "user")
        add_user(client, admin, "vera", "viewer")
        alice, bob, vera = (login(client, n, "password-123") for n in ("alice", "bob", "vera"))
        mine = quick(client, alice, steps=1, priority="high")
        quick(client, alice, steps=1)
        quick(client, bob, steps=1)
        assert client.get(f"/api/tasks/{mine['id']}", headers=bearer(bob)).status_code == 404
        assert client.post(f"/api/tasks/{mine['id']}/cancel", headers=bearer(bob)).status_code == 404
        listed = client.get("/api/tasks/", headers=bearer(bob)).json()
        assert listed["total_parts"] == 1
        other = client.get(f"/api/tasks/?created_by_user_id={alice_id}", headers=bearer(bob))
        assert other.status_code == 403
        assert client.get("/api/tasks/my", headers=bearer(alice)).json()["total_parts"] == 2
        everyone = client.get("/api/tasks/?limit=2&order_by=created_at&order_desc=false", headers=bearer(admin)).json()
        assert everyone["total_parts"] == 3 and len(everyone["data"]) == 2
        filtered = client.get("/api/tasks/?status=PENDING&status=running&priority=high", headers=bearer(admin))
        assert [t["id"] for t in filtered.json()["data"]] == [mine["id"]]
        assert client.get("/api/tasks/?status=sleeping", headers=bearer(admin)).status_code == 422
        assert client.get("/api/tasks/?order_by=password", headers=bearer(admin)).status_code == 422
        assert client.get("/api/tasks/?task_type=coffee", headers=bearer(admin)).status_code == 422
        denied = client.post("/api/tasks/quick/test_progress", json={}, headers=bearer(vera))
        assert denied.status_code == 403 and "tasks:write" in denied.json()["message"]
        assert client.post("/api/tasks/worker/start", headers=bearer(alice)).status_code == 403
        assert client.post("/api/tasks/quick/database_cleanup", headers=bearer(alice)).status_code == 403
        stats = client.get("/api/tasks/stats/summary", headers=bearer(alice)).json()["data"]
        assert stats["total"] == 2 and stats["by_status"] == {"pending": 2}
        perms = client.get("/api/tasks/security/permissions", headers=bearer(alice)).json()["data"]
        assert perms["sees_all_tasks"] is False and "inventory_audit" in perms["allowed_task_types"]
        assert "database_cleanup" not in perms["allowed_task_types"]


def test_per_user_limits_answer_429(tmp_path: Path, clock: FakeClock) -> None:
    limits = {"max_active_per_user": 2, "max_per_user_per_hour": 3}
    with task_app(tmp_path, clock, tasks=limits) as (client, _, admin):
        client.post("/api/tasks/worker/stop", headers=bearer(admin))
        first, _ = quick(client, admin, steps=1), quick(client, admin, steps=1)
        third = client.post("/api/tasks/quick/test_progress", json={}, headers=bearer(admin))
        assert third.status_code == 429 and "unfinished" in third.json()["message"]
        assert third.headers["retry-after"] == "30"
        usage = client.get("/api/tasks/security/limits", headers=bearer(admin)).json()["data"]
        assert usage["active_tasks"] == {"used": 2, "limit": 2}
        assert usage["tasks_last_hour"] == {"used": 2, "limit": 3}
        client.post(f"/api/tasks/{first['id']}/cancel", headers=bearer(admin))
        quick(client, admin, steps=1)
        refused = client.post(f"/api/tasks/{first['id']}/retry", headers=bearer(admin))  # would make 3 active
        assert refused.status_code == 429
        for task in client.get("/api/tasks/?status=pending", headers=bearer(admin)).json()["data"]:
            client.post(f"/api/tasks/{task['id']}/cancel", headers=bearer(admin))
        clock.advance(1800)
        hourly = client.post("/api/tasks/quick/inventory_audit", headers=bearer(admin))
        assert hourly.status_code == 429 and "last hour" in hourly.json()["message"]
        assert 1799 <= int(hourly.headers["retry-after"]) <= 1801


def test_inventory_audit_finds_low_stock_and_inconsistent_history(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock) as (client, services, admin):
        h = bearer(admin)
        low = client.post(
            "/api/parts/add_part", json={"part_name": "NE555", "quantity": 2, "min_quantity": 5}, headers=h
        )
        ok_part = client.post("/api/parts/add_part", json={"part_name": "LM358", "quantity": 9}, headers=h)
        low_id, ok_id = low.json()["data"]["id"], ok_part.json()["data"]["id"]
        clean = wait_task(client, admin, quick(client, admin, "inventory_audit")["id"], "completed")["result_data"]
        assert clean["consistent"] is True and clean["parts_checked"] == 2
        assert [p["part_name"] for p in clean["low_stock"]] == ["NE555"] and clean["low_stock_count"] == 1

        def tamper(db: Any) -> None:  # history is append-only, but a bad import could still add a wrong row
            db.execute(
                "INSERT INTO stock_movements (part_id, delta, quantity_after, reason, source, created_at) "
                "VALUES (?, 1, 7, 'bad', 'system', ?), ('gone-part', 3, 3, 'bad', 'system', ?)",
                [ok_id, iso(clock()), iso(clock())],
            )

        services.db.write_sync(tamper)
        audit = wait_task(client, admin, quick(client, admin, "inventory_audit")["id"], "completed")["result_data"]
        assert audit["consistent"] is False and audit["inconsistency_count"] == 2
        problems = {i["part_id"]: " ".join(i["problems"]) for i in audit["inconsistencies"]}
        assert "newest movement says 7" in problems[ok_id] and "running total" in problems[ok_id]
        assert "ends at 3" in problems["gone-part"] and low_id not in problems


def test_database_cleanup_prunes_old_finished_tasks_and_checkpoints(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock, tasks={"keep_finished_days": 30}) as (client, services, admin):
        old = wait_task(client, admin, quick(client, admin, steps=1)["id"], "completed")
        clock.advance(31 * 86400)
        admin = login(client, "admin", ADMIN_PASSWORD)  # the old token expired with the jump
        recent = wait_task(client, admin, quick(client, admin, steps=1)["id"], "completed")
        cleanup = client.post("/api/tasks/quick/database_cleanup", headers=bearer(admin))
        assert cleanup.status_code == 200 and cleanup.json()["data"]["priority"] == "low"
        result = wait_task(client, admin, cleanup.json()["data"]["id"], "completed")["result_data"]
        assert result["deleted_tasks"] == 1 and result["optimized"] is True
        assert result["wal_checkpoint"]["busy"] is False
        assert client.get(f"/api/tasks/{old['id']}", headers=bearer(admin)).status_code == 404
        assert client.get(f"/api/tasks/{recent['id']}", headers=bearer(admin)).status_code == 200
        bad = client.post("/api/tasks/quick/database_cleanup", json={"older_than_days": 0}, headers=bearer(admin))
        assert bad.status_code == 422
        assert services.tasks.registry.find("database_cleanup") is not None
