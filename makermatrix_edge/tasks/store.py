"""SQL over the `tasks` table. Every function runs inside a gateway read or write."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlite_utils

from makermatrix_edge.db import sql
from makermatrix_edge.tasks.models import ACTIVE, FINISHED, PRIORITIES, TaskFilter

Row = dict[str, Any]
PRIORITY_RANK = "CASE priority " + " ".join(f"WHEN '{p}' THEN {i}" for i, p in enumerate(PRIORITIES)) + " END"
_IN_ACTIVE = "(" + ", ".join(f"'{s}'" for s in ACTIVE) + ")"
_IN_FINISHED = "(" + ", ".join(f"'{s}'" for s in FINISHED) + ")"


def _rows(db: sqlite_utils.Database, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    return [dict(r) for r in db.execute(sql, list(params)).fetchall()]


def get(db: sqlite_utils.Database, task_id: str) -> Row | None:
    rows = _rows(db, "SELECT * FROM tasks WHERE id = ?", [task_id])
    return rows[0] if rows else None


def insert(db: sqlite_utils.Database, row: Row) -> None:
    columns = ", ".join(row)
    db.execute(f"INSERT INTO tasks ({columns}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


def update(db: sqlite_utils.Database, task_id: str, now: str, **values: Any) -> None:
    sql.update(db, "tasks", values, where="id = ?", params=[task_id], now=now)


def encode(data: Any) -> str | None:
    return None if data is None else json.dumps(data, separators=(",", ":"), default=str)


def _where(flt: TaskFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column, values in (("status", flt.statuses), ("task_type", flt.task_types), ("priority", flt.priorities)):
        if values:
            clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    if flt.created_by_user_id is not None:
        clauses.append("created_by_user_id = ?")
        params.append(flt.created_by_user_id)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def search(db: sqlite_utils.Database, flt: TaskFilter) -> tuple[list[Row], int]:
    where, params = _where(flt)
    total = int(db.execute(f"SELECT count(*) FROM tasks{where}", params).fetchone()[0])
    order = PRIORITY_RANK if flt.order_by == "priority" else flt.order_by  # checked against ORDER_FIELDS
    direction = "DESC" if flt.order_desc else "ASC"
    if flt.order_by == "priority":  # rank 0 is the most urgent, so "descending priority" is ascending rank
        direction = "ASC" if flt.order_desc else "DESC"
    rows = _rows(
        db,
        f"SELECT * FROM tasks{where} ORDER BY {order} {direction}, rowid {direction} LIMIT ? OFFSET ?",
        [*params, flt.limit, flt.offset],
    )
    return rows, total


def last_for_part(db: sqlite_utils.Database, task_type: str, part_id: str) -> Row | None:
    """The newest task of `task_type` whose input names this part (the part page tells how it went)."""
    rows = _rows(
        db,
        "SELECT * FROM tasks WHERE task_type = ? AND json_extract(input_data, '$.part_id') = ? "
        "ORDER BY created_at DESC, rowid DESC LIMIT 1",
        [task_type, part_id],
    )
    return rows[0] if rows else None


_RUNNABLE = "status = 'PENDING' OR (status = 'RETRY' AND coalesce(next_attempt_at, '') <= ?)"


def runnable(db: sqlite_utils.Database, now: str) -> bool:
    return db.execute(f"SELECT 1 FROM tasks WHERE {_RUNNABLE} LIMIT 1", [now]).fetchone() is not None


def claim(db: sqlite_utils.Database, count: int, now: str) -> list[Row]:
    """Take up to `count` runnable tasks, most urgent then oldest first, and mark them RUNNING."""
    rows = _rows(
        db,
        f"SELECT * FROM tasks WHERE {_RUNNABLE} ORDER BY {PRIORITY_RANK}, created_at, rowid LIMIT ?",
        [now, count],
    )
    for row in rows:
        values = {
            "status": "RUNNING",
            "started_at": now,
            "completed_at": None,
            "progress_percentage": 0,
            "current_step": "Starting",
            "next_attempt_at": None,
            "cancel_requested": 0,
        }
        update(db, row["id"], now, **values)
        row.update(values, updated_at=now)
    return rows


def set_progress(db: sqlite_utils.Database, task_id: str, percent: int, step: str | None, now: str) -> None:
    db.execute(
        "UPDATE tasks SET progress_percentage = ?, current_step = ?, updated_at = ? "
        "WHERE id = ? AND status = 'RUNNING'",
        [percent, step, now, task_id],
    )


def recover_interrupted(db: sqlite_utils.Database, now: str) -> list[Row]:
    """After a crash: RUNNING tasks fail with 'interrupted by restart', and retry if they may."""
    rows = _rows(db, "SELECT * FROM tasks WHERE status = 'RUNNING'")
    for row in rows:
        if row["cancel_requested"]:
            values: dict[str, Any] = {"status": "CANCELLED", "completed_at": now, "current_step": "Cancelled"}
        elif row["retry_count"] < row["max_retries"]:
            values = {"status": "RETRY", "retry_count": row["retry_count"] + 1, "next_attempt_at": now}
        else:
            values = {"status": "FAILED", "completed_at": now}
        values.setdefault("error_message", "interrupted by restart")
        update(db, row["id"], now, **values)
        row.update(values)
    return rows


def counts(db: sqlite_utils.Database, owner: str | None, since: str, midnight: str) -> dict[str, Any]:
    where, params = ("WHERE created_by_user_id = ?", [owner]) if owner is not None else ("", [])

    def grouped(column: str) -> dict[str, int]:
        sql = f"SELECT {column}, count(*) FROM tasks {where} GROUP BY {column}"
        return {str(r[0]).lower(): int(r[1]) for r in db.execute(sql, params).fetchall()}

    and_where = where.replace("WHERE", "AND") if where else ""
    recent = db.execute(
        f"SELECT status, count(*), avg((julianday(completed_at) - julianday(started_at)) * 86400) "
        f"FROM tasks WHERE status IN {_IN_FINISHED} AND completed_at >= ? {and_where} GROUP BY status",
        [since, *params],
    ).fetchall()
    today = db.execute(
        f"SELECT count(*) FROM tasks WHERE status = 'COMPLETED' AND completed_at >= ? {and_where}", [midnight, *params]
    ).fetchone()[0]
    durations = [(int(r[1]), r[2]) for r in recent if r[2] is not None]
    weight = sum(n for n, _ in durations)
    return {
        "by_status": grouped("status"),
        "by_type": grouped("task_type"),
        "by_priority": grouped("priority"),
        "finished": sum(int(r[1]) for r in recent),
        "failed": sum(int(r[1]) for r in recent if r[0] == "FAILED"),
        "completed_today": int(today),
        "average": (sum(n * d for n, d in durations) / weight) if weight else None,
    }


def count_active(db: sqlite_utils.Database, owner: str | None = None) -> int:
    if owner is None:
        return int(db.execute(f"SELECT count(*) FROM tasks WHERE status IN {_IN_ACTIVE}").fetchone()[0])
    sql = f"SELECT count(*) FROM tasks WHERE status IN {_IN_ACTIVE} AND created_by_user_id = ?"
    return int(db.execute(sql, [owner]).fetchone()[0])


def count_created_since(db: sqlite_utils.Database, owner: str, since: str) -> tuple[int, str | None]:
    """How many tasks the user created since `since`, and when the oldest of them was created."""
    row = db.execute(
        "SELECT count(*), min(created_at) FROM tasks WHERE created_by_user_id = ? AND created_at >= ?", [owner, since]
    ).fetchone()
    return int(row[0]), row[1]


def active_of_type(db: sqlite_utils.Database, task_type: str, system_only: bool) -> Row | None:
    extra = " AND created_by_user_id IS NULL" if system_only else ""
    rows = _rows(db, f"SELECT * FROM tasks WHERE task_type = ? AND status IN {_IN_ACTIVE}{extra} LIMIT 1", [task_type])
    return rows[0] if rows else None


def prune_finished(db: sqlite_utils.Database, before: str) -> int:
    sql = f"DELETE FROM tasks WHERE status IN {_IN_FINISHED} AND coalesce(completed_at, updated_at) < ?"
    return int(db.execute(sql, [before]).rowcount)
