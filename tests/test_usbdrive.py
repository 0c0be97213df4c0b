"""The USB drive is found by label through a fake mounts table and by-label links under a root."""

from __future__ import annotations

from pathlib import Path

import pytest

from backup_support import fake_drive_root
from makermatrix_edge.devices.usbdrive import (
    FAT32_MAX_FILE,
    DriveUnavailable,
    FolderDrive,
    LabelDrive,
    make_drive,
    parse_mounts,
)
from makermatrix_edge.settings import BackupSettings


def test_parse_mounts_unescapes_octal_paths() -> None:
    [mount] = parse_mounts("/dev/sda1 /media/pi/MM\\040BACKUP vfat rw,flush 0 0\n")
    assert mount.mount_point == Path("/media/pi/MM BACKUP")
    assert mount.fstype == "vfat" and not mount.read_only
    assert mount.max_file_bytes == FAT32_MAX_FILE


def test_label_drive_found_through_mounts_and_by_label(tmp_path: Path) -> None:
    root, folder = fake_drive_root(tmp_path)
    drive = LabelDrive("MMBACKUP", root)
    mount = drive.locate()
    assert mount.mount_point == folder and mount.device == "/dev/sda1"
    state = drive.state()
    assert state.state == "ready" and state.details["fstype"] == "vfat"


def test_exfat_has_no_file_size_limit(tmp_path: Path) -> None:
    root, _ = fake_drive_root(tmp_path, fstype="exfat")
    assert LabelDrive("MMBACKUP", root).locate().max_file_bytes is None


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"plugged": False, "mounted": False}, "no drive labelled MMBACKUP is plugged in"),
        ({"mounted": False}, "plugged in but not mounted"),
        ({"options": "ro,relatime"}, "mounted read-only"),
    ],
)
def test_label_drive_unavailable_says_why(tmp_path: Path, kwargs: dict[str, object], reason: str) -> None:
    root, _ = fake_drive_root(tmp_path, **kwargs)  # type: ignore[arg-type]
    drive = LabelDrive("MMBACKUP", root)
    with pytest.raises(DriveUnavailable, match=reason):
        drive.locate()
    state = drive.state()
    assert state.state == "offline" and reason in (state.reason or "")


def test_other_label_is_not_our_drive(tmp_path: Path) -> None:
    root, _ = fake_drive_root(tmp_path, label="KINGSTON")
    with pytest.raises(DriveUnavailable, match="no drive labelled MMBACKUP"):
        LabelDrive("MMBACKUP", root).locate()


def test_no_mounts_table_at_all_is_offline_not_a_crash(tmp_path: Path) -> None:
    assert LabelDrive("MMBACKUP", tmp_path / "nothing").state().state == "offline"


def test_folder_drive_must_exist_and_is_never_created(tmp_path: Path) -> None:
    missing = tmp_path / "mnt" / "backup"
    drive = make_drive(BackupSettings(target=str(missing)), tmp_path / "data")
    assert isinstance(drive, FolderDrive)
    with pytest.raises(DriveUnavailable, match="does not exist"):
        drive.locate()
    assert not missing.exists()
    missing.mkdir(parents=True)
    assert drive.locate().mount_point == missing.resolve()
    assert make_drive(BackupSettings(target="off"), tmp_path / "data").state().state == "disabled"
