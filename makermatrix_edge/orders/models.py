"""What the order services hand out: orders, their items, import previews and results."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from makermatrix_edge.inventory.models import PartView
from makermatrix_edge.orders.importers.base import RowNote


class OrderItemView(msgspec.Struct, kw_only=True):
    id: str
    order_id: str
    part_id: str | None
    part_url: str | None  # the part on the API, while it exists
    row_number: int | None
    supplier_part_number: str | None
    manufacturer_part_number: str | None
    description: str | None
    manufacturer: str | None
    quantity_ordered: int
    quantity_received: int
    unit_price: float | None
    extended_price: float | None
    package: str | None
    customer_reference: str | None
    status: str
    action: str  # created | added: what the import did with the part
    properties: dict[str, Any]


class OrderView(msgspec.Struct, kw_only=True):
    id: str
    order_number: str | None
    supplier: str
    order_date: str | None
    status: str
    tracking_number: str | None
    subtotal: float | None
    tax: float | None
    shipping: float | None
    total: float | None
    currency: str
    import_source: str | None
    import_date: str
    notes: str | None
    filename: str | None
    created_by_username: str | None
    item_count: int
    order_items: list[OrderItemView] | None = None  # only on GET /orders/{id}


class PartOrderItem(msgspec.Struct, kw_only=True):
    """One line of a part's order history (OrderItemModel plus the order it came in)."""

    id: str
    order_id: str
    order_number: str | None
    supplier: str
    order_date: str | None
    import_date: str
    quantity_ordered: int
    unit_price: float | None
    extended_price: float | None
    currency: str


class PartPlace(msgspec.Struct, kw_only=True):
    """An order line's part as it is now: its name and where it is (the place's path)."""

    part_name: str
    location: str | None


class PartOrderSummary(msgspec.Struct, kw_only=True):
    part_id: str
    last_ordered_date: str | None
    last_ordered_price: float | None
    last_order_number: str | None
    total_orders: int
    total_quantity_ordered: int
    lowest_price: float | None
    highest_price: float | None
    average_price: float | None
    currency: str | None


class PartWithOrders(PartView, kw_only=True):
    """get_part's answer: the part as everywhere, plus its order history (PartModel)."""

    order_items: list[PartOrderItem] = msgspec.field(default_factory=list)
    order_summary: PartOrderSummary | None = None


RowAction = Literal["new part", "adds", "skipped", "error"]


class RowPlan(msgspec.Struct, kw_only=True):
    row: int
    action: RowAction
    message: str  # "new part 'BSS138'", "adds 50 to 'BSS138' (now 60)", "skipped: subtotal line"
    supplier_part_number: str | None = None
    manufacturer_part_number: str | None = None
    description: str | None = None
    quantity: int = 0
    unit_price: float | None = None
    extended_price: float | None = None
    part_id: str | None = None
    part_name: str | None = None
    matched_by: str | None = None  # supplier_part_number | manufacturer_part_number | this file
    location: str | None = None  # where the part is (adds) or will be (new part): the place's path


class EarlierImport(msgspec.Struct, kw_only=True):
    order_id: str
    order_number: str | None
    supplier: str
    import_date: str
    filename: str | None
    username: str | None


class ImportPreview(msgspec.Struct, kw_only=True):
    supplier: str
    display_name: str
    file_format: str
    filename: str
    order_number: str | None
    order_date: str | None
    currency: str
    subtotal: float | None
    importable: bool  # False: rows with problems, or an earlier import of the same order
    already_imported: EarlierImport | None
    new_parts: int
    added_to_existing: int
    skipped: int
    errors: list[RowNote]
    rows: list[RowPlan]
    location_id: str | None = None  # the place chosen for the new parts (None: the Unsorted location)
    new_parts_location: str = "Unsorted"  # that place's path


class ImportResult(msgspec.Struct, kw_only=True):
    """The spec's ImportResult plus what we know better (created vs added, the order, the task)."""

    import_id: str
    status: Literal["success", "partial", "queued"]
    supplier: str
    order_id: str | None
    order_number: str | None
    imported_count: int
    created_count: int
    added_count: int
    failed_count: int
    skipped_count: int
    part_ids: list[str]
    created_part_ids: list[str]
    updated_part_ids: list[str]
    failed_items: list[RowNote]
    skipped_items: list[RowNote]
    warnings: list[str]
    task_id: str | None = None
    enrichment_task_id: str | None = None


class ImportOptions(msgspec.Struct, kw_only=True):
    supplier_name: str | None = None
    order_number: str | None = None
    order_date: str | None = None
    notes: str | None = None
    enable_enrichment: bool = False
    enrichment_capabilities: list[str] = msgspec.field(default_factory=list)
    force: bool = False
    location_id: str | None = None  # where the order's new parts go (None: the Unsorted location)


class ImportConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """PUT /api/csv/config: what enrichment after an import fetches (kept in the database)."""

    download_datasheets: bool = True
    download_images: bool = True
    overwrite_existing_files: bool = False
    download_timeout_seconds: Annotated[int, msgspec.Meta(ge=1, le=600)] = 30
    show_progress: bool = True
