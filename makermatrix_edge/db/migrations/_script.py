"""Running a migration's SQL script inside the migration's transaction."""

from __future__ import annotations

import sqlite3

import sqlite_utils


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Execute statements one by one (executescript would commit the migration's transaction)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            db.execute(buffer)
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement: {buffer.strip()[:80]}")
