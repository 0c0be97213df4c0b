"""The locations tree page and its editing: add, rename, move under another, delete after a preview."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import Conflict, InvalidInput, NotFound
from makermatrix_edge.inventory.models import LocationCreate, LocationNode, LocationUpdate, LocationView
from makermatrix_edge.inventory.place_match import rank_places
from makermatrix_edge.services import Services
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.render import Form, back, page, refused

LOCATION_TYPES = ("standard", "room", "cabinet", "shelf", "drawer", "box", "bin", "reel")
_EDIT_ERRORS = (InvalidInput, Conflict, msgspec.ValidationError)


class AddLocationForm(msgspec.Struct):
    name: str = ""
    location_type: str = ""
    parent_id: str = ""


class RenameForm(msgspec.Struct):
    name: str = ""


class MoveForm(msgspec.Struct):
    parent_id: str = ""


_LABELS = {"name": "The name", "location_type": "The type", "parent_id": ""}


def subtree_total(node: LocationNode, totals: dict[str, int]) -> int:
    """Parts in a location and everything inside it ("Drawer B 12", not 0, when its bins hold them)."""
    totals[node.id] = node.part_count + sum(subtree_total(child, totals) for child in node.children)
    return totals[node.id]


class LocationEditPages(Controller):
    async def _tree(
        self,
        request: Request[Any, Any, Any],
        services: Services,
        principal: Principal,
    ) -> Template:
        tree = await services.locations.tree()
        flat = await services.locations.list_flat()
        totals: dict[str, int] = {}
        for root in tree:
            subtree_total(root, totals)
        term = request.query_params.get("q", "").strip()[:100]
        can_write = principal.can("locations:write")
        return page(
            request,
            "locations.html",
            principal,
            tree=tree,
            totals=totals,
            q=term,
            found=rank_places(flat, term) if term else [],
            locations=flat,
            types=LOCATION_TYPES,
            can_write=can_write,
            # Editing is one mode, not a "Change" link on every line; a failed add comes back in it.
            editing=can_write and request.query_params.get("edit") == "1",
            v={
                "location_type": "standard",
                "parent_id": request.query_params.get("parent", ""),
                "name": request.query_params.get("name", "")[:100],  # a place a part's form found missing
            },
        )

    async def _edit(
        self,
        request: Request[Any, Any, Any],
        services: Services,
        principal: Principal,
        location: LocationView,
    ) -> Template:
        others = [loc for loc in await services.locations.list_flat() if loc.id != location.id]
        return page(
            request,
            "location_edit.html",
            principal,
            loc=location,
            others=others,
            can_delete=principal.can("locations:delete"),
        )

    @get("/locations", opt=page_access("locations:read"))
    async def locations(self, request: Req, principal: User, services: Svc) -> Template:
        return await self._tree(request, services, principal)

    @post("/locations/new", opt=page_access("locations:write"), status_code=303)
    async def add(self, request: Req, data: Annotated[AddLocationForm, Form], services: Svc) -> Redirect:
        fields = {
            "name": data.name.strip(),
            "location_type": data.location_type.strip() or "standard",
            "parent_id": data.parent_id.strip() or None,
        }
        try:
            if not fields["name"]:
                raise InvalidInput("must not be empty", "name")
            made = await services.locations.add(msgspec.convert(fields, LocationCreate))
        except _EDIT_ERRORS as exc:
            return refused(request, "/locations?edit=1", exc, msgspec.structs.asdict(data), _LABELS)
        return back(request, "/locations?edit=1", f"Added '{made.path}'")

    @get("/l/{location_id:str}/edit", opt=page_access("locations:write"))
    async def edit(self, request: Req, location_id: FromPath[str], principal: User, services: Svc) -> Template:
        location = await services.locations.get(location_id=location_id)
        return await self._edit(request, services, principal, location)

    @post("/l/{location_id:str}/rename", opt=page_access("locations:write"), status_code=303)
    async def rename(
        self, request: Req, location_id: FromPath[str], data: Annotated[RenameForm, Form], services: Svc
    ) -> Redirect:
        location = await services.locations.get(location_id=location_id)
        try:
            if not data.name.strip():
                raise InvalidInput("must not be empty", "name")
            done = await services.locations.update(location.id, msgspec.convert({"name": data.name}, LocationUpdate))
        except _EDIT_ERRORS as exc:
            return refused(request, f"/l/{location.id}/edit", exc, msgspec.structs.asdict(data), _LABELS)
        return back(request, f"/l/{done.id}/edit", f"Renamed to '{done.name}'")

    @post("/l/{location_id:str}/move", opt=page_access("locations:write"), status_code=303)
    async def move(
        self, request: Req, location_id: FromPath[str], data: Annotated[MoveForm, Form], services: Svc
    ) -> Redirect:
        location = await services.locations.get(location_id=location_id)
        parent = data.parent_id.strip() or None
        try:
            done = await services.locations.update(location.id, LocationUpdate(parent_id=parent))
        except _EDIT_ERRORS as exc:
            return refused(request, f"/l/{location.id}/edit", exc, msgspec.structs.asdict(data), _LABELS)
        return back(request, f"/l/{done.id}/edit", f"Moved: now {done.path}")

    @get("/l/{location_id:str}/delete", opt=page_access("locations:delete"))
    async def confirm_delete(
        self, request: Req, location_id: FromPath[str], principal: User, services: Svc
    ) -> Template:
        preview = await services.locations.preview_delete(location_id)
        return page(request, "location_delete.html", principal, p=preview)

    @post("/l/{location_id:str}/delete", opt=page_access("locations:delete"), status_code=303)
    async def delete(self, request: Req, location_id: FromPath[str], services: Svc) -> Redirect:
        try:
            done = await services.locations.delete(location_id)
        except NotFound:
            return back(request, "/locations", "That location was already gone")
        return back(request, "/locations", done.message)
