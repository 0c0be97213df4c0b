"""A full disk, said once in words: "the disk holding /var/lib/makermatrix-edge is full (3 MB free)".

SQLite's "database or disk is full" (SQLITE_FULL) and the OS's ENOSPC both become `DiskFull`, which
each API face answers with 507. `DataDisk` lets /api/health, `doctor` and the systemd STATUS line
say the same sentence while it lasts.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from makermatrix_edge.errors import DiskFull
from makermatrix_edge.runtime.device_state import DeviceState

# Below this, the next SQLite transaction, upload or backup may not fit: treat the disk as full.
FULL_BELOW_BYTES = 10 * 1024**2
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def free_bytes(folder: Path) -> int | None:
    """Bytes an unprivileged writer may still use on the filesystem holding `folder`."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def full_message(folder: Path, free: int | None = None) -> str:
    free = free_bytes(folder) if free is None else free
    amount = "free space unknown" if free is None else f"{free // 1024**2} MB free"
    return f"the disk holding {folder} is full ({amount})"


def is_disk_full(exc: BaseException) -> bool:
    """True for SQLITE_FULL and for ENOSPC/EDQUOT from any file operation."""
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        return code == sqlite3.SQLITE_FULL or "database or disk is full" in str(exc)
    if isinstance(exc, OSError):
        return exc.errno in _FULL_ERRNOS
    return False


def as_disk_full(exc: BaseException, folder: Path) -> DiskFull | None:
    """The domain error for a low-level full-disk error, or None when `exc` is something else."""
    if isinstance(exc, DiskFull):
        return exc
    return DiskFull(full_message(folder)) if is_disk_full(exc) else None


class DataDisk:
    """The disk holding data_dir, as health and doctor see it: full when nearly out of space, or
    when the database's last write failed for lack of space (until a write succeeds again)."""

    def __init__(
        self, folder: Path, *, db_full: Callable[[], bool] = lambda: False, full_below: int = FULL_BELOW_BYTES
    ) -> None:
        self.folder = folder
        self._db_full = db_full
        self.full_below = full_below

    def problem(self) -> str | None:
        """The full-disk sentence, or None while there is room (statvfs only: it does not block)."""
        free = free_bytes(self.folder)
        if (free is not None and free < self.full_below) or self._db_full():
            return full_message(self.folder)
        return None

    def state(self) -> DeviceState:
        free = free_bytes(self.folder)
        details = {"path": str(self.folder), "free_mb": None if free is None else free // 1024**2}
        problem = self.problem()
        if problem:
            return DeviceState(kind="disk", state="error", reason=problem, details=details)
        return DeviceState(kind="disk", state="ready", details=details)

    def status_fragment(self) -> str | None:
        problem = self.problem()
        return f"DISK FULL: {problem}" if problem else None
