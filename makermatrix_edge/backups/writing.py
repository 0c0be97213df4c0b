"""Small pieces of writing a backup: names, errno -> reason, sweeping partials, a niced thread."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from makermatrix_edge.backups import archive as arc
from makermatrix_edge.backups import retention

T = TypeVar("T")
NICE = 10  # the backup thread's niceness: API requests on the other threads come first
NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")  # nothing FAT cannot hold, no separators


def reason_of(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "backup drive is full"
    if exc.errno == errno.EROFS:
        return "backup drive is read-only"
    if exc.errno == errno.EFBIG:
        return "file too large for the drive's filesystem (FAT32 holds at most 4 GiB per file)"
    if exc.errno in (errno.EIO, errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return f"backup drive went away during the write ({exc.strerror})"
    return f"cannot write to the backup drive: {exc}"


def run_niced(fn: Callable[[], T]) -> T:
    """Run fn on a short-lived thread at a lower CPU priority (Linux: niceness is per thread)."""
    box: dict[str, Any] = {}

    def target() -> None:
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
        try:
            box["result"] = fn()
        except BaseException as exc:  # handed to the caller's thread as it is
            box["error"] = exc

    thread = threading.Thread(target=target, name="backup", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    result: T = box["result"]
    return result


def default_name(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("makermatrix_backup_%Y%m%d_%H%M%S")


def sweep_partials(folder: Path, writing: str | None = None) -> list[str]:
    """Remove `.partial` files an interrupted run of ours left: automatic names, the ledger, `writing`."""
    removed = []
    for path in folder.glob(f"*{arc.PARTIAL_SUFFIX}"):
        base = path.name[: -len(arc.PARTIAL_SUFFIX)]
        if (
            base in (retention.LEDGER, writing)
            or retention.AUTO_NAME.fullmatch(base)
            or retention.is_ledger_temp(path.name)
        ):
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed
