"""A part in several places on the phone: move some of it between places; a cassette's label opens its part."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, post
from litestar.params import FromPath
from litestar.response import Redirect

from makermatrix_edge.errors import Forbidden
from makermatrix_edge.inventory.allocation_models import SplitToCassette, Transfer
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.place_picker import chosen_place
from makermatrix_edge.web.render import Form, back
from makermatrix_edge.web.stock import whole


class TransferForm(msgspec.Struct):
    quantity: str = ""
    from_location_id: str = ""
    to_location_id: str = ""  # "" (the picker's first choice) or "new": into a new cassette, named in cassette_name
    to_location_id_q: str = ""  # typed in the picker's search, maybe not tapped
    cassette_name: str = ""
    cassette_parent: str = ""
    cassette_parent_q: str = ""


class PlacesPages(Controller):
    @post("/p/{part_id:str}/transfer", opt=page_access("parts:write"), status_code=303)
    async def transfer(
        self, request: Req, part_id: FromPath[str], data: Annotated[TransferForm, Form], principal: User, services: Svc
    ) -> Redirect:
        """Carry some of the part from one of its places to another; the total stays, the history names both."""
        picked = data.to_location_id.strip()[:200]
        if picked in ("", "new") and data.to_location_id_q.strip():
            # typed, not tapped; here an empty choice means a new cassette, and the refusal says so
            otherwise = "empty Find to move them into a new cassette"
            picked = await chosen_place(services, "", data.to_location_id_q, otherwise=otherwise) or ""
        if picked in ("", "new"):
            if not principal.can("locations:write"):
                raise Forbidden("Choose the place to move them to (making a new cassette needs locations:write)")
            split = SplitToCassette(
                from_location_id=data.from_location_id.strip()[:200],
                quantity=whole(data.quantity, "quantity", 1),
                cassette_name=data.cassette_name.strip()[:100] or None,
                parent_location_id=await chosen_place(
                    services, data.cassette_parent.strip()[:200], data.cassette_parent_q
                ),
            )
            made = await services.allocations.split_to_cassette(part_id, split, principal)
            text = f"Moved {split.quantity} to the new {made.cassette.path}"
            return back(request, f"/p/{part_id}?at={made.allocation.id}", text)
        move = Transfer(
            from_location_id=data.from_location_id.strip()[:200],
            to_location_id=picked,
            quantity=whole(data.quantity, "quantity", 1),
        )
        done = await services.allocations.transfer(part_id, move, principal)
        text = f"Moved {move.quantity} to {done.to_allocation.location_path}"
        return back(request, f"/p/{part_id}?at={done.to_allocation.id}", text)
