"""scripts/install-pi and uninstall-pi, run into a temporary root: every file they place is checked."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from daemon_process import ROOT
from wheel_build import build_wheel

INSTALL = ROOT / "scripts" / "install-pi"
UNINSTALL = ROOT / "scripts" / "uninstall-pi"
VENV = "opt/makermatrix-edge/venv"
# Everything the install places outside the venv, and what each one must be.
PLACED = {
    "etc/systemd/system/makermatrix-edge.service": ROOT / "systemd" / "makermatrix-edge.service",
    "etc/udev/rules.d/60-makermatrix-edge.rules": ROOT / "systemd" / "60-makermatrix-edge.rules",
    "usr/lib/sysusers.d/makermatrix-edge.conf": ROOT / "systemd" / "makermatrix-edge.sysusers",
    "etc/makermatrix-edge/config.toml": ROOT / "config" / "makermatrix-edge.toml",
}
WANTS = "etc/systemd/system/multi-user.target.wants/makermatrix-edge.service"
LINK = "usr/local/bin/makermatrix-edge"

pytestmark = [
    pytest.mark.daemon,  # run by the full suite; left out of the fast part
    pytest.mark.skipif(shutil.which("systemctl") is None, reason="systemctl missing (package systemd)"),
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as a wheel, built offline from a copy (the shared tree stays untouched)."""
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def run(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON": getattr(sys, "_base_executable", sys.executable)}
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=120, env=env)


def placed_files(root: Path) -> set[str]:
    """Every file, symlink and directory under root, except the venv's own contents."""
    out: set[str] = set()
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if not rel.startswith(VENV + "/"):
            out.add(rel)
    return out


def test_install_places_every_file_then_upgrades_and_uninstalls(tmp_path: Path, wheel: Path) -> None:
    root = tmp_path / "root"
    first = run(INSTALL, "--root", str(root), "--package", str(wheel), "--no-deps")
    assert first.returncode == 0, first.stdout + first.stderr

    for rel, source in PLACED.items():
        assert (root / rel).read_bytes() == source.read_bytes(), rel
    assert stat.S_IMODE((root / "etc/makermatrix-edge/config.toml").stat().st_mode) == 0o640
    assert stat.S_IMODE((root / "etc/makermatrix-edge").stat().st_mode) == 0o750
    data = root / "var/lib/makermatrix-edge"
    assert data.is_dir() and stat.S_IMODE(data.stat().st_mode) == 0o750
    assert os.readlink(root / WANTS) == "/etc/systemd/system/makermatrix-edge.service"
    assert os.readlink(root / LINK) == "/opt/makermatrix-edge/venv/bin/makermatrix-edge"
    assert (root / VENV / "bin/makermatrix-edge").is_file()
    version = subprocess.run(
        [str(root / VENV / "bin/python"), "-c", "import importlib.metadata as m; print(m.version('makermatrix-edge'))"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert version.stdout.strip() == "0.1.0"
    expected_dirs = {
        "etc", "etc/systemd", "etc/systemd/system", "etc/systemd/system/multi-user.target.wants", "etc/udev",
        "etc/udev/rules.d", "etc/makermatrix-edge", "usr", "usr/lib", "usr/lib/sysusers.d", "usr/local",
        "usr/local/bin", "var", "var/lib", "var/lib/makermatrix-edge", "opt", "opt/makermatrix-edge", VENV,
    }  # fmt: skip
    assert placed_files(root) == {*PLACED, WANTS, LINK, *expected_dirs}
    # Nothing on the running system was touched: those steps were only shown.
    for skipped in ("apt-get install", "systemd-sysusers", "chown", "udevadm control --reload"):
        assert "skipped (--root): " in first.stdout and skipped in first.stdout, skipped
    assert "http://" in first.stdout and ":8080/" in first.stdout
    assert "/var/lib/makermatrix-edge/initial-admin-password" in first.stdout

    # Re-running upgrades the program and never overwrites the config a person edited.
    config = root / "etc/makermatrix-edge/config.toml"
    config.write_text("[server]\nport = 9090\n")
    (data / "makermatrix.db").write_bytes(b"data")
    again = run(INSTALL, "--root", str(root), "--package", str(wheel), "--no-deps")
    assert again.returncode == 0, again.stdout + again.stderr
    assert config.read_text() == "[server]\nport = 9090\n"
    assert "kept the existing config" in again.stdout and ":9090/" in again.stdout

    removed = run(UNINSTALL, "--root", str(root))
    assert removed.returncode == 0, removed.stdout + removed.stderr
    left = placed_files(root)
    for gone in (*[p for p in PLACED if "config.toml" not in p], WANTS, LINK, "opt/makermatrix-edge"):
        assert gone not in left, gone
    assert (data / "makermatrix.db").read_bytes() == b"data" and config.exists()
    assert "Kept: the data" in removed.stdout

    purged = run(UNINSTALL, "--root", str(root), "--purge")
    assert purged.returncode == 0, purged.stderr
    assert not data.exists() and not config.parent.exists()


def test_unknown_option_is_refused(tmp_path: Path) -> None:
    result = run(INSTALL, "--root", str(tmp_path), "--bogus")
    assert result.returncode == 1 and "unknown option --bogus" in result.stderr
    assert not any(tmp_path.iterdir())
