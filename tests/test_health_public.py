"""/api/health tells anyone only whether the daemon is up; details need credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from conftest import bearer
from makermatrix_edge import __version__
from makermatrix_edge.doctor.host import Host
from makermatrix_edge.doctor.network import check_mdns, daemon_login
from makermatrix_edge.services import Services


def test_without_credentials_only_status_and_version(client: TestClient[Any], services: Services) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "message": "Healthy",
        "data": {"status": "healthy", "version": __version__},
    }
    assert str(services.settings.data_dir) not in response.text and "devices" not in response.text


def test_a_login_or_api_key_sees_the_details(client: TestClient[Any], admin_token: str) -> None:
    data = client.get("/api/health", headers=bearer(admin_token)).json()["data"]
    assert data["status"] == "healthy" and data["database"]["ok"] is True and "printer" in data["devices"]
    key = client.post(
        "/api/api-keys", json={"name": "monitor", "permissions": ["parts:read"]}, headers=bearer(admin_token)
    )
    with_key = client.get("/api/health", headers={"X-API-Key": key.json()["data"]["key"]}).json()["data"]
    assert "devices" in with_key and "uptime_seconds" in with_key
    assert client.get("/api/health", headers=bearer("garbage")).status_code == 401


def test_doctor_logs_in_with_the_daemons_own_key(client: TestClient[Any], services: Services, tmp_path: Path) -> None:
    host = Host(data_dir=services.settings.data_dir)
    headers = daemon_login(host)
    assert headers["Authorization"].startswith("Bearer ")
    assert "devices" in client.get("/api/health", headers=headers).json()["data"]
    # Doctor run by someone who cannot read secret.key sees the public answer and says so.
    stranger = Host(data_dir=tmp_path / "elsewhere", port=9)
    assert daemon_login(stranger) == {}

    class Public:
        def json(self) -> dict[str, Any]:
            return {"data": {"status": "healthy", "version": __version__}}

    check = check_mdns(Host(data_dir=tmp_path / "elsewhere", http_get=lambda url, headers: Public()))
    assert check.level == "warn" and "logged-in" in check.message and check.fix and "secret.key" in check.fix
