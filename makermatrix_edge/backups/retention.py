"""Which backups to keep: the newest of each of the last N days, weeks and months (grandfather-father-son).

Only files this daemon wrote and verified are ever candidates: each target folder holds a small
ledger (`makermatrix_backups.json`) naming them. Files someone else put there are never touched,
and the newest verified backup is never deleted whatever the numbers say.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from makermatrix_edge.backups.archive import PARTIAL_SUFFIX, fsync_dir

LEDGER = "makermatrix_backups.json"
# Read-modify-write of a ledger, one at a time in this process (backup, retention, safety backup).
_LEDGER_LOCK = threading.Lock()
AUTO_NAME = re.compile(r"makermatrix_backup_(\d{8})_(\d{6})(?:_\d+)?\.zip")


class LedgerEntry(msgspec.Struct, kw_only=True):
    created_at: str  # ISO 8601 UTC
    size_bytes: int
    verified: bool
    encrypted: bool = False
    scheduled: bool = False


class Ledger(msgspec.Struct, kw_only=True):
    version: int = 1
    backups: dict[str, LedgerEntry] = msgspec.field(default_factory=dict)


def read_ledger(folder: Path) -> Ledger:
    try:
        return msgspec.json.decode((folder / LEDGER).read_bytes(), type=Ledger)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return Ledger()


def write_ledger(folder: Path, ledger: Ledger) -> None:
    """Replace the ledger atomically; the temp file has a name of its own, so two writers never share one."""
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f"{LEDGER}.", suffix=PARTIAL_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(msgspec.json.format(msgspec.json.encode(ledger)))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, folder / LEDGER)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    fsync_dir(folder)


def is_ledger_temp(name: str) -> bool:
    """A half-written ledger a crash left behind (ours to sweep)."""
    return name.startswith(f"{LEDGER}.") and name.endswith(PARTIAL_SUFFIX)


@dataclass(frozen=True)
class Candidate:
    name: str
    created_at: datetime


def _newest_per_bucket(items: list[Candidate], count: int, bucket: Callable[[datetime], Hashable]) -> set[str]:
    kept: set[str] = set()
    seen: set[Hashable] = set()
    for item in items:  # newest first
        key = bucket(item.created_at)
        if key in seen:
            continue
        if len(seen) >= count:
            break
        seen.add(key)
        kept.add(item.name)
    return kept


def to_keep(candidates: Iterable[Candidate], *, daily: int, weekly: int, monthly: int) -> set[str]:
    """Candidates in the order they were recorded: of two taken in the same second, the later is newer."""
    ranked = list(enumerate(candidates))
    items = [c for _, c in sorted(ranked, key=lambda pair: (pair[1].created_at, pair[0]), reverse=True)]
    if not items:
        return set()
    keep = {items[0].name}  # the newest verified backup, always
    keep |= _newest_per_bucket(items, daily, lambda t: t.date())
    keep |= _newest_per_bucket(items, weekly, lambda t: t.isocalendar()[:2])
    keep |= _newest_per_bucket(items, monthly, lambda t: (t.year, t.month))
    return keep


def candidates(ledger: Ledger) -> list[Candidate]:
    """Verified backups with the automatic name pattern; named (manual) backups are kept for good."""
    out = []
    for name, entry in ledger.backups.items():
        if entry.verified and AUTO_NAME.fullmatch(name):
            created = datetime.fromisoformat(entry.created_at)
            out.append(Candidate(name, created if created.tzinfo else created.replace(tzinfo=UTC)))
    return out


def prune(folder: Path, *, daily: int, weekly: int, monthly: int, written: str | None = None) -> list[str]:
    """Delete what retention does not keep, in folder, never `written` (just made); returns the names deleted."""
    with _LEDGER_LOCK:
        return _prune(folder, daily=daily, weekly=weekly, monthly=monthly, written=written)


def _prune(folder: Path, *, daily: int, weekly: int, monthly: int, written: str | None) -> list[str]:
    ledger = read_ledger(folder)
    pool = candidates(ledger)
    keep = to_keep(pool, daily=daily, weekly=weekly, monthly=monthly)
    if written is not None:  # its task reports it: it must still be there
        keep.add(written)
    deleted = []
    for item in pool:
        if item.name in keep:
            continue
        with contextlib.suppress(FileNotFoundError):
            (folder / item.name).unlink()
        del ledger.backups[item.name]
        deleted.append(item.name)
    if deleted:
        write_ledger(folder, ledger)
        fsync_dir(folder)
    return sorted(deleted)


def record(folder: Path, name: str, entry: LedgerEntry) -> None:
    """Add a backup we wrote; entries whose file was deleted by hand are dropped on the way."""
    with _LEDGER_LOCK:
        ledger = read_ledger(folder)
        ledger.backups = {n: e for n, e in ledger.backups.items() if (folder / n).is_file()}
        ledger.backups[name] = entry
        write_ledger(folder, ledger)


def live_entries(folder: Path) -> dict[str, Any]:
    """The ledger's entries whose file is still there. Only reads: listing never writes the ledger."""
    return {n: e for n, e in read_ledger(folder).backups.items() if (folder / n).is_file()}
