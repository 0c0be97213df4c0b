"""/api/utility/get_counts."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency

from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.services import Services


@get("/utility/get_counts", opt=access("parts:read"), tags=["utility"])
async def get_counts(services: NamedDependency[Services]) -> Envelope[dict[str, int]]:
    return ok(await services.parts.counts(), "Counts retrieved successfully")
