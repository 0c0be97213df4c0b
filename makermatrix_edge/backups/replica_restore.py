"""`restore --from-replica`: the newest state (or the state at a time) from the Litestream replica.

Run with the daemon stopped, under the data-dir lock (cli.py). Litestream restores into a new
file inside the data dir; that file is checked as an archive's database is (integrity, this
project's migrations and schema, not from a newer daemon, an active admin) before anything is
touched. Then a database already there is kept aside (with its -wal, so nothing committed in it
is lost), Litestream's local state is dropped (it described the old file) and the new file is
renamed in and migrated.

The replica holds the database only: every part, stock movement, order, user, build. Photos,
datasheets and label files travel in the nightly archive.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from makermatrix_edge.backups.checks import BackupInvalid, RestoreRefused, check_has_admin
from makermatrix_edge.backups.litestream import (
    Replica,
    child_environment,
    find_litestream,
    remove_local_state,
    render_config,
)
from makermatrix_edge.backups.restore import open_and_migrate
from makermatrix_edge.backups.schema import schema_problems
from makermatrix_edge.backups.snapshot import applied_migrations, counts, integrity_problems, unknown_migrations
from makermatrix_edge.db.datafile import DB_FILE
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.settings import Settings


class ReplicaUnreadable(InvalidInput):
    """Litestream could not restore from the replica; the message says why in words."""


@dataclass
class ReplicaRestoreResult:
    replica: str  # without a password
    state_at: str  # the time of the newest change restored (UTC, ISO 8601)
    txid: str
    previous_kept: Path | None
    migrations_applied: list[str]
    counts: dict[str, int] = field(default_factory=dict)


def parse_timestamp(text: str, timezone: str) -> str:
    """'2026-12-06T18:00:00Z', '2026-12-06 18:00' (the bench's time zone) -> RFC 3339 in UTC for Litestream."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{text!r} is not a time; write it like 2026-12-06T18:00 or 2026-12-06T17:00:00Z") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(timezone) if timezone else datetime.now().astimezone().tzinfo)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _run(argv: list[str], settings: Settings) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, env=child_environment(settings.replication))
    if done.returncode != 0:
        raise ReplicaUnreadable(_restore_words(done.stderr.strip() or done.stdout.strip()))
    return done.stdout


def _restore_words(error: str) -> str:
    if "no matching backup files" in error or "no snapshots" in error.lower():
        return "the replica holds no copy of this database (wrong URL, or replication never ran)"
    if "timestamp does not exist" in error:
        return "the replica holds nothing that old (it keeps [replication] retention_days)"
    return f"litestream could not restore: {error.removeprefix('Error: ')}"


def _listing(program: Path, config: Path, db_path: Path, settings: Settings) -> list[dict[str, object]]:
    """Every LTX file the replica holds (all levels): txid ranges and when each was captured."""
    argv = [str(program), "ltx", "-config", str(config), "-no-expand-env", "-level", "all", "-json", str(db_path)]
    try:
        listing = json.loads(_run(argv, settings) or "[]")
    except (ReplicaUnreadable, ValueError):
        return []
    return [f for f in listing if isinstance(f, dict) and "timestamp" in f] if isinstance(listing, list) else []


def _state_time(listing: list[dict[str, object]], txid: str) -> str:
    """When the newest restored change was captured: the LTX file that ends at txid."""
    return max((str(f["timestamp"]) for f in listing if f.get("max_txid") == txid), default="")


def _check(path: Path) -> list[str]:
    problems = integrity_problems(path)
    if problems:
        raise BackupInvalid(f"the restored database is damaged: {'; '.join(problems[:3])}")
    applied = applied_migrations(path)
    if not applied:
        raise BackupInvalid("the replica does not hold a makermatrix-edge database")
    newer = unknown_migrations(applied)
    if newer:
        raise RestoreRefused(f"the replica comes from a newer makermatrix-edge ({', '.join(newer)}); upgrade first")
    problem = schema_problems(path, applied)
    if problem:
        raise BackupInvalid(problem)
    check_has_admin(path)
    return applied


def _keep_aside(target: Path, now: float) -> Path | None:
    """Move the database there now (and its -wal/-shm) to backups/; None when there is none."""
    if not target.exists():
        return None
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d_%H%M%S")
    folder = target.parent / "backups"
    folder.mkdir(exist_ok=True)
    aside = folder / f"before_replica_restore_{stamp}.db"
    for suffix in ("-wal", "-shm", ""):  # the file last: the -wal beside it keeps its committed pages
        source = Path(f"{target}{suffix}")
        if source.exists():
            os.replace(source, f"{aside}{suffix}")
    return aside


def restore_from_replica(
    settings: Settings, url: str | None = None, timestamp: str | None = None, *, now: float
) -> ReplicaRestoreResult:
    """Restore data_dir's database from the replica (daemon stopped; the caller holds the lock)."""
    chosen = url or next(iter(settings.replication.replicas), None)
    if not chosen:
        raise InvalidInput("no replica: give its URL (restore --from-replica file:///media/backup/makermatrix)")
    replica = Replica(chosen, settings.replication.s3_endpoint)
    if replica.scheme not in ("file", "sftp", "s3"):
        raise InvalidInput(f"{chosen!r} is not a file://, sftp:// or s3:// URL")
    program = find_litestream(settings.replication.litestream)
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / DB_FILE
    staging = Path(tempfile.mkdtemp(prefix=".replica-restore-", dir=data_dir))
    try:
        config = staging / "litestream.yml"
        config.write_text(
            render_config(target, replica, settings.replication, data_dir=data_dir, socket=None), encoding="utf-8"
        )
        out = staging / DB_FILE
        argv = [str(program), "restore", "-config", str(config), "-no-expand-env", "-json", "-o", str(out)]
        if timestamp:
            argv += ["-timestamp", parse_timestamp(timestamp, settings.schedule.timezone)]
        try:
            summary = json.loads(_run([*argv, str(target)], settings) or "{}")
        except ReplicaUnreadable:
            held = _listing(program, config, target, settings) if timestamp else []
            if held:
                oldest = min(str(f["timestamp"]) for f in held)
                words = f"the replica holds nothing that old: its oldest state is from {oldest}"
                raise ReplicaUnreadable(words) from None
            raise
        txid = str(summary.get("txid", ""))
        state_at = _state_time(_listing(program, config, target, settings), txid)
        _check(out)
        restored_counts = counts(out)
        previous = _keep_aside(target, now)
        remove_local_state(target)
        os.replace(out, target)
        applied = open_and_migrate(target)
        return ReplicaRestoreResult(replica.shown, state_at, txid, previous, applied, restored_counts)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
