"""Background tasks and the scheduler's record of when each job last ran."""

from __future__ import annotations

import sqlite_utils

from makermatrix_edge.db.migrations._script import run_script


def migrate(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE tasks (
            id TEXT PRIMARY KEY,
            task_type TEXT NOT NULL,
            name TEXT NOT NULL,
            description TEXT,
            status TEXT NOT NULL DEFAULT 'PENDING'
                CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'RETRY')),
            priority TEXT NOT NULL DEFAULT 'NORMAL' CHECK (priority IN ('LOW', 'NORMAL', 'HIGH', 'URGENT')),
            progress_percentage INTEGER NOT NULL DEFAULT 0 CHECK (progress_percentage BETWEEN 0 AND 100),
            current_step TEXT,
            input_data TEXT,
            result_data TEXT,
            error_message TEXT,
            max_retries INTEGER NOT NULL DEFAULT 3 CHECK (max_retries >= 0),
            retry_count INTEGER NOT NULL DEFAULT 0,
            timeout_seconds INTEGER CHECK (timeout_seconds IS NULL OR timeout_seconds > 0),
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            started_at TEXT,
            completed_at TEXT,
            created_by_user_id TEXT REFERENCES users(id) ON DELETE SET NULL
        );
        CREATE INDEX tasks_queue ON tasks (status, priority, created_at);
        CREATE INDEX tasks_creator ON tasks (created_by_user_id, created_at);
        CREATE INDEX tasks_type ON tasks (task_type, created_at);
        -- When each scheduled job last ran, so a run missed while the Pi was off can be caught up.
        CREATE TABLE schedule_runs (
            job TEXT PRIMARY KEY,
            last_run_at TEXT NOT NULL,
            last_task_id TEXT
        );
        """,
    )
