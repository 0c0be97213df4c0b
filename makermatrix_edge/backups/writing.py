"""Small pieces of writing a backup: unique names, errno -> reason, sweeping partials, a niced thread.

A backup's name is claimed, not checked: its `.partial` is created with O_EXCL (atomic on every
filesystem a drive may carry, FAT included, where hard links do not exist) and held under an
flock while it is written. Only the holder of `x.zip.partial` may rename it to `x.zip`, and the
holder looks for `x.zip` only after taking the claim, so two writers, in this process or another
(the CLI beside the daemon), never get the same name and never overwrite each other's file.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Claim:
    """The right to write `final`: its `.partial` exists, made by us, and `fd` holds an flock on it."""

    final: Path
    fd: int

    @property
    def partial(self) -> Path:
        return self.final.with_name(self.final.name + arc.PARTIAL_SUFFIX)

    def release(self) -> None:
        """Give the name back; a partial still ours (never renamed in) goes with it."""
        with contextlib.suppress(OSError):
            # Our inode under the partial's name: nobody can have claimed the name again, and a sweep
            # skips it while we hold the flock, so removing it cannot hit another writer's file.
            if os.stat(self.partial).st_ino == os.fstat(self.fd).st_ino:
                self.partial.unlink()
        os.close(self.fd)


def _number(base: str, name: str) -> int:
    """1 for `base.zip`, n for `base_n.zip` (either maybe `.partial`), 0 for anything else."""
    stem = name.removesuffix(arc.PARTIAL_SUFFIX).removesuffix(".zip")
    if stem == base:
        return 1
    head, _, tail = stem.rpartition("_")
    return int(tail) if head == base and tail.isdigit() else 0


def claim(folder: Path, base: str) -> Claim:
    """A new file name in folder: `base.zip`, else `base_N.zip` past every number there (no name reused)."""
    n = max((_number(base, p.name) for p in folder.iterdir()), default=0) + 1
    while True:
        final = folder / (f"{base}.zip" if n == 1 else f"{base}_{n}.zip")
        partial = final.with_name(final.name + arc.PARTIAL_SUFFIX)
        try:
            fd = os.open(partial, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            n += 1
            continue
        taken = Claim(final, fd)
        fcntl.flock(fd, fcntl.LOCK_EX)  # the file is new: nobody else can hold it yet
        if os.path.lexists(final):  # written by a claim that finished before ours began
            taken.release()
            n += 1
            continue
        return taken


def _in_use(path: Path) -> bool:
    """A partial whose writer (any process) still holds its flock; a vanished one counts as in use."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return os.fstat(fd).st_ino != os.stat(path).st_ino  # renamed and the name claimed again meanwhile
    except OSError:
        return True
    finally:
        os.close(fd)


def sweep_partials(folder: Path, writing: str | None = None) -> list[str]:
    """Remove `.partial` files an interrupted run of ours left: automatic names, the ledger, `writing`.

    A partial another writer is still filling (it holds the flock) is left alone.
    """
    removed = []
    for path in folder.glob(f"*{arc.PARTIAL_SUFFIX}"):
        base = path.name[: -len(arc.PARTIAL_SUFFIX)]
        ours = base in (retention.LEDGER, writing) or retention.AUTO_NAME.fullmatch(base)
        if retention.is_ledger_temp(path.name) or (ours and not _in_use(path)):
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed
