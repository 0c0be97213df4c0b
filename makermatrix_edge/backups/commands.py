"""`makermatrix-edge backup` and `makermatrix-edge restore ARCHIVE`: the CLI side of backups."""

from __future__ import annotations

import sys
from pathlib import Path

from makermatrix_edge.backups.service import BackupOptions, BackupService
from makermatrix_edge.backups.snapshot import counts
from makermatrix_edge.clock import system_clock
from makermatrix_edge.db.datafile import DB_FILE, open_database
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.devices.usbdrive import make_drive
from makermatrix_edge.errors import DomainError
from makermatrix_edge.runtime.secret_file import SUPPLIER_SECRETS, SecretFile, secrets_missing
from makermatrix_edge.settings import Settings


def _service(settings: Settings, db: Database) -> BackupService:
    return BackupService(settings, db, make_drive(settings.backup, settings.data_dir), system_clock)


def _passphrase(path: str | None) -> str | None:
    if not path:
        return None
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return lines[0] if lines else None


def run_backup(settings: Settings, name: str | None) -> int:
    """Take a verified backup now (the daemon may be running: the snapshot is an online backup)."""
    if not (settings.data_dir / DB_FILE).exists():
        print(f"no database in {settings.data_dir}; nothing to back up", file=sys.stderr)
        return 1
    db = open_database(settings)
    try:
        result = _service(settings, db).create(BackupOptions(backup_name=name))
    except DomainError as exc:
        print(f"backup failed: {exc.message}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(f"backup written and verified: {result.path} ({result.size_bytes} bytes)")
    if result.fallback_reason:
        print(f"note: written to the data dir because {result.fallback_reason}", file=sys.stderr)
    for name_ in result.pruned:
        print(f"pruned {name_}")
    return 0


def run_restore(settings: Settings, archive: Path, passphrase_file: str | None) -> int:
    """Restore onto this data dir with the daemon stopped (the caller holds the data-dir lock)."""
    if not archive.is_file():
        print(f"no such backup file: {archive}", file=sys.stderr)
        return 1
    # Not opened: the service only snapshots the current file (if any) for the safety backup.
    service = _service(settings, Database(settings.data_dir / DB_FILE))
    try:
        result = service.restore_offline(archive, _passphrase(passphrase_file))
    except DomainError as exc:
        print(f"nothing restored: {exc.message}", file=sys.stderr)
        return 1
    print(f"restored {archive.name} (taken {result.manifest_created_at}) into {settings.data_dir}")
    # Read back from the file now in place: what is really there, not what the manifest claims.
    found = counts(settings.data_dir / DB_FILE)
    print("counts: " + ", ".join(f"{k} {v}" for k, v in sorted(found.items())))
    if result.migrations_applied:
        print("migrations applied: " + ", ".join(result.migrations_applied))
    if result.safety_backup:
        print(f"the previous data is in {settings.data_dir / 'backups' / result.safety_backup}")
    missing = secrets_missing(settings.data_dir / DB_FILE, SecretFile(settings.data_dir / SUPPLIER_SECRETS))
    if missing:
        print("backups carry no secrets; enter these again on the Suppliers page: " + ", ".join(missing))
    return 0


def run_replica_restore(settings: Settings, url: str | None, timestamp: str | None) -> int:
    """Restore from the Litestream replica with the daemon stopped (the caller holds the data-dir lock)."""
    from makermatrix_edge.backups.replica_restore import restore_from_replica

    try:
        result = restore_from_replica(settings, url, timestamp, now=system_clock())
    except DomainError as exc:
        print(f"nothing restored: {exc.message}", file=sys.stderr)
        return 1
    print(f"restored from the replica {result.replica} into {settings.data_dir}")
    print(f"state as of {result.state_at or 'the newest change'} (transaction {result.txid})")
    found = counts(settings.data_dir / DB_FILE)
    print("counts: " + ", ".join(f"{k} {v}" for k, v in sorted(found.items())))
    if result.migrations_applied:
        print("migrations applied: " + ", ".join(result.migrations_applied))
    if result.previous_kept:
        print(f"the database that was there is kept in {result.previous_kept}")
    print("photos, datasheets and labels are not in the replica: restore them from a nightly backup if needed")
    return 0
