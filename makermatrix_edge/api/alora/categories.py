"""/alora/categories: integer ids, a status, soft delete."""

from __future__ import annotations

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody

from makermatrix_edge.api.security import access
from makermatrix_edge.httpkit.params import PathInt
from makermatrix_edge.inventory.component_models import AloraCategory, AloraCategoryCreate, AloraCategoryUpdate
from makermatrix_edge.services import Services


class AloraCategoriesController(Controller):
    path = "/categories"
    tags = ["alora"]

    @post("/", opt=access("categories:write"), status_code=201)
    async def create(self, data: JSONBody[AloraCategoryCreate], services: NamedDependency[Services]) -> AloraCategory:
        return await services.alora_categories.create(data)

    @get("/", opt=access("categories:read"))
    async def list_categories(
        self, services: NamedDependency[Services], status_filter: FromQuery[str | None] = None
    ) -> list[AloraCategory]:
        return await services.alora_categories.list_categories(status_filter)

    @get("/{category_id:int}", opt=access("categories:read"))
    async def get_category(self, category_id: PathInt, services: NamedDependency[Services]) -> AloraCategory:
        return await services.alora_categories.get(category_id)

    @put("/{category_id:int}", opt=access("categories:write"))
    async def update(
        self, category_id: PathInt, data: JSONBody[AloraCategoryUpdate], services: NamedDependency[Services]
    ) -> AloraCategory:
        return await services.alora_categories.update(category_id, data)

    @delete("/{category_id:int}", opt=access("categories:delete"))
    async def soft_delete(self, category_id: PathInt, services: NamedDependency[Services]) -> None:
        await services.alora_categories.soft_delete(category_id)
