"""/api/activity/* and /api/dashboard/summary: what happened lately and the inventory at a glance (MakerMatrix's)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.inventory.activity import MAX_HOURS, MAX_LIMIT, ActivityList, ActivityStats
from makermatrix_edge.inventory.dashboard import DashboardSummary
from makermatrix_edge.services import Services

READ = "parts:read"  # the activity is the parts' history: who took what
Hours = Annotated[int, QueryParameter(ge=1, le=MAX_HOURS)]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)]
Word = Annotated[str | None, QueryParameter(max_length=100)]


class Cleanup(msgspec.Struct):
    deleted_count: int
    keep_days: int


class ActivityController(Controller):
    path = "/activity"
    tags = ["Activity"]

    @get("/recent", opt=access(READ))
    async def recent(
        self,
        services: NamedDependency[Services],
        limit: Limit = 50,
        hours: Hours = 24,
        entity_type: Word = None,
        user: Word = None,
    ) -> Envelope[ActivityList]:
        """Newest first, from the stock history and the moves and edits; `user` (id or name) narrows to one person."""
        found = await services.activity.recent(limit=limit, hours=hours, user=user, entity_type=entity_type)
        return ok(ActivityList(activities=found, total=len(found)), "Recent activities retrieved successfully")

    @get("/stats", opt=access(READ))
    async def stats(self, services: NamedDependency[Services], hours: Hours = 24) -> Envelope[ActivityStats]:
        return ok(await services.activity.stats(hours), "Activity statistics retrieved successfully")

    @post("/cleanup", opt=access(ADMIN), status_code=200)
    async def cleanup(self, keep_days: Annotated[int, QueryParameter(ge=7, le=365)] = 90) -> Envelope[Cleanup]:
        """MakerMatrix deletes old entries of its activity log; here the activity is the stock history, kept whole."""
        said = "Nothing deleted: the activity is the stock history, which is append-only and kept for the record"
        return ok(Cleanup(deleted_count=0, keep_days=keep_days), said)


class DashboardController(Controller):
    path = "/dashboard"
    tags = ["Dashboard"]

    @get("/summary", opt=access(READ))
    async def summary(self, services: NamedDependency[Services]) -> Envelope[DashboardSummary]:
        return ok(await services.dashboard.summary(), "Retrieved dashboard summary")
