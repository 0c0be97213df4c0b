"""/api/tags: MakerMatrix's tag routes (18), on parts and tools alike."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.bounds import MAX_INT
from makermatrix_edge.inventory.tag_models import (
    TagBulk,
    TagCleanup,
    TagCreate,
    TagFilter,
    TagMerge,
    TagPage,
    TagUpdate,
    TagView,
)
from makermatrix_edge.inventory.tag_queries import Kind
from makermatrix_edge.inventory.tool_models import PartsByTag, ToolsByTag
from makermatrix_edge.services import Services

Page = Annotated[int, QueryParameter(ge=1, le=MAX_INT)]
PageSize = Annotated[int, QueryParameter(ge=1, le=100)]
Usage = Annotated[int | None, QueryParameter(ge=0, le=MAX_INT)]
Search = Annotated[str | None, QueryParameter(max_length=200)]
Sort = Annotated[str, QueryParameter(max_length=40)]
Key = Annotated[str, msgspec.Meta(max_length=200)]


async def _attach(services: Services, tag_id: str, kind: Kind, item_id: str, who: Principal) -> Envelope[Any]:
    tag = await services.tags.get(tag_id)
    label = "part" if kind == "part" else "tool"
    if not await services.tags.attach(tag_id, kind, item_id, who):
        return ok({}, f"Tag '{tag.name}' is already assigned to this {label}")
    return ok({"tag_id": tag_id, f"{label}_id": item_id}, f"Tag '{tag.name}' assigned to {label} successfully")


class TagsController(Controller):
    path = "/tags"
    tags = ["tags"]

    @post("/", opt=access("tags:write"), status_code=200)
    async def create(
        self, data: JSONBody[TagCreate], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[TagView]:
        return ok(await services.tags.create(data, principal), "Tag created successfully")

    @get("/statistics", opt=access("tags:read"))
    async def statistics(self, services: NamedDependency[Services]) -> Envelope[dict[str, Any]]:
        return ok(await services.tags.statistics(), "Tag statistics retrieved successfully")

    @get("/{tag_id:str}", opt=access("tags:read"))
    async def get_one(
        self, tag_id: FromPath[Key], services: NamedDependency[Services], include_items: FromQuery[bool] = False
    ) -> Envelope[TagView]:
        return ok(await services.tags.get(tag_id, include_items), "Tag retrieved successfully")

    @get("/name/{tag_name:str}", opt=access("tags:read"))
    async def by_name(
        self, tag_name: FromPath[Key], services: NamedDependency[Services], include_items: FromQuery[bool] = False
    ) -> Envelope[TagView]:
        return ok(await services.tags.get_by_name(tag_name, include_items), "Tag retrieved successfully")

    @get("/", opt=access("tags:read"))
    async def list_tags(
        self,
        services: NamedDependency[Services],
        search: Search = None,
        is_active: FromQuery[bool | None] = None,
        is_system: FromQuery[bool | None] = None,
        min_usage: Usage = None,
        max_usage: Usage = None,
        has_color: FromQuery[bool | None] = None,
        sort_by: Sort = "name",
        sort_order: Sort = "asc",
        page: Page = 1,
        page_size: PageSize = 20,
    ) -> Envelope[TagPage]:
        found = await services.tags.list_tags(
            TagFilter(search=search, is_active=is_active, is_system=is_system, min_usage=min_usage,
                      max_usage=max_usage, has_color=has_color, sort_by=sort_by, sort_order=sort_order,
                      page=page, page_size=page_size)
        )  # fmt: skip
        return ok(found, f"Retrieved {len(found.tags)} tags")

    @put("/{tag_id:str}", opt=access("tags:write"))
    async def update(
        self,
        tag_id: FromPath[Key],
        data: JSONBody[TagUpdate],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[TagView]:
        return ok(await services.tags.update(tag_id, data, principal), "Tag updated successfully")

    @delete("/{tag_id:str}", opt=access("tags:delete"), status_code=200)
    async def remove(
        self, tag_id: FromPath[Key], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[dict[str, str]]:
        tag = await services.tags.delete(tag_id, principal)
        return ok({"id": tag.id}, f"Tag '{tag.name}' deleted successfully")

    @post("/{tag_id:str}/parts/{part_id:str}", opt=access("tags:assign"), status_code=200)
    async def tag_part(
        self,
        tag_id: FromPath[Key],
        part_id: FromPath[Key],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[Any]:
        return await _attach(services, tag_id, "part", part_id, principal)

    @delete("/{tag_id:str}/parts/{part_id:str}", opt=access("tags:assign"), status_code=200)
    async def untag_part(
        self,
        tag_id: FromPath[Key],
        part_id: FromPath[Key],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[dict[str, str]]:
        await services.tags.detach(tag_id, "part", part_id, principal)
        return ok({"tag_id": tag_id, "part_id": part_id}, "Tag removed from part successfully")

    @post("/{tag_id:str}/tools/{tool_id:str}", opt=access("tags:assign"), status_code=200)
    async def tag_tool(
        self,
        tag_id: FromPath[Key],
        tool_id: FromPath[Key],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[Any]:
        return await _attach(services, tag_id, "tool", tool_id, principal)

    @delete("/{tag_id:str}/tools/{tool_id:str}", opt=access("tags:assign"), status_code=200)
    async def untag_tool(
        self,
        tag_id: FromPath[Key],
        tool_id: FromPath[Key],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[dict[str, str]]:
        await services.tags.detach(tag_id, "tool", tool_id, principal)
        return ok({"tag_id": tag_id, "tool_id": tool_id}, "Tag removed from tool successfully")

    @get("/parts/{part_id:str}/tags", opt=access("tags:read"))
    async def of_part(self, part_id: FromPath[Key], services: NamedDependency[Services]) -> Envelope[list[TagView]]:
        found = await services.tags.tags_of("part", part_id)
        return ok(found, f"Found {len(found)} tags")

    @get("/tools/{tool_id:str}/tags", opt=access("tags:read"))
    async def of_tool(self, tool_id: FromPath[Key], services: NamedDependency[Services]) -> Envelope[list[TagView]]:
        found = await services.tags.tags_of("tool", tool_id)
        return ok(found, f"Found {len(found)} tags")

    @get("/{tag_id:str}/parts", opt=access("tags:read"))
    async def parts(
        self, tag_id: FromPath[Key], services: NamedDependency[Services], page: Page = 1, page_size: PageSize = 20
    ) -> Envelope[PartsByTag]:
        found = await services.tags.parts_of(tag_id, page, page_size)
        return ok(found, f"Found {found.total} parts with tag")

    @get("/{tag_id:str}/tools", opt=access("tags:read"))
    async def tools(
        self, tag_id: FromPath[Key], services: NamedDependency[Services], page: Page = 1, page_size: PageSize = 20
    ) -> Envelope[ToolsByTag]:
        found = await services.tags.tools_of(tag_id, page, page_size)
        return ok(found, f"Found {found.total} tools with tag")

    @post("/bulk", opt=access("tags:assign"), status_code=200)
    async def bulk(
        self, data: JSONBody[TagBulk], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[dict[str, list[dict[str, str]]]]:
        done = await services.tags.bulk(data, principal)
        return ok(
            done,
            f"Bulk {data.operation} completed: {len(done['successful'])} successful, {len(done['failed'])} failed",
        )

    @post("/merge", opt=access("tags:delete"), status_code=200)
    async def merge(
        self, data: JSONBody[TagMerge], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[dict[str, Any]]:
        return ok(await services.tags.merge(data, principal), "Tags merged successfully")

    @post("/cleanup", opt=access("tags:delete"), status_code=200)
    async def cleanup(
        self,
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        data: JSONBody[TagCleanup | None] = None,
    ) -> Envelope[dict[str, list[str]]]:
        done = await services.tags.cleanup(data or TagCleanup(), principal)
        return ok(done, f"Cleanup completed: {len(done['removed_tags'])} tags removed")
