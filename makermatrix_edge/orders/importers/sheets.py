"""What reading a spreadsheet shares: how much of it is kept (checked before anything is built), cell text.

A real order file has a few hundred lines of some twenty columns and a few thousand distinct
strings; these caps are ten to a hundred times that, and keep one spreadsheet's reading under
about 30 MB whatever its XML or BIFF records declare (a dimension of A1:XFD1048576, two million
shared strings, a hundred thousand formats).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from makermatrix_edge.orders.importers.base import UnreadableFile

MAX_ROWS = 100_000  # a row number past this refuses the file
MAX_COLUMNS = 64  # cells right of column BL are not read (an order file has about 20 columns)
MAX_CELLS = 200_000  # cells kept, counting the empty ones between filled cells of a row
MAX_SHARED_STRINGS = 100_000  # distinct strings a workbook may list
MAX_TEXT = 4_000_000  # characters kept in all (shared strings and cell text)
MAX_CELL_TEXT = 4_000  # characters kept of one cell: the longest field stored (a description)
MAX_RECORDS = 20_000  # other XML elements or BIFF records of one part (formats, names, links)


def too_many(what: str, limit: int) -> UnreadableFile:
    return UnreadableFile(
        f"This spreadsheet has more than {limit:,} {what}; an order file has far fewer. "
        "Export the order from the supplier's website unchanged",
        "file",
    )


def cell_text(value: Any) -> str:
    """A spreadsheet value as the text a person sees (whole numbers without '.0', dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)[:MAX_CELL_TEXT]


def pick_sheet(names: list[str]) -> int:
    """Mouser's sheet is 'Order Details'; otherwise the first one."""
    for i, name in enumerate(names):
        if name.strip().lower() == "order details":
            return i
    return 0
