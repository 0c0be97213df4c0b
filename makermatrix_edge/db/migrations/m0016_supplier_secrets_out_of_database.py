"""Secret supplier credentials move out of the database into a 0600 file."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from makermatrix_edge.runtime.secret_file import SUPPLIER_SECRETS, SecretFile


def migrate(db: sqlite_utils.Database) -> None:
    # Backups carry the database to a USB drive: secret supplier credentials move to
    # <data_dir>/supplier-secrets.json (0600, never archived). Their rows stay with an empty value,
    # so the database still says an admin set them (and a restore elsewhere, which to enter again).
    # An old archive restored later runs this too, and its secrets land in this Pi's file.
    secret = (("digikey", "client_secret"), ("mouser", "api_key"))
    where = " OR ".join("(supplier = ? AND key = ?)" for _ in secret)
    params = [part for pair in secret for part in pair]
    rows = db.execute(f"SELECT supplier, key, value FROM supplier_credentials WHERE value != '' AND ({where})", params)
    found = rows.fetchall()
    if not found:
        return
    main = next((r[2] for r in db.execute("PRAGMA database_list").fetchall() if r[1] == "main"), "")
    if main:  # an in-memory database has no folder and, here, no rows
        store = SecretFile(Path(main).parent / SUPPLIER_SECRETS)
        for supplier, key, value in found:
            store.set(supplier, key, value)
    # Zero the old bytes in the page, or the value would live on in free space and travel in backups.
    before = int(db.execute("PRAGMA secure_delete").fetchone()[0])
    db.execute("PRAGMA secure_delete = ON")
    db.execute(f"UPDATE supplier_credentials SET value = '' WHERE {where}", params)
    db.execute(f"PRAGMA secure_delete = {before}")
