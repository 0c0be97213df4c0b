"""Restore a backup into a data dir: verify first, refuse newer schemas, swap in, migrate.

Everything is checked before anything is touched: the manifest, every checksum, the database's
integrity, its contents (backups/checks.py: ours, whole, as counted, with an admin) and its
migrations (a database from a newer daemon is refused). The members are
extracted next to the data, the folders (images/, datasheets/, labels/) are swapped by rename
and the database last: into a running daemon through `Database.swap_file` (writes wait, readers
wait, nobody sees a half-restored file), otherwise by rename. If the swap fails, the previous
data is put back. Afterwards the migrations bring an older archive up to date.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from makermatrix_edge.backups.archive import DATABASE_MEMBER, open_zip
from makermatrix_edge.backups.checks import RestoreRefused, check_has_admin
from makermatrix_edge.backups.litestream import remove_local_state
from makermatrix_edge.backups.snapshot import applied_migrations, counts, unknown_migrations
from makermatrix_edge.backups.verify import BackupInvalid, safe_member, verify_archive
from makermatrix_edge.db.datafile import DB_FILE
from makermatrix_edge.db.gateway import Database

FOLDERS = ("images", "datasheets", "labels")
SECRET_KEY = "secret.key"


__all__ = ["RestoreRefused", "RestoreResult", "restore_archive"]


@dataclass
class RestoreResult:
    manifest_created_at: str
    schema_version: str
    migrations_applied: list[str]
    folders_restored: list[str]
    safety_backup: str | None
    counts: dict[str, int] = field(default_factory=dict)


def _extract(archive: Path, members: list[str], passphrase: str | None, into: Path) -> None:
    with open_zip(archive, "r", passphrase) as zf:
        for name in members:
            if not safe_member(name):
                raise BackupInvalid(f"unsafe member name {name!r}")
            target = into.joinpath(*name.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(name) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())


def open_and_migrate(path: Path) -> list[str]:
    db = Database(path, read_threads=1)
    try:
        return db.open()
    finally:
        db.close()


def _swap_offline(target: Path, staging: Path) -> list[str]:
    """No daemon runs: rename the new file in, migrate; on failure the old file goes back."""
    aside = staging / "old-makermatrix.db"
    had_old = target.exists()
    if had_old:
        open_and_migrate(target)  # checkpoints and closes it cleanly, so -wal/-shm are gone
        os.replace(target, aside)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staging / DATABASE_MEMBER, target)
    remove_local_state(target)  # Litestream's position ([replication]) described the old file
    try:
        return open_and_migrate(target)
    except BaseException:
        if had_old:
            os.replace(aside, target)
        raise


def restore_archive(
    archive: Path,
    data_dir: Path,
    *,
    passphrase: str | None = None,
    db: Database | None = None,
    safety_backup: Callable[[], Path | None] = lambda: None,
    restore_secret_key: bool = False,
) -> RestoreResult:
    data_dir.mkdir(parents=True, exist_ok=True)
    verified = verify_archive(archive, passphrase, scratch=data_dir)
    manifest = verified.manifest
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
    moved: list[tuple[Path, Path | None]] = []  # (live folder, where its old contents went)
    try:
        _extract(archive, verified.members, passphrase, staging)
        newer = unknown_migrations(applied_migrations(staging / DATABASE_MEMBER))
        if newer:
            raise RestoreRefused(
                f"the backup comes from a newer makermatrix-edge (schema has {', '.join(newer)}); "
                "upgrade this daemon first"
            )
        check_has_admin(staging / DATABASE_MEMBER)
        restored_counts = counts(staging / DATABASE_MEMBER)  # what is being put in, not what the manifest says
        safety = safety_backup()
        included = [f for f in FOLDERS if f in manifest.get("included", [])]
        for name in included:
            live = data_dir / name
            old: Path | None = None
            if live.exists():
                old = staging / f"old-{name}"
                os.replace(live, old)
            moved.append((live, old))
            fresh = staging / name
            if fresh.is_dir():
                os.replace(fresh, live)
            else:
                live.mkdir()
        if db is not None:
            applied = db.swap_file(staging / DATABASE_MEMBER)
        else:
            applied = _swap_offline(data_dir / DB_FILE, staging)
        if restore_secret_key and (staging / SECRET_KEY).is_file():
            os.replace(staging / SECRET_KEY, data_dir / SECRET_KEY)
            os.chmod(data_dir / SECRET_KEY, 0o600)
        moved.clear()  # committed: nothing to roll back
        return RestoreResult(
            manifest_created_at=str(manifest.get("created_at", "")),
            schema_version=str(manifest.get("schema_version", "")),
            migrations_applied=applied,
            folders_restored=included,
            safety_backup=safety.name if safety else None,
            counts=restored_counts,
        )
    finally:
        for live, old in reversed(moved):  # only when something failed after folders moved
            with contextlib.suppress(OSError):
                shutil.rmtree(live, ignore_errors=True)
                if old is not None:
                    os.replace(old, live)
        shutil.rmtree(staging, ignore_errors=True)
