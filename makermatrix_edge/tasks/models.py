"""Task enums and what the task services hand out.

The database keeps status and priority upper case (its CHECK constraints); the API speaks the
lower-case values MakerMatrix clients use ("pending", "high", "database_cleanup") and accepts
either case on input.
"""

from __future__ import annotations

from typing import Any, Final, Literal

import msgspec

from makermatrix_edge.errors import InvalidInput

STATUSES: Final = ("PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "RETRY")
PRIORITIES: Final = ("URGENT", "HIGH", "NORMAL", "LOW")  # the order the worker takes them in
ACTIVE: Final = ("PENDING", "RUNNING", "RETRY")
FINISHED: Final = ("COMPLETED", "FAILED", "CANCELLED")
Priority = Literal["URGENT", "HIGH", "NORMAL", "LOW"]

# Every task type MakerMatrix knows. A type runs only once its subsystem registers a handler.
KNOWN_TYPES: Final = (
    "database_cleanup",
    "inventory_audit",
    "part_enrichment",
    "datasheet_fetch",
    "image_fetch",
    "bulk_enrichment",
    "csv_enrichment",
    "file_import_enrichment",
    "price_update",
    "backup_creation",
)
ORDER_FIELDS: Final = (
    "created_at",
    "updated_at",
    "started_at",
    "completed_at",
    "priority",
    "status",
    "task_type",
    "name",
    "progress_percentage",
)


def status_of(value: str, field: str = "status") -> str:
    upper = value.strip().upper()
    if upper not in STATUSES:
        raise InvalidInput(f"'{value}' is not one of {', '.join(s.lower() for s in STATUSES)}", field)
    return upper


def priority_of(value: str, field: str = "priority") -> Priority:
    upper = value.strip().upper()
    for p in PRIORITIES:
        if p == upper:
            return p
    raise InvalidInput(f"'{value}' is not one of {', '.join(p.lower() for p in PRIORITIES)}", field)


class TaskView(msgspec.Struct, kw_only=True):
    """A task as the API and the WebSocket show it (TaskModel plus scheduling fields)."""

    id: str
    task_type: str
    name: str
    description: str | None
    status: str
    priority: str
    progress_percentage: int
    current_step: str | None
    input_data: Any
    result_data: Any
    error_message: str | None
    max_retries: int
    retry_count: int
    timeout_seconds: int | None
    created_at: str
    started_at: str | None
    completed_at: str | None
    created_by_user_id: str | None
    updated_at: str
    next_attempt_at: str | None
    cancel_requested: bool


class TaskRequest(msgspec.Struct, kw_only=True):
    """What a quick endpoint or the scheduler asks the task service to create."""

    task_type: str
    name: str
    description: str | None = None
    input_data: dict[str, Any] = msgspec.field(default_factory=dict)
    priority: Priority | None = None
    max_retries: int | None = None
    timeout_seconds: int | None = None


class TaskFilter(msgspec.Struct, kw_only=True):
    statuses: list[str] = msgspec.field(default_factory=list)
    task_types: list[str] = msgspec.field(default_factory=list)
    priorities: list[str] = msgspec.field(default_factory=list)
    created_by_user_id: str | None = None
    limit: int = 50
    offset: int = 0
    order_by: str = "created_at"
    order_desc: bool = True


class TaskChanges(msgspec.Struct, kw_only=True, omit_defaults=True):
    """PUT /tasks/{id}: what a person may change; status only to cancelled."""

    name: str | None = None
    description: str | None = None
    priority: Priority | None = None
    max_retries: int | None = None
    timeout_seconds: int | None = None
    cancel: bool = False


class TaskTypeInfo(msgspec.Struct):
    task_type: str
    name: str
    description: str
    available: bool
    permission: str
    unavailable_reason: str | None = None


class TaskStats(msgspec.Struct):
    total: int
    by_status: dict[str, int]
    by_type: dict[str, int]
    by_priority: dict[str, int]
    active: int
    finished_last_24h: int
    failed_last_24h: int
    average_duration_seconds: float | None
    # The names MakerMatrix clients read (its dashboard and scripts); counts over all time but the last.
    total_tasks: int
    pending_tasks: int
    running_tasks: int
    completed_tasks: int
    failed_tasks: int
    completed_today: int  # completed since 00:00 UTC


class WorkerStatus(msgspec.Struct):
    is_running: bool
    max_concurrent_tasks: int
    running_tasks_count: int
    running_task_ids: list[str]
    queued_tasks: int
    registered_handlers: list[str]
    started_at: str | None


class UsageLimit(msgspec.Struct):
    used: int
    limit: int


class TaskLimits(msgspec.Struct):
    user_id: str
    active_tasks: UsageLimit
    tasks_last_hour: UsageLimit


class TaskPermissions(msgspec.Struct):
    user_id: str
    username: str
    permissions: list[str]
    allowed_task_types: list[str]
    sees_all_tasks: bool
    controls_worker: bool
