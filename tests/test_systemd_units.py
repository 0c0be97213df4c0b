"""The unit, sysusers and udev files: verified by systemd's own tools, warnings are failures."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from daemon_process import CONSOLE_SCRIPT, ROOT
from makermatrix_edge.settings import ServerSettings, TasksSettings

SYSTEMD = ROOT / "systemd"
UNIT = SYSTEMD / "makermatrix-edge.service"
INSTALLED_EXEC = "/opt/makermatrix-edge/venv/bin/makermatrix-edge"
EXPOSURE_LIMIT = 30  # systemd-analyze security --threshold is exposure x 10; 3.0 is "OK"

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze missing (Debian package systemd)"
)


def unit_for_here(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at this venv: verify fails unless the binary exists."""
    text = UNIT.read_text()
    assert text.count(INSTALLED_EXEC) == 1
    copy = tmp_path / UNIT.name
    copy.write_text(text.replace(INSTALLED_EXEC, str(CONSOLE_SCRIPT)))
    return copy


def directives(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            out.setdefault(key, []).append(value)
    return out


@needs_systemd_analyze
def test_unit_verifies_without_any_warning(tmp_path: Path) -> None:
    # verify exits 0 on unknown keys and bad values, so any output at all is a failure.
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit_for_here(tmp_path))], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "" and result.stdout.strip() == "", result.stderr + result.stdout


@needs_systemd_analyze
def test_verify_would_catch_a_misspelt_key(tmp_path: Path) -> None:
    unit = unit_for_here(tmp_path)
    unit.write_text(unit.read_text().replace("WatchdogSec=30", "WatchdogSecs=30"))
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert "WatchdogSecs" in result.stderr


@needs_systemd_analyze
def test_security_exposure_is_reported_and_low(tmp_path: Path) -> None:
    unit = unit_for_here(tmp_path)
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", f"--threshold={EXPOSURE_LIMIT}", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    match = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", result.stdout)
    assert match, result.stdout + result.stderr
    print(f"\nsystemd-analyze security exposure: {match.group(1)} {match.group(2)}", file=sys.stderr)
    assert result.returncode == 0, f"exposure {match.group(1)} above {EXPOSURE_LIMIT / 10}"


def test_unit_has_what_the_appliance_needs() -> None:
    d = directives(UNIT.read_text())
    assert d["Type"] == ["notify"] and d["WatchdogSec"] == ["30"] and d["Restart"] == ["on-failure"]
    assert d["User"] == ["makermatrix"] and d["SupplementaryGroups"] == ["lp video plugdev"]
    assert d["StateDirectory"] == ["makermatrix-edge"] and d["ConfigurationDirectory"] == ["makermatrix-edge"]
    assert d["ProtectSystem"] == ["strict"] and d["ProtectHome"] == ["yes"] and d["PrivateTmp"] == ["yes"]
    assert d["NoNewPrivileges"] == ["yes"] and d["DevicePolicy"] == ["closed"]
    assert "PrivateDevices" not in d  # it would hide the printer and the camera
    assert {"char-usb_device rw", "char-usb rw", "char-video4linux rw"} <= set(d["DeviceAllow"])
    assert "/media" in d["ReadWritePaths"][0] and "/mnt" in d["ReadWritePaths"][0]
    assert d["ExecStart"] == [f"{INSTALLED_EXEC} serve --config /etc/makermatrix-edge/config.toml"]


def test_the_stop_timeout_leaves_a_wide_margin_over_what_the_daemon_plans_for_its_stop() -> None:
    # What a stop may take by design: requests in flight, then a task that must stop (an import is ended
    # between two batches). tests/test_import_shutdown.py stops a daemon during a large import in time.
    planned = ServerSettings().shutdown_grace_seconds + TasksSettings().cancel_grace_seconds
    stop = int(directives(UNIT.read_text())["TimeoutStopSec"][0])
    assert stop >= 3 * planned
    assert f"at most {planned} s" in UNIT.read_text()  # and the unit says so


@needs_systemd_analyze
def test_sysusers_file_makes_the_user_and_groups(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    result = subprocess.run(
        ["systemd-sysusers", "--dry-run", f"--root={tmp_path}", str(SYSTEMD / "makermatrix-edge.sysusers")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Creating user 'makermatrix'" in result.stderr
    for group in ("lp", "video", "plugdev"):
        assert f"group '{group}'" in result.stderr
    assert "ignoring" not in result.stderr.lower()


_UDEV_KEY = re.compile(
    r'^(ACTION|SUBSYSTEM|KERNEL|ENV\{\w+\}|ATTR\{[\w/]+\}|ATTRS\{\w+\}|GROUP|MODE|SYMLINK|TAG)(==|!=|\+=|=)"[^"]*"$'
)


def test_udev_rules_parse_and_cover_brother_and_cameras() -> None:
    text = (SYSTEMD / "60-makermatrix-edge.rules").read_text()
    rules = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    for rule in rules:
        for pair in rule.split(", "):
            assert _UDEV_KEY.match(pair), f"not a udev key/value: {pair!r} in {rule!r}"
    brother = [r for r in rules if 'ATTR{idVendor}=="04f9"' in r or 'ATTRS{idVendor}=="04f9"' in r]
    assert any('SYMLINK+="brother-ql"' in r and 'GROUP="lp"' in r and 'MODE="0660"' in r for r in brother)
    assert any('SUBSYSTEM=="video4linux"' in r and 'GROUP="video"' in r for r in rules)
    assert "0666" not in text  # never world-writable
