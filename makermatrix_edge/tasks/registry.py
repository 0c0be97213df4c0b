"""Task handlers by task type. Each subsystem registers its own when the daemon is built.

A known type without a handler (its subsystem is not built or not configured) is refused with
a 503 that names what is missing; registering a handler for it is all a later issue needs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from makermatrix_edge.errors import DeviceUnavailable, NotFound
from makermatrix_edge.tasks.context import TaskContext
from makermatrix_edge.tasks.models import KNOWN_TYPES, Priority

Handler = Callable[[TaskContext], Mapping[str, Any] | None]

# What each known type is waiting for until its subsystem registers a handler.
MISSING: dict[str, str] = {
    "part_enrichment": "supplier enrichment (LCSC, DigiKey, Mouser clients)",
    "datasheet_fetch": "supplier enrichment (datasheet download)",
    "image_fetch": "supplier enrichment (image download)",
    "bulk_enrichment": "supplier enrichment",
    "csv_enrichment": "supplier enrichment (imports work without it; use file_import_enrichment once it exists)",
    "file_import_enrichment": "supplier enrichment (order imports work without it)",
    "price_update": "supplier enrichment (price lookups)",
    "backup_creation": "backups (snapshot and archive to the USB drive)",
}


class SubsystemUnavailable(DeviceUnavailable):
    """A task type whose subsystem this daemon does not have (yet): 503."""


@dataclass(frozen=True)
class TaskHandler:
    """How to run one task type. `run` is called in a worker thread, never on the event loop."""

    task_type: str
    name: str
    description: str
    run: Handler
    permission: str = "tasks:write"  # needed to create a task of this type
    priority: Priority = "NORMAL"
    max_retries: int | None = None  # None: [tasks] default_max_retries
    timeout_seconds: int | None = None  # None: [tasks] default_timeout_seconds
    secret_fields: frozenset[str] = field(default_factory=frozenset)  # shown as "***" in input_data


class HandlerRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, TaskHandler] = {}

    def register(self, handler: TaskHandler) -> None:
        if handler.task_type in self._handlers:
            raise ValueError(f"a handler for {handler.task_type} is already registered")
        self._handlers[handler.task_type] = handler

    def find(self, task_type: str) -> TaskHandler | None:
        return self._handlers.get(task_type)

    def require(self, task_type: str) -> TaskHandler:
        """The handler, or 503 naming the missing subsystem, or 404 for a type nobody knows."""
        handler = self._handlers.get(task_type)
        if handler is not None:
            return handler
        if task_type in MISSING:
            raise SubsystemUnavailable(
                f"{task_type} tasks need {MISSING[task_type]}, which this daemon does not have yet"
            )
        raise NotFound(f"Unknown task type '{task_type}'")

    def registered(self) -> list[str]:
        return sorted(self._handlers)

    def known(self) -> list[str]:
        extra = [t for t in self._handlers if t not in KNOWN_TYPES]
        return [*KNOWN_TYPES, *sorted(extra)]

    def redact(self, task_type: str, input_data: Any) -> Any:
        handler = self._handlers.get(task_type)
        if handler is None or not handler.secret_fields or not isinstance(input_data, dict):
            return input_data
        return {k: ("***" if k in handler.secret_fields and v else v) for k, v in input_data.items()}
