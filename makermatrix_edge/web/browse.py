"""Browsing without a search term: the low-stock list, the categories and the parts in one category."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Template

from makermatrix_edge.inventory import queries
from makermatrix_edge.inventory.models import PartSearch, PartView
from makermatrix_edge.services import Services
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.render import page

LISTED = 100


async def low_stock(services: Services) -> tuple[list[PartView], int]:
    """Parts below their 'warn below' quantity, the emptiest (relative to what is wanted) first."""

    def load(db: Any) -> tuple[list[PartView], int]:
        where = "FROM parts WHERE min_quantity > 0 AND quantity < min_quantity"
        total = int(db.execute(f"SELECT count(*) {where}").fetchone()[0])
        ids = [
            r[0]
            for r in db.execute(
                f"SELECT id {where} ORDER BY CAST(quantity AS REAL) / min_quantity, part_name LIMIT ?", [LISTED]
            )
        ]
        return [v for v in (queries.part_view(db, i) for i in ids) if v is not None], total

    return await services.db.read(load)


class BrowsePages(Controller):
    @get("/low-stock", opt=page_access("parts:read"))
    async def low(self, request: Req, principal: User, services: Svc) -> Template:
        parts, total = await low_stock(services)
        return page(
            request,
            "browse.html",
            principal,
            title="Low stock",
            parts=parts,
            total=total,
            empty="No part is below its 'warn below' quantity.",
        )

    @get("/categories", opt=page_access("parts:read"))
    async def categories(self, request: Req, principal: User, services: Svc) -> Template:
        found = sorted(await services.categories.list_categories(), key=lambda c: c.name.casefold())
        return page(request, "categories.html", principal, categories=found)

    @get("/categories/{category_id:str}", opt=page_access("parts:read"))
    async def category(self, request: Req, category_id: FromPath[str], principal: User, services: Svc) -> Template:
        category = await services.categories.get(category_id=category_id)
        found = await services.search.search(
            PartSearch(category_names=[category.name], sort_by="part_name", page_size=LISTED)
        )
        return page(
            request,
            "browse.html",
            principal,
            title=category.name,
            parts=found.items,
            total=found.total,
            empty="No part in this category.",
            back_link=("/categories", "All categories"),
        )
