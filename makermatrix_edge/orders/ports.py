"""What the order service needs from the layers it is built with: a task queue and supplier enrichment."""

from __future__ import annotations

from typing import Any, Protocol

import msgspec

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.tasks.context import TaskContext
from makermatrix_edge.tasks.models import TaskRequest, TaskView


class PartEnricher(Protocol):
    """The hook supplier enrichment provides: enrich these parts inside the running task (blocking)."""

    def enrich_parts(self, ctx: TaskContext, part_ids: list[str], capabilities: list[str]) -> dict[str, Any]: ...


class TaskQueue(Protocol):
    """What the order service needs of the task service: create a task, on the loop or from a task's thread."""

    async def create(self, request: TaskRequest, actor: Principal | None) -> TaskView: ...

    def create_from_thread(self, request: TaskRequest, actor: Principal | None) -> TaskView: ...


def task_request(task_type: str, name: str, input_data: dict[str, Any], actor: Principal) -> TaskRequest:
    """The task acts for its creator: the stock movements' who, and the owner of the enrichment it may queue."""
    data = {**input_data, "_created_by": msgspec.to_builtins(actor)}
    return TaskRequest(task_type=task_type, name=name, input_data=data)
