"""DATABASE_CLEANUP: prune old finished tasks and expired idempotent answers, refresh statistics, checkpoint the WAL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.clock import iso
from makermatrix_edge.db.connection import connect, refresh_statistics
from makermatrix_edge.db.replies import KEEP_SECONDS
from makermatrix_edge.db.replies import prune as prune_replies
from makermatrix_edge.tasks import store
from makermatrix_edge.tasks.context import TaskContext
from makermatrix_edge.tasks.registry import TaskHandler


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def database_cleanup(*, keep_finished_days: int, busy_timeout_ms: int) -> TaskHandler:
    def run(ctx: TaskContext) -> dict[str, Any]:
        days = ctx.input.get("older_than_days", keep_finished_days)
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 36500:
            raise ValueError(f"older_than_days must be a whole number of days from 1, not {days!r}")
        path = ctx.db.path
        size_before = _size(path)
        ctx.progress(5, f"Deleting finished tasks older than {days} days")
        before = iso(ctx.clock() - days * 86400)
        deleted = ctx.db.write_sync(lambda db: store.prune_finished(db, before))
        expired = iso(ctx.clock() - KEEP_SECONDS)  # an Idempotency-Key means the same request for a day
        replies = ctx.db.write_sync(lambda db: prune_replies(db, expired))
        ctx.progress(35, "Refreshing query planner statistics")
        # Its own connection: a checkpoint cannot run inside the gateway's write transaction.
        conn = connect(path, busy_timeout_ms=busy_timeout_ms, autocheckpoint=not ctx.db.replicated)
        try:
            refresh_statistics(conn)
            if ctx.db.replicated:  # Litestream checkpoints; a TRUNCATE behind its back would race it
                busy, wal_frames, checkpointed = 0, -1, -1
            else:
                ctx.progress(65, "Checkpointing the write-ahead log")
                busy, wal_frames, checkpointed = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.close()
        done = "checkpointing left to Litestream" if ctx.db.replicated else "database checkpointed"
        ctx.progress(100, f"Deleted {deleted} old tasks; {done}")
        return {
            "deleted_tasks": deleted,
            "deleted_idempotent_replies": replies,
            "older_than_days": days,
            "optimized": True,
            "wal_checkpoint": {"busy": bool(busy), "wal_frames": wal_frames, "checkpointed_frames": checkpointed},
            "database_bytes_before": size_before,
            "database_bytes_after": _size(path),
        }

    return TaskHandler(
        task_type="database_cleanup",
        name="Database cleanup",
        description="Deletes finished tasks past their age, refreshes planner statistics, checkpoints the WAL",
        run=run,
        permission=ADMIN,
        priority="LOW",
        max_retries=1,
        timeout_seconds=600,
    )
