"""Task handlers: part_enrichment, datasheet_fetch, image_fetch, bulk_enrichment, price_update.

`run_enrichment` is what any task that enriches a list of parts calls (the order import's
file_import_enrichment too): progress per part over /ws/tasks, cancellable between and during waits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import msgspec

from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.suppliers.enrich import EnrichmentService, PartResult
from makermatrix_edge.suppliers.models import FETCH_DATASHEET, FETCH_IMAGE, FETCH_PRICING_STOCK, SupplierError
from makermatrix_edge.tasks.context import TaskContext
from makermatrix_edge.tasks.registry import TaskHandler

SINGLE_TIMEOUT = 300
BULK_TIMEOUT = 6 * 3600  # 200 parts at LCSC's 20 requests a minute take about 20 minutes


class ImportEnricher:
    """The order importer's enrichment hook (orders.service.PartEnricher) over the enrichment service."""

    def __init__(self, service: EnrichmentService) -> None:
        self.service = service

    def enrich_parts(self, ctx: TaskContext, part_ids: list[str], capabilities: list[str]) -> dict[str, Any]:
        return run_enrichment(ctx, self.service, part_ids, capabilities=capabilities or None)


def run_enrichment(
    ctx: TaskContext,
    service: EnrichmentService,
    part_ids: Sequence[str],
    *,
    capabilities: Collection[str] | None = None,
    supplier: str | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Enrich these parts inside a running task; the result counts and lists what happened to each."""
    who = service.who(ctx.view.created_by_user_id, ctx.task_id)
    ctx.progress(1, f"Enriching {len(part_ids)} parts")

    def progress(done: int, total: int, result: PartResult) -> None:
        ctx.progress(
            100 * done / total if total else 100,
            f"{done} of {total}: {result.part_name or result.part_id} {result.status}",
        )

    out = service.enrich_parts(
        part_ids,
        who=who,
        capabilities=capabilities,
        supplier=supplier,
        overwrite=overwrite,
        sleep=ctx.sleep,
        progress=progress,
    )
    ctx.progress(100, out["summary"])
    return out


def _part_id(ctx: TaskContext) -> str:
    part_id = ctx.input.get("part_id")
    if not isinstance(part_id, str) or not part_id:
        raise InvalidInput("is required", "part_id")
    return part_id


def _single(service: EnrichmentService, capabilities: Collection[str] | None, label: str) -> Any:
    def run(ctx: TaskContext) -> dict[str, Any]:
        part_id = _part_id(ctx)
        caps = capabilities if capabilities is not None else ctx.input.get("capabilities")
        ctx.progress(5, f"{label}: asking the supplier")
        result = service.enrich_part(
            part_id,
            who=service.who(ctx.view.created_by_user_id, ctx.task_id),
            capabilities=caps,
            supplier=ctx.input.get("supplier"),
            overwrite=bool(ctx.input.get("overwrite")),
            refresh_files=bool(ctx.input.get("force_refresh")),
            sleep=ctx.sleep,
        )
        if result.status == "not_found":
            raise SupplierError(result.message)  # the task fails with the reason in words
        ctx.progress(100, result.message)
        return {"summary": result.message, **_builtins(result)}

    return run


def _builtins(result: PartResult) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(result)
    return out


def _ids(ctx: TaskContext) -> list[str]:
    ids = ctx.input.get("part_ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise InvalidInput("must be a list of part ids", "part_ids")
    return list(dict.fromkeys(ids))


def _bulk_enrichment(service: EnrichmentService) -> TaskHandler:
    """bulk_enrichment: `input_data["part_ids"]` (with optional `capabilities`, `supplier`, `overwrite`).

    Imported parts are enriched by the order importer's own handler (orders/tasks.py), through
    ImportEnricher: one handler for them, with the import's permission and retry.
    """

    def run(ctx: TaskContext) -> dict[str, Any]:
        return run_enrichment(
            ctx,
            service,
            _ids(ctx),
            capabilities=ctx.input.get("capabilities"),
            supplier=ctx.input.get("supplier"),
            overwrite=bool(ctx.input.get("overwrite")),
        )

    return TaskHandler(
        task_type="bulk_enrichment",
        name="Bulk enrichment",
        description="Enriches many parts from their suppliers; one part's failure does not stop the others",
        run=run,
        permission="parts:write",
        max_retries=0,
        timeout_seconds=BULK_TIMEOUT,
    )


def enrichment_handlers(service: EnrichmentService) -> list[TaskHandler]:
    def prices(ctx: TaskContext) -> dict[str, Any]:
        if ctx.input.get("part_ids"):
            ids = _ids(ctx)
        elif ctx.input.get("update_all"):
            ids = service.parts_with_supplier()
        else:
            raise InvalidInput("give part_ids, or update_all=true for every part with a known supplier", "part_ids")
        return run_enrichment(ctx, service, ids, capabilities=[FETCH_PRICING_STOCK], supplier=ctx.input.get("supplier"))

    common: dict[str, Any] = {"permission": "parts:write", "max_retries": 0}
    return [
        TaskHandler(
            task_type="part_enrichment",
            name="Part enrichment",
            description="Fetches a part's details, specs, picture, datasheet, prices and stock from its supplier",
            run=_single(service, None, "Enriching"),
            timeout_seconds=SINGLE_TIMEOUT,
            **common,
        ),
        TaskHandler(
            task_type="datasheet_fetch",
            name="Datasheet fetch",
            description="Downloads a part's datasheet (PDF) from its supplier",
            run=_single(service, [FETCH_DATASHEET], "Fetching the datasheet"),
            timeout_seconds=SINGLE_TIMEOUT,
            **common,
        ),
        TaskHandler(
            task_type="image_fetch",
            name="Image fetch",
            description="Downloads a part's picture from its supplier",
            run=_single(service, [FETCH_IMAGE], "Fetching the picture"),
            timeout_seconds=SINGLE_TIMEOUT,
            **common,
        ),
        _bulk_enrichment(service),
        TaskHandler(
            task_type="price_update",
            name="Price update",
            description="Fetches current prices and stock of parts from their suppliers",
            run=prices,
            timeout_seconds=BULK_TIMEOUT,
            **common,
        ),
    ]
