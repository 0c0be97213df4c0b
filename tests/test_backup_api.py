"""The backup routes: admin only, list/download (traversal-proof), status, export, legacy, nightly job."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import FakeClock, add_user, bearer, login
from inventory_helpers import add_location, add_part
from tasks_support import task_app, wait_task


def _backup(client: Any, admin: str) -> dict[str, Any]:
    created = client.post("/api/utility/backup/create", headers=bearer(admin))
    assert created.status_code == 200, created.text
    data = dict(created.json()["data"])
    wait_task(client, admin, data["task_id"], "completed")
    return data


def test_create_list_download_and_traversal(tmp_path: Path, clock: FakeClock) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    (drive / "holiday.zip").write_bytes(b"someone else's file")
    (tmp_path / "data").mkdir()
    with task_app(tmp_path, clock, backup={"target": str(drive)}) as (client, services, admin):
        h = bearer(admin)
        created = _backup(client, admin)
        assert created["task_type"] == "backup_creation"
        assert created["expected_backup_location"] == f"{drive}/{created['backup_name']}.zip"
        assert created["monitor_url"] == f"/api/tasks/{created['task_id']}"
        listed = client.get("/api/utility/backup/list", headers=h).json()["data"]["backups"]
        assert [b["filename"] for b in listed] == [f"{created['backup_name']}.zip"]  # not holiday.zip
        entry = listed[0]
        assert set(entry) >= {"filename", "size_bytes", "size_mb", "created_at", "verified", "download_url"}
        got = client.get(entry["download_url"], headers=h)
        assert got.status_code == 200 and got.content == (drive / entry["filename"]).read_bytes()
        assert got.headers["content-type"] == "application/zip"

        for name in (
            "holiday.zip",
            "..%2Fdata%2Fmakermatrix.db",
            "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
            "..",
            "makermatrix_backups.json",
            "..%5Cmakermatrix.db",
            "x%00.zip",
        ):
            response = client.get(f"/api/utility/backup/download/{name}", headers=h)
            assert response.status_code == 404, (name, response.status_code)

        # MakerMatrix's newer family, /api/backup/*, over the same backups
        newer = client.get("/api/backup/list", headers=h).json()["data"]
        assert newer["total_count"] == 1 and newer["total_size_mb"] == entry["size_mb"]
        assert newer["backups"][0]["download_url"] == f"/api/backup/download/{entry['filename']}"
        same = client.get(newer["backups"][0]["download_url"], headers=h)
        assert same.status_code == 200 and same.content == got.content
        for name in ("holiday.zip", "x%00.zip", "..%5Cmakermatrix.db"):  # names that reach the lookup
            refused = client.get(f"/api/backup/download/{name}", headers=h)
            assert refused.status_code == 404 and refused.json()["message"] == "Backup not found", name
        with pytest.raises(Exception, match="Backup not found"):
            services.backups.find("../makermatrix.db")


def test_only_admins_touch_backups(tmp_path: Path, clock: FakeClock) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    with task_app(tmp_path, clock, backup={"target": str(drive)}) as (client, _, admin):
        add_user(client, admin, "bob", "user")
        bob = bearer(login(client, "bob", "password-123"))
        for method, path in (
            ("POST", "/api/utility/backup/create"),
            ("GET", "/api/utility/backup/list"),
            ("GET", "/api/utility/backup/status"),
            ("GET", "/api/utility/backup/export"),
            ("GET", "/api/utility/backup/download"),
            ("POST", "/api/tasks/quick/database_backup"),
        ):
            response = client.request(method, path, headers=bob, json={} if method == "POST" else None)
            assert response.status_code == 403, (path, response.status_code)
        assert client.get("/api/utility/backup/list").status_code == 401
        for path in ("/api/backup/list", "/api/backup/download/test_backup.zip"):
            assert client.get(path).status_code == 401, path
            assert client.get(path, headers=bob).status_code == 403, path


def test_status_export_and_legacy_download(tmp_path: Path, clock: FakeClock) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    backup = {"target": str(drive), "enabled": True, "schedule": "30 2 * * *"}
    with task_app(tmp_path, clock, backup=backup, schedule={"database_cleanup": False, "timezone": "UTC"}) as (
        client,
        _,
        admin,
    ):
        h = bearer(admin)
        loc = add_location(client, h, "Bin 7")
        for i in range(3):
            add_part(client, h, f"Cap {i}", location_id=loc)
        status = client.get("/api/utility/backup/status", headers=h).json()["data"]
        assert status["parts_count"] == 3 and status["locations_count"] == 1
        assert status["total_records"] == 4 + status["categories_count"]
        assert status["last_result"] == "never" and status["target"] == str(drive)
        assert status["next_scheduled_run"].endswith("02:30:00+00:00")
        assert status["database_size"] > 0

        legacy = client.get("/api/utility/backup/download", headers=h)
        assert legacy.status_code == 200 and legacy.json()["data"]["task_type"] == "backup_creation"
        wait_task(client, admin, legacy.json()["data"]["task_id"], "completed")
        status = client.get("/api/utility/backup/status", headers=h).json()["data"]
        assert status["last_result"] == "success" and status["last_backup_file"].endswith(".zip")

        export = client.get("/api/utility/backup/export", headers=h)
        assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
        body = export.json()
        assert sorted(p["part_name"] for p in body["parts"]) == ["Cap 0", "Cap 1", "Cap 2"]
        assert [loc_["name"] for loc_ in body["locations"]] == ["Bin 7"]
        assert "categories" in body and "exported_at" in body


def test_quick_task_takes_the_spec_body(tmp_path: Path, clock: FakeClock) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    (tmp_path / "data" / "images").mkdir(parents=True)
    (tmp_path / "data" / "images" / "0b6e9d2e-4b7c-4f55-9d5e-2a7a5d0c1e11.png").write_bytes(b"png bytes")
    with task_app(tmp_path, clock, backup={"target": str(drive)}) as (client, _, admin):
        body = {"backup_name": "no_pictures", "include_images": False, "include_datasheets": False}
        created = client.post("/api/tasks/quick/database_backup", json=body, headers=bearer(admin))
        assert created.status_code == 200, created.text
        data = created.json()["data"]
        assert data["name"] == "Database Backup: no_pictures" and data["priority"] == "high"
        wait_task(client, admin, data["id"], "completed")
        bad = client.post("/api/tasks/quick/database_backup", json={"backup_name": "../x"}, headers=bearer(admin))
        failed = wait_task(client, admin, bad.json()["data"]["id"], "failed")
        assert "backup_name" in failed["error_message"]
    import zipfile

    with zipfile.ZipFile(drive / "no_pictures.zip") as zf:
        assert not any(n.startswith("images/") for n in zf.namelist())


def test_nightly_job_writes_a_verified_backup_and_a_missed_night_runs_at_start(
    tmp_path: Path, clock: FakeClock
) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    backup = {"target": str(drive), "enabled": True, "schedule": "30 2 * * *"}
    schedule = {"database_cleanup": False, "timezone": "UTC", "catch_up_hours": 24}
    clock.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()
    with task_app(tmp_path, clock, backup=backup, schedule=schedule) as (client, services, admin):
        assert "backup" in [j["name"] for j in services.scheduler.jobs()]
        assert client.get("/api/tasks/", headers=bearer(admin)).json()["total_parts"] == 0  # first start
    clock.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp()  # the Pi was off at 02:30
    with task_app(tmp_path, clock, backup=backup, schedule=schedule) as (client, services, admin):
        [task] = client.get("/api/tasks/", headers=bearer(admin)).json()["data"]
        assert task["task_type"] == "backup_creation" and task["name"] == "Scheduled: Database backup"
        done = wait_task(client, admin, task["id"], "completed")
        assert done["result_data"]["verified"] is True
        assert (drive / done["result_data"]["filename"]).is_file()


def test_export_pages_through_tables_without_losing_rows(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("makermatrix_edge.backups.export.PAGE", 2)
    with task_app(tmp_path, clock) as (client, _, admin):
        h = bearer(admin)
        for i in range(5):
            add_part(client, h, f"Diode {i}", category_names=["Diodes", f"Group {i % 2}"])
        body = client.get("/api/utility/backup/export", headers=h).json()
    assert sorted(p["part_name"] for p in body["parts"]) == [f"Diode {i}" for i in range(5)]
    assert len(body["part_categories"]) == 10 and len(body["categories"]) == 3
