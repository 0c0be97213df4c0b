"""Phone pages for enrichment: "Fetch details" on a part, its stored datasheets, and the admin's supplier keys."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import File, Redirect, Template

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.inventory.models import PartView
from makermatrix_edge.services import Services
from makermatrix_edge.suppliers import catalogue, parse
from makermatrix_edge.suppliers.views import Offer, load_offers
from makermatrix_edge.tasks.models import TaskRequest
from makermatrix_edge.web.pages import CsrfForm, Form
from makermatrix_edge.web.render import back, page
from makermatrix_edge.web.session import check_csrf, require

PAGE_DATASHEETS = "/datasheets/"


class SupplierPanel(msgspec.Struct):
    """What the part page's supplier section shows."""

    offers: list[Offer]
    supplier: str | None  # the supplier enrichment would ask, None when it cannot tell
    can_enrich: bool
    is_admin: bool
    known: str = ", ".join(s.short_name for s in catalogue.SUPPLIERS)  # the suppliers it can ask, for the hint


class CredentialsForm(msgspec.Struct):
    csrf_token: str = ""
    client_id: str = ""
    client_secret: str = ""
    api_key: str = ""


async def supplier_panel(services: Services, part: PartView, principal: Principal) -> SupplierPanel:
    offers = await services.db.read(lambda db: load_offers(db, part.id))
    supplier = parse.detect_supplier(part.supplier, part.part_number) or parse.supplier_from_number(part.part_name)
    return SupplierPanel(
        offers=offers,
        supplier=supplier,
        can_enrich=principal.can("parts:write") and principal.can("tasks:write"),
        is_admin=principal.can(ADMIN),
    )


class SupplierPages(Controller):
    @post("/p/{part_id:str}/enrich", status_code=303)
    async def enrich(
        self,
        request: Request[Any, Any, Any],
        part_id: FromPath[str],
        data: Annotated[CsrfForm, Form],
        services: NamedDependency[Services],
    ) -> Redirect:
        check_csrf(request, data.csrf_token)
        principal = await require(request, services, "parts:write")
        part = await services.parts.get(part_id=part_id)
        request_ = TaskRequest(
            task_type="part_enrichment", name=f"Enrich part {part.id}", input_data={"part_id": part.id}
        )
        await services.tasks.create(request_, principal)
        return back(request, f"/p/{part.id}", "Fetching details from the supplier; reload in a moment (see Tasks)")

    @get("/datasheets/{filename:str}")
    async def datasheet(
        self, request: Request[Any, Any, Any], filename: FromPath[str], services: NamedDependency[Services]
    ) -> File:
        await require(request, services, "parts:read")
        path = await asyncio.to_thread(services.enrichment.datasheets.path_for, filename)
        return File(
            path,
            media_type="application/pdf",
            filename=path.name,
            content_disposition_type="inline",
            headers={"Cache-Control": "private, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"},
        )

    @get("/suppliers")
    async def suppliers(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Template:
        principal = await require(request, services, ADMIN)
        clients = services.suppliers.clients
        rows = [(st, clients[st.name].credential_keys) for st in services.suppliers.statuses()]
        return page(request, "suppliers.html", principal, rows=rows)

    @post("/suppliers/{name:str}", status_code=303)
    async def set_credentials(
        self,
        request: Request[Any, Any, Any],
        name: FromPath[str],
        data: Annotated[CredentialsForm, Form],
        services: NamedDependency[Services],
    ) -> Redirect:
        check_csrf(request, data.csrf_token)
        principal = await require(request, services, ADMIN)
        client = services.suppliers.get(name)
        # Blank fields keep what is stored: the page never shows a stored value, so blank means "unchanged".
        values = {k: v for k in client.credential_keys if (v := str(getattr(data, k, "")).strip())}
        if not values:
            return back(request, "/suppliers", "Nothing changed: fill in the fields to store")
        status = await services.suppliers.set_credentials(client.name, values, principal)
        return back(request, "/suppliers", status.message)
