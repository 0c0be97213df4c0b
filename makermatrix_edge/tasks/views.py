"""What the task service shows: a stored row as a TaskView, who sees what, the types and permissions lists.

Pure functions over a row, a principal and the handler registry: no database, no worker.
"""

from __future__ import annotations

import json
from typing import Any

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import Forbidden, InvalidInput
from makermatrix_edge.tasks import store
from makermatrix_edge.tasks.models import (
    ORDER_FIELDS,
    TaskFilter,
    TaskPermissions,
    TaskTypeInfo,
    TaskView,
    priority_of,
    status_of,
)
from makermatrix_edge.tasks.registry import MISSING, HandlerRegistry

SEE_ALL = "tasks:admin"
MAX_LIMIT = 500


def _decode(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def task_view(row: store.Row, registry: HandlerRegistry) -> TaskView:
    return TaskView(
        id=row["id"],
        task_type=row["task_type"],
        name=row["name"],
        description=row["description"],
        status=str(row["status"]).lower(),
        priority=str(row["priority"]).lower(),
        progress_percentage=row["progress_percentage"],
        current_step=row["current_step"],
        input_data=registry.redact(row["task_type"], _decode(row["input_data"])),
        result_data=_decode(row["result_data"]),
        error_message=row["error_message"],
        max_retries=row["max_retries"],
        retry_count=row["retry_count"],
        timeout_seconds=row["timeout_seconds"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        created_by_user_id=row["created_by_user_id"],
        updated_at=row["updated_at"],
        next_attempt_at=row["next_attempt_at"],
        cancel_requested=bool(row["cancel_requested"]),
    )


def sees_all(principal: Principal) -> bool:
    return principal.can(SEE_ALL)


def check_filter(flt: TaskFilter, principal: Principal, known: list[str]) -> TaskFilter:
    """The filter checked, and narrowed to the principal's own tasks unless they see everyone's."""
    if not 1 <= flt.limit <= MAX_LIMIT:
        raise InvalidInput(f"must be between 1 and {MAX_LIMIT}", "limit")
    if flt.offset < 0:
        raise InvalidInput("must be 0 or more", "offset")
    if flt.order_by not in ORDER_FIELDS:
        raise InvalidInput(f"must be one of {', '.join(ORDER_FIELDS)}", "order_by")
    types = [t.strip().lower() for t in flt.task_types]
    for t in types:
        if t not in known:
            raise InvalidInput(f"'{t}' is not a task type", "task_type")
    owner = flt.created_by_user_id
    if not sees_all(principal):
        if owner is not None and owner != principal.user_id:
            raise Forbidden(f"You see only your own tasks; '{SEE_ALL}' sees everyone's")
        owner = principal.user_id
    return TaskFilter(
        statuses=[status_of(s) for s in flt.statuses],
        task_types=types,
        priorities=[priority_of(p) for p in flt.priorities],
        created_by_user_id=owner,
        limit=flt.limit,
        offset=flt.offset,
        order_by=flt.order_by,
        order_desc=flt.order_desc,
    )


def task_permissions(registry: HandlerRegistry, principal: Principal) -> TaskPermissions:
    allowed = [t for t in registry.registered() if principal.can(registry.require(t).permission)]
    return TaskPermissions(
        user_id=principal.user_id,
        username=principal.username,
        permissions=sorted(p for p in principal.permissions if p.startswith("tasks:") or p == "admin"),
        allowed_task_types=allowed if principal.can("tasks:write") else [],
        sees_all_tasks=sees_all(principal),
        controls_worker=principal.can(SEE_ALL),
    )


def type_infos(registry: HandlerRegistry) -> list[TaskTypeInfo]:
    out = []
    for task_type in registry.known():
        handler = registry.find(task_type)
        if handler is not None:
            out.append(TaskTypeInfo(task_type, handler.name, handler.description, True, handler.permission))
        else:
            reason = f"needs {MISSING.get(task_type, 'a handler')}, which this daemon does not have yet"
            name = task_type.replace("_", " ").capitalize()
            out.append(TaskTypeInfo(task_type, name, name, False, "tasks:write", reason))
    return out
