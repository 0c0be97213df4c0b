"""`makermatrix-edge doctor`: host checks against a fake filesystem tree, the CLI, and the admin API."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import bearer
from daemon_process import CONSOLE_SCRIPT, ROOT
from makermatrix_edge.doctor import Check, device_checks, render_text, run_checks
from makermatrix_edge.doctor.checks import host_checks
from makermatrix_edge.doctor.hardware import check_camera, check_clock, check_printer
from makermatrix_edge.doctor.host import Host
from makermatrix_edge.doctor.network import check_mdns, check_ollama
from makermatrix_edge.doctor.storage import check_backup_drive, check_data_dir, check_database
from makermatrix_edge.runtime.device_state import DeviceState
from makermatrix_edge.services import Services

SERVICE = (4242, {4242})  # the service user's uid and groups, as the checks see them


class FakeOllama(BaseHTTPRequestHandler):
    models: list[str] = ["llama3.2:1b"]

    def do_GET(self) -> None:
        body = json.dumps({"models": [{"name": m} for m in self.models]}).encode()
        self.send_response(200 if self.path == "/api/tags" else 404)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def ollama() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), FakeOllama)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def host(root: Path, **extra: Any) -> Host:
    values: dict[str, Any] = {
        "root": root,
        "data_dir": root / "data",
        "identity": lambda: SERVICE,
        "find_library": lambda name: "libzbar.so.0",
        "ntp_synced": lambda: True,
        "ollama_url": "http://127.0.0.1:9",  # discard port: nothing answers
        "port": 9,
    }
    values.update(extra)
    return Host(**values)


def usb_device(root: Path, name: str, product_id: str, product: str, bus: int = 1, dev: int = 4) -> None:
    device = root / "sys/bus/usb/devices" / name
    device.mkdir(parents=True)
    for attr, value in {"idVendor": "04f9", "idProduct": product_id, "product": product}.items():
        (device / attr).write_text(value + "\n")
    (device / "busnum").write_text(f"{bus}\n")
    (device / "devnum").write_text(f"{dev}\n")


def node(path: Path, mode: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    path.chmod(mode)
    return path


def test_bare_machine_says_what_is_missing_and_how_to_fix_it(tmp_path: Path) -> None:
    report = run_checks(host_checks(host(tmp_path)))
    by_name = {c.name: c for c in report.checks}
    assert by_name["printer"].level == "warn" and "no Brother printer on USB" in by_name["printer"].message
    assert by_name["camera"].level == "warn" and "/dev/video" in by_name["camera"].message
    assert by_name["backup drive"].level == "warn" and "MMBACKUP" in by_name["backup drive"].message
    assert by_name["ollama"].level == "warn" and "not reachable" in by_name["ollama"].message
    assert all(c.fix for c in report.checks if c.level != "ok")
    assert report.level == "warn" and report.exit_code == 1
    text = render_text(report)
    assert "[WARN] printer" in text and "fix: plug the QL in" in text and "(exit 1)" in text


def test_editor_lite_mode_is_detected_with_the_way_out(tmp_path: Path) -> None:
    usb_device(tmp_path, "1-1", "209e", "QL-800")
    check = check_printer(host(tmp_path))
    assert check.level == "fail" and "QL-800 is in Editor Lite mode" in check.message
    assert check.fix is not None and "Editor Lite button" in check.fix


def test_printer_permission_problem_names_the_group_fix(tmp_path: Path) -> None:
    usb_device(tmp_path, "1-1", "2042", "QL-700", bus=1, dev=7)
    raw = node(tmp_path / "dev/bus/usb/001/007", 0o664)
    check = check_printer(host(tmp_path, identity=lambda: (4242, {1})))  # not in the node's group
    assert check.level == "fail" and "may not read and write" in check.message and str(raw) in check.message
    assert (
        check.fix is not None and "usermod -aG lp makermatrix" in check.fix and "60-makermatrix-edge.rules" in check.fix
    )
    ok = check_printer(host(tmp_path, identity=lambda: (4242, {raw.stat().st_gid})))
    assert ok.level == "ok"  # mode 0664: the group may read and write
    assert "QL-700 (04f9:2042)" in ok.message


def test_camera_present_and_openable_or_not(tmp_path: Path) -> None:
    video = node(tmp_path / "dev/video0", 0o660)
    assert check_camera(host(tmp_path, identity=lambda: (4242, {video.stat().st_gid}))).level == "ok"
    denied = check_camera(host(tmp_path, identity=lambda: (4242, {1})))
    assert denied.level == "fail" and denied.fix is not None and "usermod -aG video" in denied.fix


def test_backup_drive_by_label_writable_with_recent_backup(tmp_path: Path) -> None:
    drive = tmp_path / "media/MMBACKUP"
    (drive / "makermatrix").mkdir(parents=True)
    drive.chmod(0o777)
    backup = drive / "makermatrix" / "mm-2026-11-24T0230.zip"
    backup.write_bytes(b"zip")
    node(tmp_path / "dev/sdb1", 0o660)
    (tmp_path / "dev/disk/by-label").mkdir(parents=True)
    (tmp_path / "dev/disk/by-label/MMBACKUP").symlink_to("../../sdb1")
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/mounts").write_text("/dev/mmcblk0p2 / ext4 rw 0 0\n/dev/sdb1 /media/MMBACKUP vfat rw 0 0\n")
    drive_check, age = check_backup_drive(host(tmp_path))
    assert drive_check.level in ("ok", "warn") and str(drive) in drive_check.message and "free" in drive_check.message
    assert age.level == "ok" and "last backup" in age.message
    old = time.time() - 5 * 86400
    os.utime(backup, (old, old))
    assert check_backup_drive(host(tmp_path))[1].level == "warn"


def test_database_integrity_and_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o700)
    conn = sqlite3.connect(data / "makermatrix.db")
    conn.execute("create table t (x)")
    conn.commit()
    conn.close()
    h = host(tmp_path, identity=lambda: (data.stat().st_uid, set()))
    assert check_database(h).level == "ok"
    assert check_data_dir(h).level in ("ok", "warn")
    assert check_data_dir(host(tmp_path, identity=lambda: (4242, {4242}))).level == "fail"
    (data / "makermatrix.db").write_bytes(b"not a database" * 100)
    damaged = check_database(h)
    assert damaged.level == "fail" and damaged.fix == "restore the last backup"


def test_clock_without_rtc_or_ntp(tmp_path: Path) -> None:
    stuck = check_clock(host(tmp_path, now=lambda: 0.0))
    assert stuck.level == "fail" and "1970" in stuck.message and stuck.fix is not None and "timedatectl" in stuck.fix
    assert check_clock(host(tmp_path, ntp_synced=lambda: False)).level == "warn"
    assert check_clock(host(tmp_path)).level == "ok"


def test_ollama_reachable_and_model_pulled(tmp_path: Path, ollama: str) -> None:
    assert check_ollama(host(tmp_path, ollama_url=ollama, ollama_model="llama3.2:1b")).level == "ok"
    missing = check_ollama(host(tmp_path, ollama_url=ollama, ollama_model="qwen2.5:3b"))
    assert missing.level == "warn" and missing.fix == "ollama pull qwen2.5:3b"


def test_a_crashing_check_is_a_failure_not_a_crash() -> None:
    def check_boom() -> Check:
        raise RuntimeError("surprise")

    report = run_checks([check_boom, lambda: Check("x", "ok", "fine")])
    assert report.exit_code == 2 and report.checks[0].name == "boom" and "surprise" in report.checks[0].message


def test_device_states_become_checks() -> None:
    class Dev:
        def __init__(self, state: DeviceState) -> None:
            self._state = state

        def state(self) -> DeviceState:
            return self._state

    checks = device_checks(
        {
            "printer": Dev(DeviceState(kind="brother_ql", state="offline", reason="no printer on USB (04f9:2042)")),
            "camera": Dev(DeviceState(kind="fake", state="ready")),
        }
    )
    assert [c.level for c in checks] == ["warn", "ok"]
    assert "no printer on USB (04f9:2042)" in checks[0].message


@pytest.mark.daemon
def test_cli_on_a_machine_with_no_printer_camera_or_drive(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            str(CONSOLE_SCRIPT),
            "doctor",
            "--config",
            str(ROOT / "config" / "dev.toml"),
            "--data-dir",
            str(tmp_path / "data"),
            "--root",
            str(tmp_path / "fakeroot"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode in (1, 2), result.stdout + result.stderr
    out = result.stdout
    assert "[WARN] printer" in out and "no Brother printer on USB" in out
    assert "[WARN] camera" in out and "[WARN] backup drive" in out and "fix:" in out
    as_json = subprocess.run(
        [
            str(CONSOLE_SCRIPT),
            "doctor",
            "--json",
            "--config",
            str(ROOT / "config" / "dev.toml"),
            "--data-dir",
            str(tmp_path / "data"),
            "--root",
            str(tmp_path / "fakeroot"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(as_json.stdout)
    assert report["exit_code"] == as_json.returncode and {"config", "printer", "clock"} <= {
        c["name"] for c in report["checks"]
    }


@pytest.mark.daemon
def test_cli_reports_a_broken_config_as_a_failure(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[server]\nprot = 1\n")
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "doctor", "--config", str(bad), "--data-dir", str(tmp_path), "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "[FAIL] config" in result.stdout and "server.prot: unknown key" in result.stdout


def test_diagnostics_api_is_admin_only_and_uses_device_states(
    client: TestClient[Any], admin_token: str, services: Services
) -> None:
    assert client.get("/api/utility/diagnostics").status_code == 401
    response = client.get("/api/utility/diagnostics", headers=bearer(admin_token))
    assert response.status_code == 200, response.text
    body = response.json()
    names = {c["name"] for c in body["data"]["checks"]}
    assert {"config", "data directory", "database", "clock", "backup drive"} <= names
    assert body["data"]["exit_code"] in (0, 1, 2) and body["status"] == "success"


class FakeResponse:
    def __init__(self, body: dict[str, Any]) -> None:
        self._body = body

    def json(self) -> dict[str, Any]:
        return self._body


def test_mdns_state_comes_from_the_running_daemon(tmp_path: Path) -> None:
    ready = {"state": "ready", "details": {"names": ["Bench-2._http._tcp.local."]}}

    def answering(url: str, headers: dict[str, str]) -> Any:
        assert url == "http://127.0.0.1:9/api/health"
        return FakeResponse({"data": {"devices": {"mdns": ready}}})

    assert check_mdns(host(tmp_path, http_get=answering)).message == "advertising as 'Bench-2'"
    stopped = check_mdns(host(tmp_path))  # nothing listens on port 9
    assert stopped.level == "warn" and stopped.fix is not None and "systemctl start" in stopped.fix
    assert check_mdns(host(tmp_path, mdns_enabled=False)).level == "warn"


def test_last_backup_comes_from_the_daemons_record(tmp_path: Path) -> None:
    from makermatrix_edge.backups.state import BackupState, save_state
    from makermatrix_edge.clock import iso
    from makermatrix_edge.doctor.storage import check_last_backup

    checked = host(tmp_path)
    checked.data_dir.mkdir(parents=True, exist_ok=True)
    drive = tmp_path / "drive"
    drive.mkdir()
    (drive / "fresh-but-not-a-backup.txt").write_text("x")
    save_state(
        checked.data_dir / "backup_state.json",
        BackupState(last_result="failed", last_attempt_at="2026-11-25T02:30:00Z", last_error="drive is read-only"),
    )
    failed = check_last_backup(checked, drive)
    assert failed.level == "fail" and "drive is read-only" in failed.message
    save_state(
        checked.data_dir / "backup_state.json",
        BackupState(last_result="success", last_success_at=iso(time.time() - 3 * 86400)),
    )
    assert check_last_backup(checked, drive).level == "warn"  # the fresh file on the drive does not count


def test_ollama_model_without_tool_support_is_a_warning(tmp_path: Path) -> None:
    from fake_ollama import PLAIN_MODEL, TOOLS_MODEL, running

    with running() as (_, url):
        good = check_ollama(host(tmp_path, ollama_url=url, ollama_model=TOOLS_MODEL))
        assert good.level == "ok" and "qwen3:1.7b pulled with tool support" in good.message
        plain = check_ollama(host(tmp_path, ollama_url=url, ollama_model=PLAIN_MODEL))
        assert plain.level == "warn" and "cannot call tools" in plain.message and "ollama pull qwen3:1.7b" in plain.fix
