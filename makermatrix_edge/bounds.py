"""The one bound on every whole number a request carries: far past any real id, page or count.

SQLite stores 64-bit integers; Python's are unbounded. A number past 2**63 reached a query and
answered 500 ("Python int too large to convert to SQLite INTEGER"), and a page near 2**62 times a
page size still overflows an OFFSET. 2**31 - 1 is far beyond any id, page, offset or stock a
workbench has, and keeps every product of two of them inside SQLite's range. Query and path
parameters use it through httpkit/params.py; body Structs through the types below.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from makermatrix_edge.errors import BeyondLimit

MAX_INT = 2**31 - 1

# Any whole number (an id, a signed amount): a person sees "expected int <= 2147483647".
Whole = Annotated[int, msgspec.Meta(ge=-MAX_INT, le=MAX_INT)]
# A page number: 1 or more.
PageNumber = Annotated[int, msgspec.Meta(ge=1, le=MAX_INT)]
# A count or an amount that cannot be negative.
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_INT)]


def check_whole(value: int, field: str) -> int:
    """For numbers parsed by hand (ALORA's free-form filters): the same bound, the same status."""
    if not -MAX_INT <= value <= MAX_INT:
        raise BeyondLimit(f"must be between {-MAX_INT} and {MAX_INT}", field)
    return value
