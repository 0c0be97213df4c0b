"""One writer per data dir: the daemon (and every CLI command that writes) holds an flock on it.

A restore from the shell into the data dir of a running daemon renames a new file over the
database; the daemon keeps writing to the old, unlinked one and every later write is lost. So
the daemon holds an exclusive flock on `<data_dir>/daemon.lock` (with its pid and command in
the file) for as long as it runs, and the CLI commands that write take the same lock or refuse.
The kernel drops an flock when its holder dies, so a stale file from a killed daemon never
blocks anything.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from pathlib import Path
from types import TracebackType

from makermatrix_edge.errors import Conflict

LOCK_FILE = "daemon.lock"


class DataDirBusy(Conflict):
    """Another process holds the data dir; `pid` and `command` say which (when it wrote them)."""

    def __init__(self, message: str, pid: int | None, command: str) -> None:
        super().__init__(message)
        self.pid = pid
        self.command = command


def _holder(fd: int) -> tuple[int | None, str]:
    """The pid and command the holder wrote ((None, '') while it is still writing them)."""
    with contextlib.suppress(OSError):
        text = os.pread(fd, 256, 0).decode("utf-8", "replace").split()
        if text and text[0].isdigit():
            return int(text[0]), text[1] if len(text) > 1 else ""
    return None, ""


def _refusal(data_dir: Path, pid: int | None, command: str, hint: str) -> DataDirBusy:
    who = f"pid {pid}" if pid is not None else "pid unknown"
    if command in ("", "serve"):
        return DataDirBusy(f"the daemon is running ({who}): {hint}", pid, command)
    return DataDirBusy(
        f"another makermatrix-edge command ({command}, {who}) is using {data_dir}; wait for it to finish",
        pid,
        command,
    )


class DataDirLock:
    """`with DataDirLock(data_dir, "restore", hint=...):` holds the data dir or raises DataDirBusy."""

    def __init__(self, data_dir: Path, command: str, *, hint: str = "stop it first") -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_FILE
        self.command = command
        self.hint = hint
        self._fd: int | None = None

    def acquire(self) -> DataDirLock:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            pid, command = _holder(fd)
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise _refusal(self.data_dir, pid, command, self.hint) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {self.command}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        # The file stays: unlinking it would let a second process lock a new inode meanwhile.
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the last descriptor drops the flock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> DataDirLock:
        return self.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
