"""Supplier secrets an admin enters live beside the database, never in it, so backups do not carry them."""

from __future__ import annotations

import stat
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD, FakeClock, bearer, login
from daemon_process import CONSOLE_SCRIPT
from makermatrix_edge.backups.service import BackupOptions
from makermatrix_edge.db.connection import connect
from makermatrix_edge.db.migrations import migrations
from makermatrix_edge.runtime.secret_file import SUPPLIER_SECRETS, SecretFile
from supplier_fakes import DIGIKEY_ID, DIGIKEY_SECRET, MOUSER_KEY, supplier_fakes, supplier_settings
from tasks_support import quick, task_app, wait_task

NEW_MIGRATION = "0016_supplier_secrets_out_of_database"


def enrich_digikey(client: TestClient[Any], token: str, name: str = "BC857B") -> dict[str, Any]:
    part = client.post(
        "/api/parts/add_part", json={"part_name": name, "part_number": "BC857BLT1GOSCT-ND"}, headers=bearer(token)
    ).json()["data"]
    task = quick(client, token, "part_enrichment", part_id=part["id"])
    return wait_task(client, token, task["id"], lambda t: t["status"] in ("completed", "failed"), timeout=20)


def files_holding(folder: Path, secret: bytes) -> list[str]:
    return [p.name for p in folder.iterdir() if p.is_file() and secret in p.read_bytes()]


@pytest.mark.daemon
def test_an_admins_digikey_secret_stays_out_of_the_database_and_a_restore_elsewhere_asks_for_it(
    tmp_path: Path, clock: FakeClock
) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    with supplier_fakes() as fakes:
        settings = supplier_settings(fakes, digikey_client_id="", digikey_client_secret="")
        with task_app(tmp_path / "pi", clock, suppliers=settings, backup={"target": str(drive)}) as (
            client,
            services,
            token,
        ):
            url = "/api/suppliers/digikey/credentials"
            stored = client.post(
                url, json={"client_id": DIGIKEY_ID, "client_secret": DIGIKEY_SECRET}, headers=bearer(token)
            )
            assert stored.status_code == 200 and stored.json()["data"]["credentials_source"] == "set by an admin"
            assert enrich_digikey(client, token)["status"] == "completed"  # the route still works
            data_dir = services.settings.data_dir
            secrets = data_dir / SUPPLIER_SECRETS
            assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
            assert files_holding(data_dir, DIGIKEY_SECRET.encode()) == [SUPPLIER_SECRETS]  # not the db, not its WAL
            archive = Path(services.backups.create(BackupOptions()).path)
            with zipfile.ZipFile(archive) as zf:
                assert not [n for n in zf.namelist() if DIGIKEY_SECRET.encode() in zf.read(n)]

        # Another Pi (no secrets file) restores that backup, from the shell or through the API: it says
        # what to enter again.
        proc = subprocess.run(
            [str(CONSOLE_SCRIPT), "restore", str(archive), "--data-dir", str(tmp_path / "shell-pi")],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin"},
        )
        assert proc.returncode == 0, proc.stderr
        assert "enter these again on the Suppliers page: digikey client_secret" in proc.stdout
        with task_app(tmp_path / "new-pi", clock, suppliers=settings) as (client, _, token):
            upload = {"file": (archive.name, archive.read_bytes(), "application/zip")}
            restored = client.post("/api/utility/backup/restore/upload", files=upload, headers=bearer(token))
            assert restored.status_code == 200, restored.text
            body = restored.json()
            assert body["data"]["secrets_to_enter_again"] == ["DigiKey client_secret"]
            assert "enter these again on the Suppliers page: DigiKey client_secret" in body["message"]
            token = login(client, "admin", ADMIN_PASSWORD)  # the restored users
            status = client.get("/api/suppliers/digikey/credentials/status", headers=bearer(token)).json()["data"]
            assert status["missing_credentials"] == ["client_secret"]  # the client id came back with the data
            client.post(
                "/api/suppliers/digikey/credentials", json={"client_secret": DIGIKEY_SECRET}, headers=bearer(token)
            )
            assert enrich_digikey(client, token, "BC857B again")["status"] == "completed"


def test_secrets_stored_in_the_database_by_an_older_version_move_out(tmp_path: Path, clock: FakeClock) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    conn = connect(data_dir / "makermatrix.db", busy_timeout_ms=1000)
    db = sqlite_utils.Database(conn)
    migrations.apply(db, stop_before=[NEW_MIGRATION])  # as the previous release left it
    with conn:
        conn.executemany(
            "INSERT INTO supplier_credentials (supplier, key, value, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)",
            [
                ("digikey", "client_id", DIGIKEY_ID, "2026-11-01T10:00:00Z", "admin"),
                ("digikey", "client_secret", DIGIKEY_SECRET, "2026-11-01T10:00:00Z", "admin"),
                ("mouser", "api_key", MOUSER_KEY, "2026-11-01T10:00:00Z", "admin"),
            ],
        )
    conn.close()
    assert files_holding(data_dir, DIGIKEY_SECRET.encode())  # there it is, in plain text
    with supplier_fakes() as fakes:
        settings = supplier_settings(fakes, digikey_client_id="", digikey_client_secret="", mouser_api_key="")
        with task_app(tmp_path, clock, suppliers=settings) as (client, services, token):
            configs = client.get("/api/suppliers/config/suppliers", headers=bearer(token)).json()["data"]
            listed = {s["supplier_name"]: s for s in configs}
            assert listed["digikey"]["credentials_source"] == "set by an admin"
            assert listed["mouser"]["configured"] is True
            assert enrich_digikey(client, token)["status"] == "completed"
            rows = services.db.read_sync(
                lambda d: d.execute("SELECT supplier, key, value FROM supplier_credentials ORDER BY 1, 2").fetchall()
            )
            assert [tuple(r) for r in rows] == [
                ("digikey", "client_id", DIGIKEY_ID),
                ("digikey", "client_secret", ""),
                ("mouser", "api_key", ""),
            ]
    for secret in (DIGIKEY_SECRET, MOUSER_KEY):  # closed and checkpointed: not even in the file's free space
        assert files_holding(data_dir, secret.encode()) == [SUPPLIER_SECRETS]
    assert SecretFile(data_dir / SUPPLIER_SECRETS).read() == {
        "digikey": {"client_secret": DIGIKEY_SECRET},
        "mouser": {"api_key": MOUSER_KEY},
    }
