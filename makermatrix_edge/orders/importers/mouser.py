"""Mouser's order file (.xls sheet "Order Details", or .xlsx): each line repeats the order's fields."""

from __future__ import annotations

import msgspec

from makermatrix_edge.orders.importers.base import Format, OrderLine


def _finish(line: OrderLine) -> OrderLine:
    # Mouser's "Ext." column repeats the unit price on these files; the line total is qty x price.
    if line.unit_price is not None:
        return msgspec.structs.replace(line, extended_price=round(line.unit_price * line.quantity, 4))
    return line


FORMAT = Format(
    supplier="mouser",
    file_types=("xls", "xlsx", "csv"),
    columns={
        "supplier_part_number": ("mouser #", "mouser part #", "mouser no"),
        "manufacturer_part_number": ("mfr. #", "mfr #", "mfr. part #", "manufacturer part number"),
        "manufacturer": ("manufacturer", "mfr"),
        "description": ("desc", "description"),
        "customer_reference": ("customer #", "customer no"),
        "quantity": ("order qty", "quantity", "qty"),
        "unit_price": ("price", "unit price"),
        "extended_price": ("ext", "extended price"),
        "line_status": ("status",),
    },
    order_columns={
        "order_number": ("sales order #",),
        "order_date": ("order date",),
        "web_order": ("web order #",),
        "po_number": ("po number",),
        "invoice": ("invoice #",),
    },
    date_formats=("%d-%b-%y", "%d-%b-%Y", "%Y-%m-%d", "%m/%d/%Y"),
    markers=(frozenset({"mouser #"}), frozenset({"mouser part #"}), frozenset({"mouser no"})),
    example_header=(
        "Sales Order #: | Web Order #: | PO Number: | Line No. | Order Date: | Order Status: | Mouser #: | "
        "Mfr. #: | Desc.: | Customer # | Order Qty. | Ext. (USD) | Price (USD) | Status | Date | Invoice #"
    ),
    finish=_finish,
)
