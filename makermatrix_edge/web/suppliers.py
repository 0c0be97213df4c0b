"""Phone pages for enrichment: "Fetch details" on a part, its stored datasheets, and the admin's supplier keys."""

from __future__ import annotations

import asyncio
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import File, Redirect, Template

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.httpkit.files import datasheet_file
from makermatrix_edge.inventory.models import PartView
from makermatrix_edge.services import Services
from makermatrix_edge.suppliers import catalogue, parse
from makermatrix_edge.suppliers.models import SupplierStatus
from makermatrix_edge.suppliers.views import Offer, load_offers
from makermatrix_edge.tasks.models import TaskRequest
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.render import Form, back, page
from makermatrix_edge.web.task_words import ENRICH, fetch_outcome

PAGE_DATASHEETS = "/datasheets/"


class SupplierPanel(msgspec.Struct):
    """What the part page's supplier section shows."""

    offers: list[Offer]
    last_fetch: str | None  # how the last "Fetch details" went, in words (running, failed and why)
    supplier: str | None  # the supplier enrichment would ask, None when it cannot tell
    can_enrich: bool
    is_admin: bool
    known: str = ", ".join(s.short_name for s in catalogue.SUPPLIERS)  # the suppliers it can ask, for the hint


class CredentialsForm(msgspec.Struct):
    client_id: str = ""
    client_secret: str = ""
    api_key: str = ""


KEY_NAMES = {"client_id": "Client ID", "client_secret": "Client secret", "api_key": "API key"}


def key_name(key: str) -> str:
    return KEY_NAMES.get(key, key.replace("_", " ").capitalize())


def status_words(st: SupplierStatus) -> str:
    """The Suppliers page's line: what to do on this page, not the config file's key names (the API says those)."""
    if st.credentials_source == "none needed":
        text = "Works without keys."
    elif st.missing_credentials:
        wanted = " and ".join(key_name(k) for k in st.missing_credentials)
        text = f"Not set up yet: enter its {wanted} below (from your {st.display_name} developer account)."
    elif st.credentials_source == "set by an admin":
        text = "Set up: its keys are stored here."
    else:
        text = "Set up: its keys are in the daemon's config file."
    if st.configured and not st.enabled:
        text += " Switched off by an admin: fetching details does not use it."
    return text


async def supplier_panel(services: Services, part: PartView, principal: Principal) -> SupplierPanel:
    offers = await services.db.read(lambda db: load_offers(db, part.id))
    supplier = parse.detect_supplier(part.supplier, part.part_number) or parse.supplier_from_number(part.part_name)
    return SupplierPanel(
        offers=offers,
        last_fetch=fetch_outcome(await services.tasks.last_for_part(ENRICH, part.id)),
        supplier=supplier,
        can_enrich=principal.can("parts:write") and principal.can("tasks:write"),
        is_admin=principal.can(ADMIN),
    )


class SupplierPages(Controller):
    @post("/p/{part_id:str}/enrich", opt=page_access("parts:write"), status_code=303)
    async def enrich(self, request: Req, part_id: FromPath[str], principal: User, services: Svc) -> Redirect:
        part = await services.parts.get(part_id=part_id)
        request_ = TaskRequest(
            task_type="part_enrichment", name=f"Fetch details for {part.part_name}", input_data={"part_id": part.id}
        )
        await services.tasks.create(request_, principal)
        return back(request, f"/p/{part.id}", "Fetching details from the supplier; reload in a moment")

    @get("/datasheets/{filename:str}", opt=page_access("parts:read"))
    async def datasheet(self, filename: FromPath[str], services: Svc) -> File:
        path = await asyncio.to_thread(services.enrichment.datasheets.path_for, filename)
        return datasheet_file(path, "private, max-age=31536000, immutable")

    @get("/suppliers", opt=page_access(ADMIN))
    async def suppliers(self, request: Req, principal: User, services: Svc) -> Template:
        clients = services.suppliers.clients
        rows = [
            (st, status_words(st), [(k, key_name(k)) for k in clients[st.name].credential_keys])
            for st in services.suppliers.statuses()
        ]
        return page(request, "suppliers.html", principal, rows=rows)

    @post("/suppliers/{name:str}", opt=page_access(ADMIN), status_code=303)
    async def set_credentials(
        self, request: Req, name: FromPath[str], data: Annotated[CredentialsForm, Form], principal: User, services: Svc
    ) -> Redirect:
        client = services.suppliers.get(name)
        # Blank fields keep what is stored: the page never shows a stored value, so blank means "unchanged".
        values = {k: v for k in client.credential_keys if (v := str(getattr(data, k, "")).strip())}
        if not values:
            return back(request, "/suppliers", "Nothing changed: fill in the fields to store")
        status = await services.suppliers.set_credentials(client.name, values, principal)
        return back(request, "/suppliers", f"{status.display_name}: {status_words(status)}")
