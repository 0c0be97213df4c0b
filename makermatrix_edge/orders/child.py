"""A large import's transaction in a child process, so the daemon's requests never wait behind it.

Inside the daemon, an import line is some 17 SQLite calls and index callbacks (mm_fold), and each
one hands the interpreter lock away and must win it back. While requests are being served, every
such hand-back can wait a switch interval (5 ms): measured, a 5 000-line import next to one busy
Python thread took 268 s instead of 1.5 s, and the requests around it waited in turn. A child
process has its own interpreter: the import runs at full speed on another core, and the daemon
only shares the CPU with it (the child runs at a lower priority, so it gets what is left).

The daemon's writer thread stays occupied for the whole run (Database.exclusive_sync), so no
other write can start, and the child's BEGIN IMMEDIATE … COMMIT is all or nothing: a failed,
cancelled or killed child leaves nothing written (SQLite ignores a WAL transaction that never
committed). Readers see the old data until the commit, as with any write.

Protocol: the parent writes one ImportJob as JSON on stdin; the child answers JSON lines on
stdout: {"done": n, "of": total} every 100 lines, then {"outcome": ...} or {"error": ...}.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Literal

import msgspec
import sqlite_utils

from makermatrix_edge import errors
from makermatrix_edge.db.connection import connect
from makermatrix_edge.orders.writing import ImportJob, Outcome, write_import
from makermatrix_edge.runtime.diskspace import full_message, is_disk_full

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
    """`python -m makermatrix_edge.orders.child DB BUSY_MS SYNCHRONOUS`; the job on stdin."""
    path, busy_ms, synchronous = Path(argv[0]), int(argv[1]), argv[2]
    assert synchronous in ("NORMAL", "FULL")
    out = sys.stdout.buffer
    with contextlib.suppress(OSError):  # lowering one's own priority is always allowed on Linux
        os.nice(NICENESS)
    job = msgspec.json.decode(sys.stdin.buffer.read(), type=ImportJob)
    conn: sqlite3.Connection | None = None
    try:
        conn = connect(path, busy_timeout_ms=busy_ms, synchronous="FULL" if synchronous == "FULL" else "NORMAL")
        db = sqlite_utils.Database(conn, recursive_triggers=False)
        db.execute("BEGIN IMMEDIATE")
        try:
            outcome = write_import(db, job, lambda done, of: _say(out, Line(done=done, of=of)))
            db.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                db.execute("ROLLBACK")
            raise
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
    _say(out, Line(outcome=outcome))
    return 0


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
    db_path: Path,
    busy_timeout_ms: int,
    synchronous: Literal["NORMAL", "FULL"],
    job: ImportJob,
    progress: Callable[[int, int], None] | None,
) -> Outcome:
    """Blocking: run the job in a child and relay its progress; any exception here kills the child.

    `progress` may raise (a cancelled task): the child is killed and its transaction never commits.
    """
    args = [sys.executable, "-m", "makermatrix_edge.orders.child", str(db_path), str(busy_timeout_ms), synchronous]
    # stderr to a file, not a pipe: a child writing a lot there while we read stdout must not stall.
    with tempfile.TemporaryFile() as stderr:
        return _relay(
            subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr), job, progress, stderr
        )


def _relay(
    proc: subprocess.Popen[bytes], job: ImportJob, progress: Callable[[int, int], None] | None, stderr: IO[bytes]
) -> Outcome:
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(msgspec.json.encode(job))
        proc.stdin.close()
        decoder = msgspec.json.Decoder(Line)
        result: Outcome | None = None
        for raw in proc.stdout:
            line = decoder.decode(raw)
            if line.error is not None:
                _raise(line.error)
            if line.outcome is not None:
                result = line.outcome
            elif progress is not None and line.done is not None and line.of is not None:
                progress(line.done, line.of)
        code = proc.wait()
        if result is None or code != 0:
            stderr.seek(0)
            said = stderr.read().decode(errors="replace")[-2000:].strip()
            raise RuntimeError(f"the import worker exited with {code}: {said or 'no message'}")
        return result
    except BaseException:
        if proc.poll() is None:
            proc.kill()
        raise
    finally:
        proc.wait()
        proc.stdout.close()


def main() -> None:
    sys.exit(child_main(sys.argv[1:]))


if __name__ == "__main__":
    main()
