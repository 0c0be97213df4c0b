"""/alora/inventory: a component's stock, minimum and location; the inventory's value."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.security import access
from makermatrix_edge.errors import BadRequest
from makermatrix_edge.httpkit.params import OptionalQueryInt, PathInt, QueryInt
from makermatrix_edge.inventory.component_models import CostSummary, InventoryCreate, InventoryItem, InventoryUpdate
from makermatrix_edge.services import Services


class InventoryController(Controller):
    path = "/inventory"
    tags = ["alora"]

    @post("/", opt=access("parts:write"), status_code=201)
    async def put_inventory(
        self,
        data: JSONBody[InventoryCreate],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> InventoryItem:
        """Create or replace the inventory record of a component."""
        return await services.component_stock.put(data, principal)

    @get("/", opt=access("parts:read"))
    async def list_inventory(
        self, services: NamedDependency[Services], component_id: OptionalQueryInt = None
    ) -> list[InventoryItem]:
        return await services.component_stock.list_items(component_id)

    @get("/cost", opt=access("parts:read"))
    async def cost(
        self,
        services: NamedDependency[Services],
        category_id: OptionalQueryInt = None,
        status_filter: FromQuery[str] = "ACTIVE",
        include_low_stock: FromQuery[bool] = True,
    ) -> CostSummary:
        status = status_filter.strip().upper()
        if status not in ("ACTIVE", "INACTIVE"):
            raise BadRequest(f"Invalid status_filter '{status_filter}': use ACTIVE or INACTIVE")
        return await services.component_stock.cost(
            category_id=category_id, status=status, include_low_stock=include_low_stock
        )

    @get("/{component_id:int}", opt=access("parts:read"))
    async def get_inventory(self, component_id: PathInt, services: NamedDependency[Services]) -> InventoryItem:
        return await services.component_stock.get(component_id)

    @put("/{component_id:int}", opt=access("parts:write"))
    async def update_inventory(
        self,
        component_id: PathInt,
        data: JSONBody[InventoryUpdate],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> InventoryItem:
        return await services.component_stock.update(component_id, data, principal)

    @post("/{component_id:int}/adjust", opt=access("parts:write"), status_code=200)
    async def adjust(
        self,
        component_id: PathInt,
        adjustment: QueryInt,
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> InventoryItem:
        """Add (positive) or take (negative); never below zero."""
        return await services.component_stock.adjust(component_id, adjustment, principal)
