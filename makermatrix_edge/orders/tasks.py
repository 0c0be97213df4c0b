"""Task handlers of the order importer: a large file's import, and enrichment of imported parts."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.orders.models import ImportOptions
from makermatrix_edge.orders.ports import PartEnricher
from makermatrix_edge.orders.service import ENRICH_TYPE, OrderService
from makermatrix_edge.tasks.context import TaskCancelled, TaskContext
from makermatrix_edge.tasks.registry import HandlerRegistry, TaskHandler

IMPORT_TYPE = "order_file_import"
ENRICH_TYPES = (ENRICH_TYPE, "csv_enrichment")


def _actor(ctx: TaskContext) -> Principal | None:
    """Who asked for the import (kept in the task's input): the stock movements' who, and the enrichment's owner."""
    creator = ctx.input.get("_created_by")
    if not isinstance(creator, dict):
        return None
    try:
        return msgspec.convert(creator, Principal)
    except msgspec.ValidationError:
        return None


def _commit_point(ctx: TaskContext) -> None:
    """Every line is written: past here the import completes, and a cancel answers that it is too late."""
    ctx.commit_point()
    ctx.progress(99, "Completing the import (too late to cancel)")


def order_import(orders: OrderService) -> TaskHandler:
    def run(ctx: TaskContext) -> dict[str, Any]:
        token = str(ctx.input.get("staged", ""))
        filename = str(ctx.input.get("filename", ""))
        options = msgspec.convert(ctx.input.get("options") or {}, ImportOptions)
        ctx.progress(2, f"Reading {filename}")
        content = orders.uploads.read(token)
        try:
            parsed = orders.parse(content, filename, options)
            total = len(parsed.lines)
            ctx.progress(10, f"Importing {total} lines")

            def progress(done: int, of: int) -> None:
                # Between two batches: a cancel or a shutdown stops the import here.
                ctx.progress(10 + 88 * done / max(of, 1), f"Imported {done} of {of} lines")

            # In a child process: the daemon's requests must not wait behind thousands of lines.
            sha = hashlib.sha256(content).hexdigest()
            result = orders.run_import(
                parsed,
                sha,
                options,
                _actor(ctx),
                progress,
                in_child=True,
                may_commit=lambda: _commit_point(ctx),
                undoing=lambda: ctx.winding_down("Stopping: taking back the lines written so far"),
            )
        except TaskCancelled as exc:
            if exc.reason != "shutdown":  # a clean stop queues the task again: it needs the file then
                orders.uploads.discard(token)
            raise
        except BaseException:
            orders.uploads.discard(token)
            raise
        orders.uploads.discard(token)
        actor = _actor(ctx)
        if actor is not None:  # the enrichment it asked for: queued by this task, as its creator
            result = orders.after_import_in_task(result, options, actor)
        ctx.progress(100, f"Imported {result.imported_count} lines: {result.created_count} new parts")
        return msgspec.to_builtins(result)  # type: ignore[no-any-return]

    return TaskHandler(
        task_type=IMPORT_TYPE,
        name="Order file import",
        description="Imports a large supplier order file (parts, quantities, prices): all of it or nothing",
        run=run,
        permission="csv:import",
        priority="HIGH",
        max_retries=0,  # a refused file stays refused; a repeat would be a second import
        timeout_seconds=1800,
    )


def _enrich(enricher: PartEnricher, ctx: TaskContext) -> dict[str, Any]:
    part_ids = [str(p) for p in ctx.input.get("part_ids") or []]
    order_id = ctx.input.get("order_id")
    if not part_ids and order_id:
        sql = "SELECT DISTINCT part_id FROM order_items WHERE order_id = ?"
        order = ctx.db.read_sync(lambda db: [r[0] for r in db.execute(sql, [order_id])])
        part_ids = [str(p) for p in order if p]
    capabilities = [str(c) for c in ctx.input.get("capabilities") or []]
    ctx.progress(1, f"Enriching {len(part_ids)} parts")
    return enricher.enrich_parts(ctx, part_ids, capabilities)


def register(registry: HandlerRegistry, orders: OrderService) -> None:
    """The import task always; the enrichment types when the daemon has supplier enrichment (else they stay 503)."""
    registry.register(order_import(orders))
    enricher = orders.enricher
    if enricher is None:
        return

    def run(ctx: TaskContext) -> dict[str, Any]:
        return _enrich(enricher, ctx)

    # The one handler for imported parts, whichever way its task was asked for (an import with
    # enable_enrichment, /tasks/quick/file_import_enrichment or the deprecated csv_enrichment).
    for task_type in ENRICH_TYPES:
        registry.register(
            TaskHandler(
                task_type=task_type,
                name="Enrich imported parts",
                description="Fetches supplier details, datasheets and images for the parts of an imported order",
                run=run,
                permission="tasks:write",
                max_retries=1,
                timeout_seconds=3600,
            )
        )
