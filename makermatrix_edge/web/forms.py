"""Add and edit a part (a plain form; validation errors come back on the same form, in words)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import Conflict, InvalidInput
from makermatrix_edge.inventory.models import PartCreate, PartUpdate, PartView
from makermatrix_edge.services import Services
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.place_picker import chosen_place, picker
from makermatrix_edge.web.render import Form, back, form_error, page

TEXT_FIELDS = ("part_name", "part_number", "manufacturer", "manufacturer_part_number", "supplier", "description")
PREFILL = (*TEXT_FIELDS, "quantity", "min_quantity", "location_id")


class PartForm(msgspec.Struct):
    part_name: str = ""
    part_number: str = ""
    manufacturer: str = ""
    manufacturer_part_number: str = ""
    supplier: str = ""
    description: str = ""
    quantity: str = "0"
    min_quantity: str = "0"
    location_id: str = ""
    location_id_q: str = ""  # typed in the place picker's search, maybe not tapped
    categories: str = ""


async def _fields(services: Services, form: PartForm, *, with_quantity: bool) -> dict[str, Any]:
    out: dict[str, Any] = {k: getattr(form, k).strip() or None for k in TEXT_FIELDS}
    out["part_name"] = form.part_name.strip()
    out["location_id"] = await chosen_place(services, form.location_id.strip(), form.location_id_q)
    names = [n.strip() for n in form.categories.split(",") if n.strip()]
    out["category_names"] = names
    numbers = ("quantity", "min_quantity") if with_quantity else ("min_quantity",)
    for name in numbers:
        text = getattr(form, name).strip() or "0"
        if not text.isdigit():
            raise InvalidInput("must be a whole number, 0 or more", name)
        out[name] = int(text)
    return out


def _values(
    part: PartView | None, form: PartForm | None = None, prefill: dict[str, str] | None = None
) -> dict[str, str]:
    if form is not None:
        return dict(msgspec.structs.asdict(form))
    if part is not None:
        values = {k: str(getattr(part, k) or "") for k in (*TEXT_FIELDS, "location_id")}
        values["min_quantity"] = str(part.min_quantity)
        values["categories"] = ", ".join(c.name for c in part.categories)
        return values
    return {"quantity": "0", "min_quantity": "0", **(prefill or {})}


class PartForms(Controller):
    async def _form(
        self,
        request: Request[Any, Any, Any],
        services: Services,
        principal: Principal,
        part: PartView | None,
        values: dict[str, str],
        error: str | None = None,
        status_code: int = 200,
    ) -> Template:
        return page(
            request,
            "part_form.html",
            principal,
            status_code=status_code,
            part=part,
            v=values,
            error=error,
            pick=await picker(services, values.get("location_id_q", ""), values.get("location_id") or None),
        )

    @get("/parts/new", opt=page_access("parts:write"))
    async def new_part(self, request: Req, principal: User, services: Svc) -> Template:
        prefill = {k: request.query_params[k][:200] for k in PREFILL if request.query_params.get(k)}
        return await self._form(request, services, principal, None, _values(None, prefill=prefill))

    @post("/parts/new", opt=page_access("parts:write"), status_code=200)
    async def add_part(
        self, request: Req, data: Annotated[PartForm, Form], principal: User, services: Svc
    ) -> Template | Redirect:
        try:
            create = msgspec.convert(await _fields(services, data, with_quantity=True), PartCreate)
            made = await services.parts.add(create, principal, source="phone")
        except (InvalidInput, Conflict, msgspec.ValidationError) as exc:
            error, status = form_error(exc)
            return await self._form(request, services, principal, None, _values(None, data), error, status)
        return back(request, f"/p/{made.id}", f"Added '{made.part_name}'")

    @get("/p/{part_id:str}/edit", opt=page_access("parts:write"))
    async def edit_part(self, request: Req, part_id: FromPath[str], principal: User, services: Svc) -> Template:
        part = await services.parts.get(part_id=part_id)
        return await self._form(request, services, principal, part, _values(part))

    @post("/p/{part_id:str}/edit", opt=page_access("parts:write"), status_code=200)
    async def save_part(
        self, request: Req, part_id: FromPath[str], data: Annotated[PartForm, Form], principal: User, services: Svc
    ) -> Template | Redirect:
        part = await services.parts.get(part_id=part_id)
        try:
            update = msgspec.convert(await _fields(services, data, with_quantity=False), PartUpdate)
            saved = await services.parts.update(part.id, update, principal, source="phone")
        except (InvalidInput, Conflict, msgspec.ValidationError) as exc:
            error, status = form_error(exc)
            return await self._form(request, services, principal, part, _values(part, data), error, status)
        return back(request, f"/p/{saved.id}", "Saved")
