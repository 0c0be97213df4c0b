"""Small SQL builders shared by the services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlite_utils


def update(
    db: sqlite_utils.Database,
    table: str,
    changes: Mapping[str, Any],
    *,
    where: str,
    params: Sequence[Any],
    now: str | None = None,
) -> int:
    """UPDATE table SET each changed column (and updated_at = now when given) WHERE ...; returns rows changed.

    Table and column names come from code (Struct field names), never from a request.
    """
    columns = dict(changes)
    if now is not None:
        columns["updated_at"] = now
    if not columns:
        return 0
    assignments = ", ".join(f"{column} = ?" for column in columns)
    return int(db.execute(f"UPDATE {table} SET {assignments} WHERE {where}", [*columns.values(), *params]).rowcount)
