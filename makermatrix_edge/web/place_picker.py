"""One place picker for every form that sets a place (Move, Add a part, edit, a new bag's card).

Recent places first and a search that ranks the place named exactly at the top; the page carries a
few places, never the whole tree (a big bench has hundreds of paths), and the list is refetched as
the user types (GET /places/pick, a fragment). `mode` "radio" is a field in a larger form; "move"
is a list of buttons, each moving the part there in one tap.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Controller, get
from litestar.params import FromQuery
from litestar.response import Template

from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.inventory.models import LocationView
from makermatrix_edge.inventory.place_match import rank, rank_places
from makermatrix_edge.services import Services
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.render import page

RECENT = 5
FIRST = 20  # shown before anything is typed when there are no recent places yet
MATCHES = 30  # a search shows this many; the rest are counted ("type more of the name")
Mode = Literal["radio", "move"]


class Picker(msgspec.Struct):
    q: str
    heading: str
    places: list[LocationView]
    more: int  # matches (or places) not shown
    selected: LocationView | None


async def recent_ids(services: Services) -> list[str]:
    """The places parts went to last (moved, added or edited most recently)."""

    def load(db: Any) -> list[str]:
        rows = db.execute(
            "SELECT location_id, max(updated_at) AS last FROM parts WHERE location_id IS NOT NULL "
            "GROUP BY location_id ORDER BY last DESC LIMIT ?",
            [RECENT + 1],
        ).fetchall()
        return [str(r[0]) for r in rows]

    return await services.db.read(load)


async def picker(services: Services, q: str = "", selected: str | None = None, leave_out: str | None = None) -> Picker:
    """What the picker lists: matches for `q` best first, else the recent places; `leave_out`: where the part is."""
    everything = await services.locations.list_flat()
    by_id = {loc.id: loc for loc in everything}
    term = q.strip()[:100]
    chosen = by_id.get(selected or "")
    if term:
        found = [loc for loc in rank_places(everything, term) if loc.id != leave_out]
        return Picker(term, "Matching places", found[:MATCHES], max(0, len(found) - MATCHES), chosen)
    recent = [by_id[i] for i in await recent_ids(services) if i in by_id and i != leave_out][:RECENT]
    others = [loc for loc in everything if loc.id != leave_out and loc not in recent]
    if recent and len(recent) + len(others) > FIRST:
        return Picker("", "Recent places", recent, len(others), chosen)
    shown = (recent + others)[:FIRST]  # a small bench: every place, the recent ones first
    return Picker("", "Places", shown, len(recent) + len(others) - len(shown), chosen)


def typed_field(field: str) -> str:
    """The form field that carries what was typed in a picker's search box (sent with the form)."""
    return f"{field}_q"


async def chosen_place(services: Services, chosen: str, typed: str, *, otherwise: str = "leave it empty") -> str | None:
    """The place a picker's form names: the tapped one, else what was typed in its search and not tapped.

    Typed text is never dropped: a tapped place among its matches wins; else the one place it names
    (the only match, or the only one it names by its whole path or its end); else the user stays on
    the form and is told why (InvalidInput), ending with `otherwise`: what else the form can do.
    """
    term = typed.strip()[:100]
    if not term:
        return chosen or None
    found = rank_places(await services.locations.list_flat(), term)
    if chosen and any(loc.id == chosen for loc in found):
        return chosen
    if len(found) == 1:
        return found[0].id
    close = [loc for loc in found if (rank(loc.path, term) or 0) <= 1]
    if len(close) == 1:
        return close[0].id
    if not found:
        raise InvalidInput(f"No place matches '{term}' — pick one from the list, or {otherwise}")
    raise InvalidInput(f"{len(found)} places match '{term}' — tap the one you mean in the list, or {otherwise}")


class PlacePickerPages(Controller):
    @get("/places/pick", opt=page_access("locations:read"))
    async def options(
        self,
        request: Req,
        principal: User,
        services: Svc,
        q: FromQuery[str] = "",
        mode: FromQuery[str] = "radio",
        field: FromQuery[str] = "location_id",
        selected: FromQuery[str] = "",
        leave_out: FromQuery[str] = "",
    ) -> Template:
        """The picker's list alone, refetched as the user types."""
        found = await picker(services, q, selected or None, leave_out or None)
        name = field if field.isidentifier() else "location_id"
        shown: Mode = "move" if mode == "move" else "radio"
        return page(request, "_place_options.html", principal, p=found, mode=shown, field=name)
