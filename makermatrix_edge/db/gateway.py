"""The database gateway: one writer thread, a small pool of reader threads, never the event loop."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Literal, TypeVar

import sqlite_utils

from makermatrix_edge.db.connection import connect, refresh_statistics
from makermatrix_edge.db.migrations import apply_migrations
from makermatrix_edge.errors import DiskFull
from makermatrix_edge.runtime.diskspace import full_message, is_disk_full

T = TypeVar("T")
log = logging.getLogger(__name__)
Hook = Callable[[sqlite_utils.Database], None]
# A context's extra step inside each of its writes' transactions (a ContextVar is a key, not state:
# each request's task has its own value). Used to mark a keyed request's change as done in the same
# commit as the change itself (db/replies.py).
_ALSO_IN_EACH_WRITE: contextvars.ContextVar[Hook | None] = contextvars.ContextVar("also_in_each_write", default=None)


def also_in_each_write(hook: Hook | None) -> None:
    """From now on in this context (this request's task, the threads and tasks it starts), every write
    submitted also runs `hook` after its own work, in its transaction: both commit or neither."""
    _ALSO_IN_EACH_WRITE.set(hook)


def _with_hook(fn: Callable[[sqlite_utils.Database], T], hook: Hook) -> Callable[[sqlite_utils.Database], T]:
    def both(db: sqlite_utils.Database) -> T:
        result = fn(db)
        hook(db)
        return result

    return both


class Database:
    """All SQLite access goes through `read(fn)` and `write(fn)`; fn receives a sqlite_utils.Database.

    Writes run one at a time on a dedicated thread inside BEGIN IMMEDIATE … COMMIT, so a
    failing write leaves nothing half-written. Reads run on a pool with WAL snapshots and
    never wait for the writer.
    """

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_ms: int = 5000,
        synchronous: Literal["NORMAL", "FULL"] = "FULL",
        read_threads: int = 2,
        replicated: bool = False,
    ) -> None:
        self.path = path
        # Litestream checkpoints the WAL: no automatic checkpoints here and no TRUNCATE at close;
        # swap_file() still truncates, inside the replicator's pause.
        self.replicated = replicated
        self._busy_timeout_ms = busy_timeout_ms
        self._synchronous = synchronous
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-writer")
        self._readers = ThreadPoolExecutor(max_workers=read_threads, thread_name_prefix="db-reader")
        self._local = threading.local()
        self._all_conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._waiting = 0  # writes submitted to the writer thread and not started yet
        self._write_db: sqlite_utils.Database | None = None
        self._closed = False
        self.disk_full = False  # the last write failed for lack of space (cleared by the next that succeeds)
        # swap_file(): readers wait at the gate while the file is being replaced.
        self._gate = threading.Condition()
        self._active_reads = 0
        self._swapping = False
        self._generation = 0

    # -- lifecycle -----------------------------------------------------------------
    def open(self) -> list[str]:
        """Create or open the file and apply pending migrations; returns the names applied."""
        return self._writer.submit(self._open_on_writer).result()

    def _open_on_writer(self) -> list[str]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(
            self.path,
            busy_timeout_ms=self._busy_timeout_ms,
            synchronous=self._synchronous,
            autocheckpoint=not self.replicated,
        )
        self._track(conn)
        # Our triggers are written for SQLite's default: a trigger's own writes do not fire it again.
        self._write_db = sqlite_utils.Database(conn, recursive_triggers=False)
        applied = apply_migrations(self._write_db)
        refresh_statistics(conn)
        return applied

    def close(self) -> None:
        """Finish queued work, checkpoint the WAL and close every connection. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._readers.shutdown(wait=True)
        if self._write_db is not None:
            # Replicated, another process may still run Litestream (`backup` from the shell beside the
            # daemon): no TRUNCATE behind its back. The last connection's close checkpoints by itself.
            self._writer.submit(self._checkpoint, not self.replicated).result()
        self._writer.shutdown(wait=True)
        with self._lock:
            for conn in self._all_conns:
                conn.close()
            self._all_conns.clear()

    def _checkpoint(self, truncate: bool = True) -> None:
        assert self._write_db is not None
        try:
            refresh_statistics(self._write_db.conn)
            if truncate:
                self._write_db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:  # a busy reader elsewhere is not a reason to fail shutdown
            log.warning("wal checkpoint at close failed: %s", exc)

    def _track(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            self._all_conns.append(conn)

    # -- work ----------------------------------------------------------------------
    def _run_write(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        db = self._write_db
        if db is None:
            raise RuntimeError("database is not open")
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                result = fn(db)
                db.execute("COMMIT")  # inside: a COMMIT that fails (disk full) is rolled back too
            except BaseException:
                if db.conn.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            if is_disk_full(exc):
                self.disk_full = True
                message = full_message(self.path.parent)
                log.error("write refused: %s (%s)", message, exc)
                raise DiskFull(message) from exc
            raise
        self.disk_full = False
        return result

    def _run_read(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        with self._gate:
            while self._swapping:
                self._gate.wait()
            self._active_reads += 1
        try:
            db: sqlite_utils.Database | None = getattr(self._local, "db", None)
            if db is None or getattr(self._local, "generation", -1) != self._generation:
                conn = connect(self.path, busy_timeout_ms=self._busy_timeout_ms, read_only=True)
                self._track(conn)
                db = sqlite_utils.Database(conn, recursive_triggers=False)
                self._local.db = db
                self._local.generation = self._generation
            return fn(db)
        finally:
            with self._gate:
                self._active_reads -= 1
                self._gate.notify_all()

    # -- replacing the file (restore) ----------------------------------------------
    def swap_file(self, new_path: Path) -> list[str]:
        """Replace the database with the complete file `new_path` (same filesystem) while running.

        Runs on the writer thread, so queued writes wait; readers wait at the gate until the new
        file is open, so nobody ever sees a half-replaced database. The old file is kept aside
        until the new one has opened and migrated; if that fails, the old one is put back.
        Returns the migrations applied to the new file.
        """
        return self._writer.submit(self._swap_on_writer, new_path).result()

    def _swap_on_writer(self, new_path: Path) -> list[str]:
        with self._gate:
            self._swapping = True
            while self._active_reads:
                self._gate.wait()
        try:
            self._close_all_connections()
            aside = self.path.with_name(self.path.name + ".swap-old")
            try:
                os.replace(self.path, aside)
                for suffix in ("-wal", "-shm"):  # empty after the TRUNCATE checkpoint; stale for the new file
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
                os.replace(new_path, self.path)
                applied = self._open_on_writer()
            except BaseException:
                self._close_all_connections()
                if aside.exists():
                    os.replace(aside, self.path)
                self._open_on_writer()
                raise
            aside.unlink(missing_ok=True)
            return applied
        finally:
            with self._gate:
                self._generation += 1
                self._swapping = False
                self._gate.notify_all()

    def _close_all_connections(self) -> None:
        if self._write_db is not None:
            self._checkpoint()
        with self._lock:
            for conn in self._all_conns:
                conn.close()
            self._all_conns.clear()
        self._write_db = None

    @property
    def busy_timeout_ms(self) -> int:
        return self._busy_timeout_ms

    @property
    def synchronous(self) -> Literal["NORMAL", "FULL"]:
        return self._synchronous

    def exclusive_sync(self, fn: Callable[[], T]) -> T:
        """Blocking: run fn on the writer thread outside any transaction, so no other write starts
        meanwhile; for a writer in another process (orders/child.py), which takes its own lock."""
        if self._write_db is None:
            raise RuntimeError("database is not open")
        return self._writer.submit(fn).result()

    @property
    def writes_waiting(self) -> int:
        """Writes queued for the writer thread and not started yet (a batched import gives way to them)."""
        return self._waiting

    def _queued_write(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        self._unwait()
        return self._run_write(fn)

    def _submit_write(self, fn: Callable[[sqlite_utils.Database], T]) -> Future[T]:
        hook = _ALSO_IN_EACH_WRITE.get()  # the caller's context: the writer thread has its own
        if hook is not None:
            fn = _with_hook(fn, hook)
        with self._lock:
            self._waiting += 1
        try:
            future = self._writer.submit(self._queued_write, fn)
        except BaseException:  # shut down: it will never start
            self._unwait()
            raise
        # A write cancelled before it started (its request went away) never reaches _queued_write.
        future.add_done_callback(lambda f: self._unwait() if f.cancelled() else None)
        return future

    def _unwait(self) -> None:
        with self._lock:
            self._waiting -= 1

    async def write(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run fn in one transaction on the writer thread."""
        return await asyncio.wrap_future(self._submit_write(fn))

    async def read(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run fn on a reader thread (read-only connection)."""
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._run_read, fn)

    def write_sync(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Blocking form of write() for the CLI and for code already off the event loop."""
        return self._submit_write(fn).result()

    def read_sync(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        return self._readers.submit(self._run_read, fn).result()
