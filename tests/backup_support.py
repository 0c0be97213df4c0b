"""Helpers for the backup tests: a fake /proc/mounts + /dev/disk/by-label tree, and a folder as the drive."""

from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path


def fake_drive_root(
    tmp_path: Path,
    *,
    label: str = "MMBACKUP",
    fstype: str = "vfat",
    options: str = "rw,nosuid,nodev,relatime,uid=999,gid=999,fmask=0077,dmask=0077,flush",
    mount_point: str = "/media/mm backup",
    plugged: bool = True,
    mounted: bool = True,
) -> tuple[Path, Path]:
    """(root, folder standing in for the drive); the mounts table is what the kernel would write."""
    root = tmp_path / "root"
    (root / "proc").mkdir(parents=True, exist_ok=True)
    by_label = root / "dev" / "disk" / "by-label"
    by_label.mkdir(parents=True, exist_ok=True)
    folder = root / mount_point.lstrip("/")
    folder.mkdir(parents=True, exist_ok=True)
    if plugged:
        link = by_label / label
        if link.is_symlink():
            link.unlink()
        os.symlink("../../sda1", link)
    escaped = mount_point.replace(" ", "\\040")
    lines = [
        "/dev/mmcblk0p2 / ext4 rw,noatime 0 0",
        "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0",
        "/dev/mmcblk0p1 /boot/firmware vfat rw,relatime 0 0",
    ]
    if mounted:
        lines.append(f"/dev/sda1 {escaped} {fstype} {options} 0 0")
    (root / "proc" / "mounts").write_text("\n".join(lines) + "\n")
    return root, folder


def inside_largest_member(archive: Path, fraction: float = 0.5) -> int:
    """An offset in the middle of the largest member's stored bytes (local header: 30 bytes + name + extra)."""
    with zipfile.ZipFile(archive) as zf:
        info = max(zf.infolist(), key=lambda i: i.compress_size)
    raw = archive.read_bytes()
    start = info.header_offset
    name_len, extra_len = struct.unpack_from("<HH", raw, start + 26)
    return start + 30 + name_len + extra_len + int(info.compress_size * fraction)
