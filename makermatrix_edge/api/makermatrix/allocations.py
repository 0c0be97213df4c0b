"""/api/parts/{id}/allocations, /transfer, /split_to_cassette: a part in several places (MakerMatrix's routes)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.errors import Forbidden
from makermatrix_edge.inventory.allocation_models import (
    Allocation,
    AllocationCreate,
    AllocationSummary,
    AllocationUpdate,
    Removed,
    Returned,
    Split,
    SplitToCassette,
    Transfer,
    Transferred,
)
from makermatrix_edge.services import Services

PlaceId = Annotated[str, QueryParameter(min_length=1, max_length=200)]
Amount = Annotated[int, QueryParameter(ge=1, le=1_000_000_000)]
NoteText = Annotated[str | None, QueryParameter(max_length=500)]


class AllocationsController(Controller):
    path = "/parts/{part_id:str}"
    tags = ["Part Allocations"]

    @get("/allocations", opt=access("parts:read"))
    async def list_allocations(
        self, part_id: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[AllocationSummary]:
        found = await services.allocations.list_for(part_id)
        return ok(found, f"Retrieved {found.location_count} allocations for part {found.part_name}")

    @post("/allocations", opt=access("parts:write"), status_code=200)
    async def create(
        self,
        part_id: FromPath[str],
        data: JSONBody[AllocationCreate],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[Allocation]:
        made = await services.allocations.create(part_id, data, principal)
        return ok(made, f"Created allocation of {made.quantity_at_location} units")

    @put("/allocations/{allocation_id:str}", opt=access("parts:write"))
    async def update(
        self,
        part_id: FromPath[str],
        allocation_id: FromPath[str],
        data: JSONBody[AllocationUpdate],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[Allocation]:
        done = await services.allocations.update(part_id, allocation_id, data, principal)
        return ok(done, "Allocation updated successfully")

    @delete("/allocations/{allocation_id:str}", opt=access("parts:write"), status_code=200)
    async def remove(
        self,
        part_id: FromPath[str],
        allocation_id: FromPath[str],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[Removed]:
        done = await services.allocations.delete(part_id, allocation_id, principal)
        return ok(done, "Allocation deleted successfully")

    @post("/allocations/{allocation_id:str}/return_to_primary", opt=access("parts:write"), status_code=200)
    async def return_to_primary(
        self,
        part_id: FromPath[str],
        allocation_id: FromPath[str],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[Returned]:
        done = await services.allocations.return_to_primary(part_id, allocation_id, principal)
        return ok(done, f"Returned {done.quantity_returned} units to primary storage")

    @post("/transfer", opt=access("parts:write"), status_code=200)
    async def transfer(
        self,
        part_id: FromPath[str],
        from_location_id: PlaceId,
        to_location_id: PlaceId,
        quantity: Amount,
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        notes: NoteText = None,
    ) -> Envelope[Transferred]:
        """Query parameters, as MakerMatrix takes them."""
        move = Transfer(
            from_location_id=from_location_id, to_location_id=to_location_id, quantity=quantity, notes=notes
        )
        done = await services.allocations.transfer(part_id, move, principal)
        where_from = done.from_allocation.location_path if done.from_allocation else from_location_id
        return ok(done, f"Transferred {quantity} units from {where_from} to {done.to_allocation.location_path}")

    @post("/allocations/split_to_cassette", opt=access("parts:write"), status_code=200)
    async def split_to_cassette(
        self,
        part_id: FromPath[str],
        data: JSONBody[SplitToCassette],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[Split]:
        if data.create_new_cassette and not principal.can("locations:write"):
            raise Forbidden("Making a new cassette needs the locations:write permission; pick an existing one")
        done = await services.allocations.split_to_cassette(part_id, data, principal)
        return ok(done, f"Split {done.transferred_quantity} units to cassette {done.cassette.name}")
