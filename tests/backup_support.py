"""Helpers for the backup tests: a fake /proc/mounts + /dev/disk/by-label tree, and a folder as the drive."""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
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


def inside_largest_member(archive: Path, fraction: float = 0.5, mask: int = 0x01) -> int:
    """An offset in the largest member's stored bytes where XOR-ing ``mask`` really damages the member.

    Starts ``fraction`` of the way in and walks forward past the few bits deflate ignores (a stored
    block's padding, a code nobody uses): about 1 offset in 1 500 decompresses to the same bytes when
    flipped, and a test that lands there would see an intact archive refused to be called damaged.
    """
    with zipfile.ZipFile(archive) as zf:
        info = max(zf.infolist(), key=lambda i: i.compress_size)
        original = zf.read(info.filename)
    raw = archive.read_bytes()
    name_len, extra_len = struct.unpack_from("<HH", raw, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    stored = raw[start : start + info.compress_size]
    for offset in range(int(info.compress_size * fraction), info.compress_size):
        if _changes_member(stored, offset, mask, info.compress_type, original):
            return start + offset
    raise AssertionError("no byte of the largest member changes it when flipped")


def _changes_member(stored: bytes, offset: int, mask: int, method: int, original: bytes) -> bool:
    if method != zipfile.ZIP_DEFLATED:
        return True  # stored: every byte is the data; AES (99): its HMAC covers every byte
    flipped = bytearray(stored)
    flipped[offset] ^= mask
    try:
        return zlib.decompressobj(-zlib.MAX_WBITS).decompress(bytes(flipped)) != original
    except zlib.error:
        return True
