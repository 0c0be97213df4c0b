"""A large import's writing in a child process, one batch per turn of the daemon's writer.

Inside the daemon, an import line is some 17 SQLite calls and index callbacks (mm_fold), and each
one hands the interpreter lock away and must win it back. While requests are being served, every
such hand-back can wait a switch interval (5 ms): measured, a 5 000-line import next to one busy
Python thread took 268 s instead of 1.5 s, and the requests around it waited in turn. A child
process has its own interpreter: the import runs at full speed on another core, and the daemon
only shares the CPU with it (the child runs at a lower priority, so it gets what is left).

The child writes only when the daemon says so, one batch of about 0.1 s per "go", and the daemon
says it from its writer thread (Database.exclusive_sync), so writes people queued meanwhile run
between two batches and never race the child for SQLite's lock. What makes the batches all or
nothing is in orders/batches.py.

Protocol: the parent writes the ImportJob as one JSON line on stdin, then one command per line:
"go" (write the next batch; the answer is {"done": n, "of": total}) or "commit" (the final step;
the answer is {"outcome": ...}). Any failure answers {"error": ...}. End of input (the daemon is
gone) ends the child between two batches.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

import msgspec
import sqlite_utils

from makermatrix_edge import errors
from makermatrix_edge.db.connection import connect
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.orders.batches import BatchedImport
from makermatrix_edge.orders.writing import ImportJob, Outcome
from makermatrix_edge.runtime.diskspace import full_message, is_disk_full

T = TypeVar("T")
HOLD_SECONDS = 0.5  # batches back to back while no other write waits; then progress, and a cancel is seen
NICENESS = 19  # the child's CPU priority below the daemon's (never above: that needs privileges)


class Failure(msgspec.Struct):
    kind: str  # an errors.DomainError subclass name, else "crash"
    message: str
    field: str | None = None


class Line(msgspec.Struct, omit_defaults=True):
    done: int | None = None
    of: int | None = None
    outcome: Outcome | None = None
    error: Failure | None = None


_encoder = msgspec.json.Encoder()


def _say(out: IO[bytes], line: Line) -> None:
    out.write(_encoder.encode(line) + b"\n")
    out.flush()


def child_main(argv: list[str]) -> int:
    """`python -m makermatrix_edge.orders.child DB BUSY_MS SYNCHRONOUS [replicated]`; job and commands on stdin."""
    path, busy_ms, synchronous = Path(argv[0]), int(argv[1]), argv[2]
    replicated = argv[3:4] == ["replicated"]  # Litestream checkpoints: none of ours (db/connection.py)
    assert synchronous in ("NORMAL", "FULL")
    out = sys.stdout.buffer
    with contextlib.suppress(OSError):  # lowering one's own priority is always allowed on Linux
        os.nice(NICENESS)
    job = msgspec.json.decode(sys.stdin.buffer.readline(), type=ImportJob)
    work = BatchedImport(job)
    conn: sqlite3.Connection | None = None
    try:
        conn = connect(
            path,
            busy_timeout_ms=busy_ms,
            synchronous="FULL" if synchronous == "FULL" else "NORMAL",
            autocheckpoint=not replicated,
        )
        db = sqlite_utils.Database(conn, recursive_triggers=False)
        for command in sys.stdin.buffer:
            if command.strip() == b"go":
                done = _transaction(db, lambda: work.write_batch(db))
                _say(out, Line(done=done, of=work.total))
            elif command.strip() == b"commit":
                outcome = _transaction(db, lambda: work.finish(db))
                _say(out, Line(outcome=outcome))
                return 0
        return 3  # the daemon went away: what was written stays `importing`, and its next start takes it back
    except errors.DomainError as exc:
        _say(out, Line(error=Failure(type(exc).__name__, exc.message, getattr(exc, "field", None))))
        return 1
    except Exception as exc:
        if isinstance(exc, sqlite3.Error) and is_disk_full(exc):
            _say(out, Line(error=Failure("DiskFull", full_message(path.parent))))
        else:
            _say(out, Line(error=Failure("crash", f"{type(exc).__name__}: {exc}")))
        return 1
    finally:
        if conn is not None:
            conn.close()


def _transaction(db: sqlite_utils.Database, fn: Callable[[], T]) -> T:
    db.execute("BEGIN IMMEDIATE")
    try:
        result = fn()
        db.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    return result


# What the transaction can refuse with, raised again in the daemon as the same error.
_REFUSALS: dict[str, type[errors.DomainError]] = {
    cls.__name__: cls for cls in (errors.Conflict, errors.NotFound, errors.DiskFull, errors.BadRequest)
}


def _raise(failure: Failure) -> None:
    if failure.kind in ("InvalidInput", "BeyondLimit"):
        raise getattr(errors, failure.kind)(failure.message, failure.field)
    if failure.kind in _REFUSALS:
        raise _REFUSALS[failure.kind](failure.message)
    raise RuntimeError(f"the import worker failed: {failure.message}")


def run_in_child(
    db: Database,
    job: ImportJob,
    progress: Callable[[int, int], None] | None,
    may_commit: Callable[[], None] | None = None,
) -> Outcome:
    """Blocking: write the job in batches through a child and relay its progress; any exception kills it.

    `progress` (after each batch) and `may_commit` (just before the final step) may raise, for a
    cancelled task: the child is killed between two batches and the caller takes back what was
    written (orders/batches.py). Once `may_commit` has returned, the import goes to its end.
    """
    args = [sys.executable, "-m", "makermatrix_edge.orders.child", str(db.path), str(db.busy_timeout_ms)]
    args.append(db.synchronous)
    if db.replicated:
        args.append("replicated")
    # stderr to a file, not a pipe: a child writing a lot there while we read stdout must not stall.
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
        return _relay(proc, db, job, progress, may_commit, stderr)


def _relay(
    proc: subprocess.Popen[bytes],
    db: Database,
    job: ImportJob,
    progress: Callable[[int, int], None] | None,
    may_commit: Callable[[], None] | None,
    stderr: IO[bytes],
) -> Outcome:
    assert proc.stdin is not None and proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout
    decoder = msgspec.json.Decoder(Line)

    def turn(command: bytes) -> Line:
        """On the writer thread: one batch (or the final step) while no other write runs."""
        try:
            stdin.write(command)
            stdin.flush()
            raw = stdout.readline()
        except BrokenPipeError:  # it died since its last answer
            raw = b""
        if not raw:
            code = proc.wait()
            stderr.seek(0)
            said = stderr.read().decode(errors="replace")[-2000:].strip()
            raise RuntimeError(f"the import worker exited with {code}: {said or 'no message'}")
        line = decoder.decode(raw)
        if line.error is not None:
            _raise(line.error)
        return line

    def turns() -> Line:
        """Batches while nobody else waits for the writer, for at most HOLD_SECONDS (progress comes between)."""
        until = time.monotonic() + HOLD_SECONDS
        while True:
            line = turn(b"go\n")
            if (line.done or 0) >= (line.of or 0) or db.writes_waiting or time.monotonic() >= until:
                return line

    try:
        stdin.write(msgspec.json.encode(job) + b"\n")
        while True:
            line = db.exclusive_sync(turns)
            done, of = line.done or 0, line.of or 0
            if progress is not None:  # outside the writer: it may store the task's progress
                progress(done, of)
            if done >= of:
                break
        if may_commit is not None:
            may_commit()
        outcome = db.exclusive_sync(lambda: turn(b"commit\n")).outcome
        if outcome is None:
            raise RuntimeError("the import worker ended without its outcome")
        return outcome
    except BaseException:
        if proc.poll() is None:
            proc.kill()
        raise
    finally:
        with contextlib.suppress(OSError):
            stdin.close()
        proc.wait()
        stdout.close()


def main() -> None:
    sys.exit(child_main(sys.argv[1:]))


if __name__ == "__main__":
    main()
