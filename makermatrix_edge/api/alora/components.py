"""/alora/components: create, list with parametric filters, get, update, soft delete; equivalents."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.security import access
from makermatrix_edge.httpkit.params import PathInt, QueryInt
from makermatrix_edge.inventory.component_models import (
    Component,
    ComponentCreate,
    ComponentUpdate,
    Equivalent,
    EquivalentCreate,
    SuggestedEquivalent,
)
from makermatrix_edge.services import Services


class ComponentsController(Controller):
    path = "/components"
    tags = ["alora"]

    @post("/", opt=access("parts:write"), status_code=201)
    async def create(
        self,
        data: JSONBody[ComponentCreate],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Component:
        return await services.components.create(data, principal)

    @get("/", opt=access("parts:read"))
    async def list_components(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services]
    ) -> Response[list[Component]]:
        """status_filter, category_id, technology, polarity, channel, package, marking, in_stock,
        <spec>_min / <spec>_max with units (v_max_min=40V, i_max_min=100mA), limit (<= 1000), offset."""
        filters = {key: request.query_params.getall(key)[-1] for key in request.query_params}
        found, total = await services.components.search(filters)
        return Response(found, headers={"X-Total-Count": str(total)})

    @get("/{component_id:int}", opt=access("parts:read"))
    async def get_component(self, component_id: PathInt, services: NamedDependency[Services]) -> Component:
        return await services.components.get(component_id)

    @put("/{component_id:int}", opt=access("parts:write"))
    async def update(
        self, component_id: PathInt, data: JSONBody[ComponentUpdate], services: NamedDependency[Services]
    ) -> Component:
        return await services.components.update(component_id, data)

    @delete("/{component_id:int}", opt=access("parts:delete"))
    async def soft_delete(self, component_id: PathInt, services: NamedDependency[Services]) -> None:
        """Marks the component INACTIVE; PUT status ACTIVE restores it."""
        await services.components.soft_delete(component_id)

    @get("/{component_id:int}/equivalents", opt=access("parts:read"))
    async def equivalents(self, component_id: PathInt, services: NamedDependency[Services]) -> list[Equivalent]:
        return await services.equivalents.list_for(component_id)

    @post("/{component_id:int}/equivalents", opt=access("parts:write"), status_code=201)
    async def add_equivalent(
        self,
        component_id: PathInt,
        data: JSONBody[EquivalentCreate],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Equivalent:
        return await services.equivalents.add(component_id, data.equivalent_id, data.reason, principal)

    @delete("/{component_id:int}/equivalents/{equivalent_id:int}", opt=access("parts:write"))
    async def remove_equivalent(
        self, component_id: PathInt, equivalent_id: PathInt, services: NamedDependency[Services]
    ) -> None:
        await services.equivalents.remove(component_id, equivalent_id)

    @get("/{component_id:int}/equivalents/suggest", opt=access("parts:read"))
    async def suggest(
        self, component_id: PathInt, services: NamedDependency[Services], limit: QueryInt = 10
    ) -> list[SuggestedEquivalent]:
        return await services.equivalents.suggest(component_id, max(1, min(limit, 50)))
