"""What an archive's database must hold before it may replace the live one.

A checksum only proves the archive is what its writer meant; an empty or foreign file with a
matching manifest passes it and, restored, wipes every user and part. So the database itself is
read: this project's migrations table, the schema those migrations create up to the level it
claims (backups/schema.py: tables, columns, indexes, triggers), the row counts the
manifest claims and (for a restore) at least one active admin, so nobody is locked out.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from makermatrix_edge.accounts.store import active_admin_ids
from makermatrix_edge.backups.schema import schema_problems
from makermatrix_edge.backups.snapshot import applied_migrations, counts
from makermatrix_edge.errors import Conflict, InvalidInput


class BackupInvalid(InvalidInput):
    """The archive is damaged, incomplete, not ours, or the passphrase is wrong."""


class RestoreRefused(Conflict):
    """The archive is valid but must not be restored here (e.g. it comes from a newer version)."""


def check_contents(path: Path, manifest: dict[str, Any]) -> dict[str, int]:
    """Raise BackupInvalid unless the file is a whole makermatrix-edge database; returns its counts."""
    applied = applied_migrations(path)
    if not applied:
        size = path.stat().st_size
        what = "is empty (0 bytes)" if size == 0 else f"({size} bytes) has no makermatrix-edge migrations table"
        raise BackupInvalid(f"the database in the archive {what}; it is not a makermatrix-edge database")
    problem = schema_problems(path, applied)
    if problem:
        raise BackupInvalid(problem)
    claimed = manifest.get("counts")
    if not isinstance(claimed, dict) or not claimed:
        raise BackupInvalid("the manifest does not say how many rows the backup holds")
    found = counts(path)
    wrong = [f"{table} {found.get(table, 0)} (manifest: {n})" for table, n in claimed.items() if found.get(table) != n]
    if wrong:
        raise BackupInvalid(f"the database does not hold what the manifest claims: {', '.join(wrong)}")
    return found


def check_has_admin(path: Path) -> None:
    """Refuse a database nobody could administer: restored, it would lock every admin out."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        admins = active_admin_ids(sqlite_utils.Database(conn))
    finally:
        conn.close()
    if not admins:
        raise RestoreRefused(
            "the backup has no active admin user; restoring it would lock every admin out, so nothing was restored"
        )
