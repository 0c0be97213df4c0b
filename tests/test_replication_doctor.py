"""The doctor's replication lines: off, Litestream found, a replica folder missing, the daemon's word."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from makermatrix_edge.doctor.host import Host
from makermatrix_edge.doctor.replication import check_replication
from makermatrix_edge.settings import load_settings
from replication_support import litestream_or_skip


def _host(tmp_path: Path, answer: dict[str, Any] | None, **replication: Any) -> Host:
    settings = load_settings(None, env={}, overrides={"replication": replication})

    def get(url: str, headers: dict[str, str]) -> httpx.Response:
        if answer is None:
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json={"data": {"devices": {"replication": answer}}})

    return Host(data_dir=tmp_path, replication=settings.replication, http_get=get)


def test_doctor_says_replication_is_off(tmp_path: Path) -> None:
    [check] = check_replication(_host(tmp_path, None))
    assert check.level == "ok" and "off" in check.message and "nightly backup" in check.message


def test_doctor_names_a_missing_replica_folder_and_a_silent_daemon(tmp_path: Path) -> None:
    litestream_or_skip()
    folder = tmp_path / "usb" / "mm"
    checks = check_replication(_host(tmp_path, None, enabled=True, replicas=[f"file://{folder}"]))
    assert [c.level for c in checks] == ["ok", "fail", "warn"]
    assert f"the folder {folder} is missing" in checks[1].message and checks[1].fix


def test_doctor_reports_what_the_daemon_says_of_the_replica(tmp_path: Path) -> None:
    litestream_or_skip()
    folder = tmp_path / "mm"
    folder.mkdir()
    url = f"file://{folder}"
    good = {"state": "ready", "details": {"replicas": [{"url": url, "state": "ok", "lag_seconds": 0.4}]}}
    checks = check_replication(_host(tmp_path, good, enabled=True, replicas=[url]))
    assert checks[-1].level == "ok" and "0.4 s behind" in checks[-1].message
    bad = {"state": "error", "reason": f"replica {url}: the folder {folder} is full", "details": {"replicas": []}}
    checks = check_replication(_host(tmp_path, bad, enabled=True, replicas=[url]))
    assert checks[-1].level == "fail" and "is full" in checks[-1].message
