"""The database file in data_dir, and opening it as the settings say (the daemon and the CLI commands)."""

from __future__ import annotations

import logging

from makermatrix_edge.db.gateway import Database
from makermatrix_edge.settings import Settings

log = logging.getLogger(__name__)
DB_FILE = "makermatrix.db"


def open_database(settings: Settings) -> Database:
    """Open (and migrate) data_dir's database with the [storage] settings; blocking."""
    storage = settings.storage
    db = Database(
        settings.data_dir / DB_FILE,
        busy_timeout_ms=storage.busy_timeout_ms,
        synchronous=storage.synchronous,
        read_threads=storage.read_threads,
        replicated=settings.replication.enabled,
    )
    applied = db.open()
    if applied:
        log.info("database %s: applied migrations %s", db.path, ", ".join(applied))
    return db
