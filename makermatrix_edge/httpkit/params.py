"""Bounded whole numbers for query and path parameters (see makermatrix_edge/bounds.py for why).

Every `int` a route takes from the query string or the path uses one of these, so a number past
SQLite's range is a 422 in words before any handler runs (a test walks the route table to check).
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter, QueryParameter

from makermatrix_edge.bounds import MAX_INT

QueryInt = Annotated[int, QueryParameter(ge=-MAX_INT, le=MAX_INT)]
OptionalQueryInt = Annotated[int | None, QueryParameter(ge=-MAX_INT, le=MAX_INT)]
PathInt = Annotated[int, PathParameter(ge=-MAX_INT, le=MAX_INT)]
