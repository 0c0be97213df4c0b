"""/api/tools: MakerMatrix's tool routes (13): the makerspace's shared tools, who has them, their upkeep."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.bounds import MAX_INT
from makermatrix_edge.inventory.tool_models import (
    MaintenanceCreate,
    MaintenanceUpdate,
    MaintenanceView,
    ToolCheckout,
    ToolCreate,
    ToolPage,
    ToolReturn,
    ToolSearch,
    ToolStatistics,
    ToolUpdate,
    ToolView,
)
from makermatrix_edge.services import Services

Key = Annotated[str, msgspec.Meta(max_length=200)]
Page = Annotated[int, QueryParameter(ge=1, le=MAX_INT)]
PageSize = Annotated[int, QueryParameter(ge=1, le=100)]


class ToolsController(Controller):
    path = "/tools"
    tags = ["tools"]

    @post("/", opt=access("tools:write"), status_code=200)
    async def create(
        self, data: JSONBody[ToolCreate], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[ToolView]:
        return ok(await services.tools.create(data, principal), "Tool created successfully")

    # Declared before /{tool_id} on purpose, and Litestar prefers the fixed path anyway: in MakerMatrix
    # /{tool_id} shadows it, so GET /api/tools/statistics answers 404 there (README: differences).
    @get("/statistics", opt=access("tools:read"))
    async def statistics(self, services: NamedDependency[Services]) -> Envelope[ToolStatistics]:
        return ok(await services.tools.statistics(), "Tool statistics retrieved successfully")

    @get("/{tool_id:str}", opt=access("tools:read"))
    async def get_one(self, tool_id: FromPath[Key], services: NamedDependency[Services]) -> Envelope[ToolView]:
        return ok(await services.tools.get(tool_id), "Tool retrieved successfully")

    @get("/", opt=access("tools:read"))
    async def list_tools(
        self, services: NamedDependency[Services], page: Page = 1, page_size: PageSize = 20
    ) -> Envelope[ToolPage]:
        found = await services.tools.list_tools(page, page_size)
        return ok(found, f"Retrieved {len(found.tools)} tools")

    @post("/search", opt=access("tools:read"), status_code=200)
    async def search(self, data: JSONBody[ToolSearch], services: NamedDependency[Services]) -> Envelope[ToolPage]:
        found = await services.tools.search(data)
        return ok(found, f"Found {found.total} tools")

    @put("/{tool_id:str}", opt=access("tools:write"))
    async def update(
        self,
        tool_id: FromPath[Key],
        data: JSONBody[ToolUpdate],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[ToolView]:
        return ok(await services.tools.update(tool_id, data, principal), "Tool updated successfully")

    @delete("/{tool_id:str}", opt=access("tools:delete"), status_code=200)
    async def remove(
        self, tool_id: FromPath[Key], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[dict[str, str]]:
        tool = await services.tools.delete(tool_id, principal)
        return ok({"id": tool.id}, f"Tool '{tool.tool_name}' deleted successfully")

    @post("/{tool_id:str}/checkout", opt=access("tools:use"), status_code=200)
    async def checkout(
        self,
        tool_id: FromPath[Key],
        data: JSONBody[ToolCheckout],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[ToolView]:
        tool = await services.tools.checkout(tool_id, data, principal)
        return ok(tool, f"Tool '{tool.tool_name}' checked out successfully")

    @post("/{tool_id:str}/return", opt=access("tools:use"), status_code=200)
    async def give_back(
        self,
        tool_id: FromPath[Key],
        data: JSONBody[ToolReturn],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[ToolView]:
        tool = await services.tools.give_back(tool_id, data, principal)
        return ok(tool, f"Tool '{tool.tool_name}' returned successfully")

    @post("/{tool_id:str}/maintenance", opt=access("tools:write"), status_code=200)
    async def add_maintenance(
        self,
        tool_id: FromPath[Key],
        data: JSONBody[MaintenanceCreate],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[MaintenanceView]:
        record = await services.tools.add_maintenance(tool_id, data, principal)
        return ok(record, "Maintenance record created successfully")

    @get("/{tool_id:str}/maintenance", opt=access("tools:read"))
    async def maintenance(
        self, tool_id: FromPath[Key], services: NamedDependency[Services]
    ) -> Envelope[list[MaintenanceView]]:
        records = await services.tools.maintenance(tool_id)
        return ok(records, f"Found {len(records)} maintenance records")

    @put("/{tool_id:str}/maintenance/{record_id:str}", opt=access("tools:write"))
    async def update_maintenance(
        self,
        tool_id: FromPath[Key],
        record_id: FromPath[Key],
        data: JSONBody[MaintenanceUpdate],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[MaintenanceView]:
        record = await services.tools.update_maintenance(tool_id, record_id, data, principal)
        return ok(record, "Maintenance record updated successfully")

    @delete("/{tool_id:str}/maintenance/{record_id:str}", opt=access("tools:delete"), status_code=200)
    async def delete_maintenance(
        self,
        tool_id: FromPath[Key],
        record_id: FromPath[Key],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[dict[str, str]]:
        await services.tools.delete_maintenance(tool_id, record_id, principal)
        return ok({"id": record_id}, "Maintenance record deleted successfully")
