"""Stock on the part page: take, add, count (set what was counted) and undo the last change for a minute."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.params import FromPath
from litestar.response import Redirect

from makermatrix_edge.errors import Conflict, InvalidInput
from makermatrix_edge.inventory.models import PartUpdate
from makermatrix_edge.services import Services
from makermatrix_edge.web.flash import Undo
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.render import Form, back
from makermatrix_edge.web.session import csrf_token

UNDO_SECONDS = 60
_USED_UNDOS = "web_used_undos"  # app.state: signatures already spent (an undo works once)


class AdjustForm(msgspec.Struct):
    delta: str = ""  # "-1" / "+1" from the buttons
    take: str = ""  # "Take N"
    add: str = ""  # "Add N"


class CountForm(msgspec.Struct):
    count: str = ""


class UndoForm(msgspec.Struct):
    delta: str = ""
    at: str = ""
    sig: str = ""


def whole(text: str, field: str, least: int | None = None) -> int:
    try:
        n = int(text.strip())
    except ValueError:
        raise InvalidInput("must be a whole number", field) from None
    if least is not None and n < least:
        raise InvalidInput(f"must be {least} or more", field)
    return n


def _delta(form: AdjustForm) -> tuple[int, str]:
    if form.take.strip():
        return -whole(form.take, "take", 1), "taken"
    if form.add.strip():
        return whole(form.add, "add", 1), "added"
    n = whole(form.delta, "delta")
    return n, "taken" if n < 0 else "added"


def _signature(request: Request[Any, Any, Any], services: Services, part_id: str, delta: int, at: float) -> str:
    # Tied to the session through its CSRF token: another user's (or session's) undo form is refused.
    return services.auth.page_mac("undo", f"{part_id}|{delta}|{at!r}|{csrf_token(request)}")


def _undo(request: Request[Any, Any, Any], services: Services, part_id: str, delta: int) -> Undo:
    at = float(services.clock())
    return Undo(part_id=part_id, delta=delta, at=at, sig=_signature(request, services, part_id, delta, at))


class StockPages(Controller):
    @post("/p/{part_id:str}/adjust", opt=page_access("parts:write"), status_code=303)
    async def adjust(
        self, request: Req, part_id: FromPath[str], data: Annotated[AdjustForm, Form], principal: User, services: Svc
    ) -> Redirect:
        delta, verb = _delta(data)
        done = await services.parts.adjust(part_id, delta, f"{verb} on the phone page", principal, source="phone")
        text = f"{verb.capitalize()} {abs(delta)}: {done.quantity} left"
        return back(request, f"/p/{done.id}", text, _undo(request, services, done.id, delta))

    @post("/p/{part_id:str}/count", opt=page_access("parts:write"), status_code=303)
    async def count(
        self, request: Req, part_id: FromPath[str], data: Annotated[CountForm, Form], principal: User, services: Svc
    ) -> Redirect:
        """The quantity counted in the drawer replaces the stored one, as a stock movement 'counted'."""
        counted = whole(data.count, "count", 0)
        before = await services.parts.get(part_id=part_id)
        if counted == before.quantity:
            return back(request, f"/p/{before.id}", f"Counted {counted}: that is what was stored")
        update = PartUpdate(quantity=counted, reason="counted")
        done = await services.parts.update(before.id, update, principal, source="phone")
        delta = counted - before.quantity
        text = f"Counted {counted} ({delta:+d})"
        return back(request, f"/p/{done.id}", text, _undo(request, services, done.id, delta))

    @post("/p/{part_id:str}/undo", opt=page_access("parts:write"), status_code=303)
    async def undo(
        self, request: Req, part_id: FromPath[str], data: Annotated[UndoForm, Form], principal: User, services: Svc
    ) -> Redirect:
        try:
            delta, at = int(data.delta), float(data.at)
        except ValueError:
            raise InvalidInput("This undo button is broken; reload the page") from None
        sig = _signature(request, services, part_id, delta, at)
        with spend_undo(request, services, sig, data.sig, at):
            done = await services.parts.adjust(part_id, -delta, "undo on the phone page", principal, source="phone")
        return back(request, f"/p/{done.id}", f"Undone: {done.quantity} in stock")


@contextmanager
def spend_undo(request: Request[Any, Any, Any], services: Services, sig: str, sent: str, at: float) -> Iterator[None]:
    """An undo button works once, for UNDO_SECONDS, for the session that was shown it; spent if the body succeeds."""
    if not secrets.compare_digest(sig.encode(), sent.encode()):
        raise InvalidInput("This undo button is not yours or not from this session; reload the page")
    if services.clock() - at > UNDO_SECONDS:
        raise Conflict(f"Undo works for {UNDO_SECONDS} seconds; change it again by hand instead")
    used: set[str] = request.app.state.setdefault(_USED_UNDOS, set())
    if sig in used:
        raise Conflict("That change was already undone")
    used.add(sig)
    if len(used) > 1000:  # signatures older than a minute are useless anyway
        used.clear()
        used.add(sig)
    try:
        yield
    except BaseException:
        used.discard(sig)
        raise
