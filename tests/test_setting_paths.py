"""Relative paths in settings are inside data_dir, never the working directory (data_dir itself excepted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import ADMIN_PASSWORD, FakeClock, make_settings
from makermatrix_edge.backups.service import BackupOptions
from makermatrix_edge.codes.decode import Decoder
from makermatrix_edge.daemon import build_services
from makermatrix_edge.devices.camera import ScanLoop, build_camera
from makermatrix_edge.devices.printer import build_printer
from makermatrix_edge.devices.printer.others import FilePrinter
from makermatrix_edge.devices.usbdrive import LabelDrive, make_drive
from makermatrix_edge.settings import CameraSettings, ScannerSettings, field_docs, section_types

# Every key whose value is a path (or may be one), with data_dir left out on purpose.
PATH_KEYS = [
    ("backup", "target"),
    ("backup", "drive_root"),
    ("backup", "passphrase_file"),
    ("printer", "output_dir"),
    ("camera", "device"),
    ("camera", "fake_images"),
]


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The daemon started from some other folder (a shell's cwd, systemd's /)."""
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


def test_a_relative_backup_target_is_inside_data_dir(tmp_path: Path, clock: FakeClock, elsewhere: Path) -> None:
    data = tmp_path / "data"
    (data / "usb").mkdir(parents=True)
    (data / "keys").mkdir()
    (data / "keys" / "backup.pass").write_text("bench passphrase\n")
    settings = make_settings(data, backup={"target": "usb", "passphrase_file": "keys/backup.pass"})
    services = build_services(settings, clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        result = services.backups.create(BackupOptions(backup_name="nightly"))
        assert services.backups.passphrase() == "bench passphrase"
    finally:
        services.close()
    assert Path(result.path) == data.resolve() / "usb" / "nightly.zip" and Path(result.path).is_file()
    assert result.fallback_reason is None
    assert list(elsewhere.iterdir()) == []  # nothing went to the working directory


def test_every_other_relative_path_is_inside_data_dir(tmp_path: Path, elsewhere: Path) -> None:
    data = tmp_path / "data"
    settings = make_settings(data, backup={"target": "auto", "drive_root": "fake-root"})
    drive = make_drive(settings.backup, settings.data_dir)
    assert isinstance(drive, LabelDrive) and drive.root == settings.data_dir / "fake-root"
    printer = build_printer(make_settings(data, printer={"kind": "file", "output_dir": "out"}).printer, data)
    assert isinstance(printer, FilePrinter) and printer.folder == data / "out"

    def never_started() -> Decoder:
        raise AssertionError("the scan loop is only built here, never started")

    def source(camera: CameraSettings) -> Any:  # FakeSource or OpenCvSource
        built = build_camera(camera, ScannerSettings(), lambda codes: None, never_started, data)
        assert isinstance(built, ScanLoop)
        return built.source

    replay = source(CameraSettings(kind="fake", fake_images=["frames/a.png", "/abs/b.png"]))
    assert replay.images == [str(data / "frames" / "a.png"), "/abs/b.png"]
    assert source(CameraSettings(kind="opencv", device="clips/bench.mp4")).device == str(data / "clips" / "bench.mp4")
    assert source(CameraSettings(kind="opencv", device="0")).device == "0"  # an index stays one
    assert source(CameraSettings(kind="opencv", device="/dev/video2")).device == "/dev/video2"


def test_each_path_key_says_where_a_relative_path_goes() -> None:
    sections = section_types()
    for section, key in PATH_KEYS:
        assert "inside data_dir" in field_docs(sections[section])[key], f"{section}.{key}"
    assert "relative to the working dir" in field_docs(sections["storage"])["data_dir"]
