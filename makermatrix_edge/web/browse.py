"""Browsing without a search term: the low-stock list (with its reorder files), the categories and their parts."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.params import FromPath
from litestar.response import Template

from makermatrix_edge.inventory.models import PartSearch
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.projects import download
from makermatrix_edge.web.render import page

LISTED = 100


class BrowsePages(Controller):
    @get("/low-stock", opt=page_access("parts:read"))
    async def low(self, request: Req, principal: User, services: Svc) -> Template:
        """Each part below its minimum with supplier, last price and shortage; a cart file per supplier."""
        listed = await services.reorder.low_stock(LISTED)
        return page(request, "low_stock.html", principal, listed=listed)

    @get("/low-stock/reorder/{supplier:str}", opt=page_access("parts:read"))
    async def reorder(self, supplier: FromPath[str], services: Svc) -> Response[bytes]:
        return download(await services.reorder.low_stock_cart(supplier))

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
