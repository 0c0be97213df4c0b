"""/api/locations: the MakerMatrix location routes."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.inventory.location_delete import DeletePreview, DeleteResult
from makermatrix_edge.inventory.models import LocationCreate, LocationNode, LocationUpdate, LocationView, PartView
from makermatrix_edge.inventory.relatives import LocationWithRelatives, flat_with_relatives, location_with_relatives
from makermatrix_edge.services import Services

Text = Annotated[str, msgspec.Meta(max_length=200)]


class Cleanup(msgspec.Struct):
    repaired: int


class DetailsData(LocationView, kw_only=True):
    children: list[LocationView]
    path_locations: list[LocationView]  # root to this location (the field `path` is the location's own text)
    parts_count: int
    subtree_parts_count: int
    subtree_locations_count: int
    parts: list[PartView]
    parts_truncated: bool


class PathNode(msgspec.Struct):
    id: str
    name: str
    description: str | None
    location_type: str
    parent: PathNode | None


class LocationsController(Controller):
    path = "/locations"
    tags = ["locations"]

    @get("/get_all_locations", opt=access("locations:read"))
    async def get_all(
        self, services: NamedDependency[Services], tree: FromQuery[bool] = False
    ) -> Envelope[list[LocationWithRelatives]] | Envelope[list[LocationNode]]:
        """Flat list ordered by path (each with its parent and children); `?tree=true` nests children."""
        if tree:
            roots = await services.locations.tree()
            return ok(roots, f"{len(roots)} top-level locations")
        flat = flat_with_relatives(await services.locations.list_flat())
        return ok(flat, f"{len(flat)} locations")

    @post("/add_location", opt=access("locations:write"), status_code=200)
    async def add(self, data: JSONBody[LocationCreate], services: NamedDependency[Services]) -> Envelope[LocationView]:
        location = await services.locations.add(data)
        return ok(location, f"Location '{location.path}' added")

    @get("/get_location", opt=access("locations:read"))
    async def get_one(
        self,
        services: NamedDependency[Services],
        location_id: FromQuery[Text | None] = None,
        name: FromQuery[Text | None] = None,
    ) -> Envelope[LocationWithRelatives]:
        location = await services.locations.get(location_id=location_id, name=name)
        return ok(await location_with_relatives(services.db, location), "Location found")

    @put("/update_location/{location_id:str}", opt=access("locations:write"))
    async def update(
        self, location_id: FromPath[str], data: JSONBody[LocationUpdate], services: NamedDependency[Services]
    ) -> Envelope[LocationView]:
        location = await services.locations.update(location_id, data)
        return ok(location, f"Location '{location.path}' updated")

    @get("/get_location_details/{location_id:str}", opt=access("locations:read"))
    async def details(self, location_id: FromPath[str], services: NamedDependency[Services]) -> Envelope[DetailsData]:
        """MakerMatrix's shape: the location's own fields at the top, its children beside them (and our counts)."""
        found = await services.locations.details(location_id)
        fields = msgspec.structs.asdict(found.location)
        data = DetailsData(
            **fields,
            children=found.children,
            path_locations=found.path,
            parts_count=found.parts_count,
            subtree_parts_count=found.subtree_parts_count,
            subtree_locations_count=found.subtree_locations_count,
            parts=found.parts,
            parts_truncated=found.parts_truncated,
        )
        return ok(data, "Location details retrieved successfully")

    @get("/get_location_path/{location_id:str}", opt=access("locations:read"))
    async def location_path(
        self, location_id: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[PathNode]:
        """MakerMatrix's shape: the location, its parent inside it under "parent", and so on up to the root."""
        chain = await services.locations.path(location_id)
        node: PathNode | None = None
        for view in chain:  # root first: each one becomes the parent of the next
            node = PathNode(view.id, view.name, view.description, view.location_type, node)
        assert node is not None
        return ok(node, " / ".join(c.name for c in chain))

    @get("/preview-location-delete/{location_id:str}", opt=access("locations:read"))
    async def preview_delete(
        self, location_id: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[DeletePreview]:
        preview = await services.locations.preview_delete(location_id)
        message = (
            f"Deleting '{preview.path}' also deletes {preview.child_locations} locations below it; "
            f"{preview.affected_parts} parts would lose their location"
        )
        return ok(preview, message)

    @delete("/delete_location/{location_id:str}", opt=access("locations:delete"), status_code=200)
    async def delete_location(
        self, location_id: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[DeleteResult]:
        result = await services.locations.delete(location_id)
        return ok(result, result.message)

    @delete("/cleanup-locations", opt=access("locations:write"), status_code=200)
    async def cleanup(self, services: NamedDependency[Services]) -> Envelope[Cleanup]:
        repaired = await services.locations.cleanup()
        return ok(Cleanup(repaired=repaired), f"Repaired {repaired} locations with a missing parent")
