"""/api/categories: the MakerMatrix category routes."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.inventory.models import CategoryCreate, CategoryUpdate, CategoryView
from makermatrix_edge.inventory.relatives import CategoryWithParts, category_with_parts
from makermatrix_edge.services import Services

Text = Annotated[str, msgspec.Meta(max_length=200)]


class CategoryList(msgspec.Struct):
    categories: list[CategoryView]


class Deleted(msgspec.Struct):
    deleted_count: int


class CategoriesController(Controller):
    path = "/categories"
    tags = ["categories"]

    @get("/get_all_categories", opt=access("categories:read"))
    async def get_all(self, services: NamedDependency[Services]) -> Envelope[CategoryList]:
        categories = await services.categories.list_categories()
        return ok(CategoryList(categories=categories), f"{len(categories)} categories")

    @post("/add_category", opt=access("categories:write"), status_code=200)
    async def add(self, data: JSONBody[CategoryCreate], services: NamedDependency[Services]) -> Envelope[CategoryView]:
        category = await services.categories.add(data)
        return ok(category, f"Category '{category.name}' added")

    @put("/update_category/{category_id:str}", opt=access("categories:write"))
    async def update(
        self, category_id: FromPath[str], data: JSONBody[CategoryUpdate], services: NamedDependency[Services]
    ) -> Envelope[CategoryView]:
        category = await services.categories.update(category_id, data)
        return ok(category, f"Category '{category.name}' updated")

    @get("/get_category", opt=access("categories:read"))
    async def get_one(
        self,
        services: NamedDependency[Services],
        category_id: FromQuery[Text | None] = None,
        name: FromQuery[Text | None] = None,
    ) -> Envelope[CategoryWithParts]:
        """The category with its parts (the first MAX_RELATED by name; part_count has them all)."""
        category = await services.categories.get(category_id=category_id, name=name)
        return ok(await category_with_parts(services.db, category), "Category found")

    @delete("/remove_category", opt=access("categories:delete"), status_code=200)
    async def remove(
        self,
        services: NamedDependency[Services],
        cat_id: FromQuery[Text | None] = None,
        name: FromQuery[Text | None] = None,
    ) -> Envelope[CategoryView]:
        category = await services.categories.remove(category_id=cat_id, name=name)
        note = f"; {category.part_count} parts no longer have it" if category.part_count else ""
        return ok(category, f"Category '{category.name}' removed{note}")

    @delete("/delete_all_categories", opt=access(ADMIN), status_code=200)
    async def delete_all(
        self, principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[Deleted]:
        count = await services.categories.delete_all(principal)
        return ok(Deleted(deleted_count=count), f"Deleted all {count} categories; parts keep existing")
