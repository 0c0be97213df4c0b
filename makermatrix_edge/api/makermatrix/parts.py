"""/api/parts: the MakerMatrix parts routes, plus stock adjustment and history."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok, paged
from makermatrix_edge.api.security import access
from makermatrix_edge.httpkit.params import QueryInt
from makermatrix_edge.inventory.models import Movement, Page, PartCreate, PartSearch, PartUpdate, PartView
from makermatrix_edge.orders.models import PartWithOrders
from makermatrix_edge.services import Services
from makermatrix_edge.textcheck import CheckedText

Text = Annotated[str, msgspec.Meta(max_length=200)]
# "query" is a reserved name in Litestar handlers; the client still sends ?query=...
SearchQuery = Annotated[str, QueryParameter(name="query", max_length=200)]


class StockAdjust(CheckedText, forbid_unknown_fields=True):
    delta: Annotated[int, msgspec.Meta(ge=-1_000_000_000, le=1_000_000_000)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] = "adjusted"


class Cleared(msgspec.Struct):
    deleted_parts: int


class SearchResult(msgspec.Struct):
    """POST /parts/search's data, in the shape MakerMatrix clients read (data.items, data.total, ...)."""

    items: list[PartView]
    total: int
    page: int
    page_size: int
    total_pages: int


def _found(result: Page) -> str:
    return f"{result.total} parts found"


class PartsController(Controller):
    path = "/parts"
    tags = ["parts"]

    @post("/add_part", opt=access("parts:write"), status_code=200)
    async def add_part(
        self, data: JSONBody[PartCreate], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[PartView]:
        part = await services.parts.add(data, principal)
        return ok(part, f"Part '{part.part_name}' added")

    @get("/get_all_parts", opt=access("parts:read"))
    async def get_all_parts(
        self, services: NamedDependency[Services], page: QueryInt = 1, page_size: QueryInt = 10
    ) -> Envelope[list[PartView]]:
        result = await services.parts.list_parts(page, page_size)
        return paged(result.items, f"{result.total} parts", page=page, page_size=page_size, total=result.total)

    @get("/get_part_counts", opt=access("parts:read"))
    async def get_part_counts(self, services: NamedDependency[Services]) -> Envelope[int]:
        """How many parts there are (MakerMatrix answers the bare number in data)."""
        total = (await services.parts.counts())["parts"]
        return ok(total, f"{total} parts")

    @get("/get_part", opt=access("parts:read"))
    async def get_part(
        self,
        services: NamedDependency[Services],
        part_id: FromQuery[Text | None] = None,
        part_number: FromQuery[Text | None] = None,
        part_name: FromQuery[Text | None] = None,
    ) -> Envelope[PartWithOrders]:
        part, items, summary = await services.orders.part_with_history(
            part_id=part_id, part_number=part_number, part_name=part_name
        )
        fields = {f: getattr(part, f) for f in part.__struct_fields__}
        return ok(PartWithOrders(**fields, order_items=items, order_summary=summary), "Part found")

    @put("/update_part/{part_id:str}", opt=access("parts:write"))
    async def update_part(
        self,
        part_id: FromPath[str],
        data: JSONBody[PartUpdate],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[PartView]:
        part = await services.parts.update(part_id, data, principal)
        return ok(part, f"Part '{part.part_name}' updated")

    @post("/{part_id:str}/adjust", opt=access("parts:write"), status_code=200)
    async def adjust(
        self,
        part_id: FromPath[str],
        data: JSONBody[StockAdjust],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[PartView]:
        """Take (negative delta) or add stock atomically; answers the part with its new quantity."""
        part = await services.parts.adjust(part_id, data.delta, data.reason, principal)
        verb = "Added" if data.delta > 0 else "Took"
        return ok(part, f"{verb} {abs(data.delta)}; {part.quantity} left")

    @get("/{part_id:str}/history", opt=access("parts:read"))
    async def history(
        self,
        part_id: FromPath[str],
        services: NamedDependency[Services],
        page: QueryInt = 1,
        page_size: QueryInt = 20,
    ) -> Envelope[list[Movement]]:
        movements, total = await services.parts.history(part_id, page, page_size)
        return paged(movements, f"{total} stock movements", page=page, page_size=page_size, total=total)

    @delete("/delete_part", opt=access("parts:delete"), status_code=200)
    async def delete_part(
        self,
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        part_id: FromQuery[Text | None] = None,
        part_number: FromQuery[Text | None] = None,
        part_name: FromQuery[Text | None] = None,
    ) -> Envelope[PartView]:
        part = await services.parts.delete(principal, part_id=part_id, part_number=part_number, part_name=part_name)
        return ok(part, f"Part '{part.part_name}' deleted")

    @delete("/clear_all", opt=access(ADMIN), status_code=200)
    async def clear_all(
        self, principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[Cleared]:
        count = await services.parts.clear_all(principal)
        return ok(
            Cleared(deleted_parts=count),
            f"All {count} parts have been cleared successfully (their stock history is kept)",
        )

    @post("/search", opt=access("parts:read"), status_code=200)
    async def search(self, data: JSONBody[PartSearch], services: NamedDependency[Services]) -> Envelope[SearchResult]:
        result = await services.search.search(data)
        pages = -(-result.total // data.page_size) if data.page_size > 0 else 0
        found = SearchResult(result.items, result.total, data.page, data.page_size, pages)
        return paged(found, _found(result), page=data.page, page_size=data.page_size, total=result.total)

    @get("/search_text", opt=access("parts:read"))
    async def search_text(
        self,
        text: SearchQuery,
        services: NamedDependency[Services],
        page: QueryInt = 1,
        page_size: QueryInt = 20,
    ) -> Envelope[list[PartView]]:
        result = await services.search.search_text(text, page, page_size)
        return paged(result.items, _found(result), page=page, page_size=page_size, total=result.total)

    @get("/suggestions", opt=access("parts:read"))
    async def suggestions(
        self, text: SearchQuery, services: NamedDependency[Services], limit: QueryInt = 10
    ) -> Envelope[list[str]]:
        names = await services.search.suggestions(text, limit)
        return ok(names, f"{len(names)} suggestions")
