"""DigiKey's cart/order CSV (DK_PRODUCTS_<n>.csv and the web order's <n>.csv), every column variant."""

from __future__ import annotations

from makermatrix_edge.orders.importers.base import Format

FORMAT = Format(
    supplier="digikey",
    file_types=("csv", "xls", "xlsx"),
    columns={
        "supplier_part_number": (
            "digikey part #",
            "digi-key part #",
            "digi-key part number",
            "digikey part number",
            "digi key part number",
            "digi-key p/n",
            "part number",  # the web order export: "#","QUANTITY","PART NUMBER",...
        ),
        "manufacturer_part_number": ("manufacturer part number", "mfr part #", "manufacturer product number"),
        "manufacturer": ("manufacturer",),
        "description": ("description",),
        "customer_reference": ("customer reference",),
        "quantity": ("quantity", "qty"),
        "backorder": ("backorder",),
        "unit_price": ("unit price",),
        "extended_price": ("extended price",),
    },
    markers=(
        frozenset({"digikey part #"}),
        frozenset({"digi-key part #"}),
        frozenset({"digi-key part number"}),
        frozenset({"digikey part number"}),
        frozenset({"digi key part number"}),
        frozenset({"part number", "customer reference", "backorder"}),
    ),
    example_header=(
        "Index,DigiKey Part #,Manufacturer Part Number,Description,Customer Reference,Quantity,Backorder,"
        "Unit Price,Extended Price"
    ),
)
