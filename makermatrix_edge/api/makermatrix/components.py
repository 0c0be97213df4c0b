"""/api/parts/parametric and /api/parts/{id}/equivalents: the component features on the MakerMatrix face."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok, paged
from makermatrix_edge.api.security import access
from makermatrix_edge.bounds import PageNumber, Whole
from makermatrix_edge.httpkit.params import QueryInt
from makermatrix_edge.inventory.component_models import Component, Equivalent, EquivalentCreate, SuggestedEquivalent
from makermatrix_edge.services import Services

FilterValue = Annotated[str, msgspec.Meta(max_length=100)] | Whole | float | bool


class Parametric(msgspec.Struct, forbid_unknown_fields=True):
    """Filters as in GET /alora/components, e.g. {"technology": "PNP", "v_max_min": "40V"}."""

    filters: Annotated[dict[str, FilterValue], msgspec.Meta(max_length=40)] = msgspec.field(default_factory=dict)
    page: PageNumber = 1
    page_size: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


class ComponentFeaturesController(Controller):
    path = "/parts"
    tags = ["parts"]

    @post("/parametric", opt=access("parts:read"), status_code=200)
    async def parametric(
        self, data: JSONBody[Parametric], services: NamedDependency[Services]
    ) -> Envelope[list[Component]]:
        """Unit-aware search: "0.1A" equals "100mA"; combine with category_id, in_stock, min_quantity."""
        filters = {k: _text(v) for k, v in data.filters.items() if k not in ("limit", "offset")}
        filters.update(limit=str(data.page_size), offset=str((data.page - 1) * data.page_size))
        found, total = await services.components.search(filters)
        return paged(found, f"{total} parts match", page=data.page, page_size=data.page_size, total=total)

    @get("/{part_id:str}/equivalents", opt=access("parts:read"))
    async def equivalents(
        self, part_id: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[list[Equivalent]]:
        found = await services.equivalents.list_for(part_id)
        return ok(found, f"{len(found)} equivalents")

    @post("/{part_id:str}/equivalents", opt=access("parts:write"), status_code=200)
    async def add_equivalent(
        self,
        part_id: FromPath[str],
        data: JSONBody[EquivalentCreate],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[Equivalent]:
        pair = await services.equivalents.add(part_id, data.equivalent_id, data.reason, principal)
        return ok(pair, f"{pair.part_number} recorded as an equivalent")

    @delete("/{part_id:str}/equivalents/{equivalent_id:str}", opt=access("parts:write"), status_code=200)
    async def remove_equivalent(
        self, part_id: FromPath[str], equivalent_id: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[None]:
        await services.equivalents.remove(part_id, equivalent_id)
        return ok(None, "Equivalent removed")

    @get("/{part_id:str}/equivalents/suggest", opt=access("parts:read"))
    async def suggest(
        self, part_id: FromPath[str], services: NamedDependency[Services], limit: QueryInt = 10
    ) -> Envelope[list[SuggestedEquivalent]]:
        """Parts in this inventory that could replace this one, in-stock first, with the reasons and caveats."""
        found = await services.equivalents.suggest(part_id, max(1, min(limit, 50)))
        return ok(found, f"{len(found)} candidates")
