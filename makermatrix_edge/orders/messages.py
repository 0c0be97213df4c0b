"""What a person is told about an import: the same sentence on the API and the phone pages."""

from __future__ import annotations

from makermatrix_edge.orders.models import ImportResult
from makermatrix_edge.orders.planning import DISPLAY_SUPPLIER


def import_message(result: ImportResult) -> str:
    supplier = DISPLAY_SUPPLIER.get(result.supplier, result.supplier)
    if result.status == "queued":
        return f"Import of {supplier} order {result.order_number or ''} queued as task {result.task_id}"
    return (
        f"Processed {result.imported_count} lines from {supplier}: {result.created_count} new parts, "
        f"{result.added_count} added to existing parts, {result.skipped_count} rows skipped"
    )
