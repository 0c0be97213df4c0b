"""LCSC's order export (LCSC_Exported__YYYYMMDD_HHMMSS.csv)."""

from __future__ import annotations

from makermatrix_edge.orders.importers.base import Format

FORMAT = Format(
    supplier="lcsc",
    file_types=("csv",),
    columns={
        "supplier_part_number": ("lcsc part number", "lcsc part #", "lcsc#", "lcsc part"),
        # The vendor's own spelling is "Manufacture Part Number".
        "manufacturer_part_number": ("manufacture part number", "manufacturer part number", "mfr. part #", "mpn"),
        "manufacturer": ("manufacturer",),
        "customer_reference": ("customer no", "customer #"),
        "package": ("package",),
        "description": ("description",),
        "rohs": ("rohs",),
        "quantity": ("order qty", "quantity", "qty"),
        "min_mult": ("min\\mult order qty", "min/mult order qty"),
        "unit_price": ("unit price",),
        "extended_price": ("order price", "ext. price", "extended price"),
    },
    markers=(frozenset({"lcsc part number"}), frozenset({"lcsc part #"}), frozenset({"lcsc#"})),
    example_header=(
        "LCSC Part Number,Manufacture Part Number,Manufacturer,Customer NO.,Package,Description,RoHS,"
        "Order Qty.,Min\\Mult Order Qty.,Unit Price($),Order Price($)"
    ),
)
