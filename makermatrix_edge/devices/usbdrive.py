"""The USB backup drive: found by filesystem label through /proc/mounts and /dev/disk/by-label.

`/sys/block/*/removable` is not consulted: it is 0 for many USB SSD bridges and card readers.
Both files are read under an injectable `root`, so tests and dev mode use a fake mounts table
and a plain folder as the drive. Kinds: `label` (the real one), `folder` (a fixed path, e.g. a
fstab mount point or a test folder) and `disabled`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from makermatrix_edge.errors import DeviceUnavailable
from makermatrix_edge.runtime.device_state import DeviceState
from makermatrix_edge.settings import BackupSettings, resolve_path

_OCTAL = re.compile(r"\\([0-7]{3})")
FAT_TYPES = frozenset({"vfat", "msdos", "fat"})
FAT32_MAX_FILE = 0xFFFFFFFF  # 4 GiB - 1: the kernel's s_maxbytes for FAT


class DriveUnavailable(DeviceUnavailable):
    """No usable drive: not mounted, read-only or missing; the message says which."""


@dataclass(frozen=True)
class Mount:
    device: str
    mount_point: Path
    fstype: str
    options: frozenset[str]

    @property
    def read_only(self) -> bool:
        return "ro" in self.options

    @property
    def max_file_bytes(self) -> int | None:
        return FAT32_MAX_FILE if self.fstype in FAT_TYPES else None


def _unescape(field: str) -> str:
    """/proc/mounts writes spaces, tabs, newlines and backslashes in paths as octal escapes (\\040)."""
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(text: str) -> list[Mount]:
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        device, point, fstype, options = fields[:4]
        mounts.append(Mount(_unescape(device), Path(_unescape(point)), fstype, frozenset(options.split(","))))
    return mounts


class Drive(Protocol):
    def state(self) -> DeviceState: ...

    def locate(self) -> Mount:
        """The mounted, writable drive, or DriveUnavailable saying why not."""
        ...


def _under(root: Path, absolute: str | Path) -> Path:
    return root / str(absolute).lstrip("/")


class LabelDrive:
    """The filesystem labelled `label`, wherever it is mounted."""

    kind = "label"

    def __init__(self, label: str, root: Path = Path("/")) -> None:
        self.label = label
        self.root = root

    def _mounts(self) -> list[Mount]:
        try:
            text = _under(self.root, "/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        return parse_mounts(text)

    def _device(self) -> str | None:
        """The block device the label points to (the by-label link resolved inside root), or None."""
        link = _under(self.root, f"/dev/disk/by-label/{self.label}")
        try:
            target = os.readlink(link)
        except OSError:
            return None
        absolute = os.path.normpath(os.path.join("/dev/disk/by-label", target))
        return absolute

    def locate(self) -> Mount:
        device = self._device()
        if device is None:
            raise DriveUnavailable(f"no drive labelled {self.label} is plugged in")
        for mount in reversed(self._mounts()):  # the last line is the mount on top
            if os.path.normpath(mount.device) == device:
                point = _under(self.root, mount.mount_point)
                found = Mount(mount.device, point, mount.fstype, mount.options)
                if found.read_only:
                    raise DriveUnavailable(f"drive {self.label} is mounted read-only at {mount.mount_point}")
                return found
        raise DriveUnavailable(f"drive {self.label} ({device}) is plugged in but not mounted")

    def state(self) -> DeviceState:
        try:
            mount = self.locate()
        except DriveUnavailable as exc:
            return DeviceState(kind=self.kind, state="offline", reason=exc.message, details={"label": self.label})
        details = {"label": self.label, "mount_point": str(mount.mount_point), "fstype": mount.fstype}
        return DeviceState(kind=self.kind, state="ready", details=details)


class FolderDrive:
    """A fixed folder as the target (an fstab mount point, or a test folder); never created by us."""

    kind = "folder"

    def __init__(self, path: Path) -> None:
        self.path = path

    def locate(self) -> Mount:
        if not self.path.is_dir():
            raise DriveUnavailable(f"backup folder {self.path} does not exist (drive not mounted?)")
        if not os.access(self.path, os.W_OK):
            raise DriveUnavailable(f"backup folder {self.path} is read-only")
        return Mount(str(self.path), self.path, "folder", frozenset())

    def state(self) -> DeviceState:
        try:
            self.locate()
        except DriveUnavailable as exc:
            return DeviceState(kind=self.kind, state="offline", reason=exc.message, details={"path": str(self.path)})
        return DeviceState(kind=self.kind, state="ready", details={"path": str(self.path)})


class DisabledDrive:
    kind = "disabled"

    def locate(self) -> Mount:
        raise DriveUnavailable('no backup drive configured (backup.target = "off")')

    def state(self) -> DeviceState:
        return DeviceState(kind=self.kind, state="disabled", reason="no backup drive configured")


def make_drive(backup: BackupSettings, data_dir: Path) -> Drive:
    """The drive [backup] names; a relative target or drive_root is inside data_dir, never the working dir."""
    if backup.target in ("", "off"):
        return DisabledDrive()
    if backup.target == "auto":
        return LabelDrive(backup.drive_label, resolve_path(backup.drive_root, data_dir))
    return FolderDrive(resolve_path(backup.target, data_dir).resolve())
