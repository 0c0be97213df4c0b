"""/api/suppliers (status, admin credentials), a part's supplier data, and the stored datasheets."""

from __future__ import annotations

import asyncio
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import File

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.httpkit.files import datasheet_file
from makermatrix_edge.services import Services
from makermatrix_edge.suppliers.models import SupplierStatus
from makermatrix_edge.suppliers.views import Enrichment, enrichment_of

Secret = Annotated[str, msgspec.Meta(max_length=500)]
CACHE_FOREVER = "private, max-age=31536000, immutable"  # the name is the content's hash


class SuppliersController(Controller):
    path = "/suppliers"
    tags = ["suppliers"]

    @get("/", opt=access("parts:read"))
    async def list_suppliers(self, services: NamedDependency[Services]) -> Envelope[list[SupplierStatus]]:
        """Each supplier: configured or not, what is missing (never a credential's value)."""
        found = services.suppliers.statuses()
        return ok(found, f"{sum(1 for s in found if s.configured)} of {len(found)} suppliers configured")

    @get("/{supplier_name:str}/credentials/status", opt=access("parts:read"))
    async def credential_status(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[SupplierStatus]:
        found = services.suppliers.status(supplier_name)
        return ok(found, found.message)

    @post("/{supplier_name:str}/credentials", opt=access(ADMIN), status_code=200)
    async def set_credentials(
        self,
        supplier_name: FromPath[str],
        data: JSONBody[dict[str, Secret]],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[SupplierStatus]:
        """Store credentials (e.g. {"client_id": ..., "client_secret": ...}); an empty value removes one."""
        found = await services.suppliers.set_credentials(supplier_name, data, principal)
        return ok(found, found.message)


class PartSupplierController(Controller):
    path = "/parts"
    tags = ["parts"]

    @get("/{part_id:str}/enrichment", opt=access("parts:read"))
    async def enrichment(self, part_id: FromPath[str], services: NamedDependency[Services]) -> Envelope[Enrichment]:
        """Supplier prices and stock (with the date fetched) and every change enrichment made, newest first."""
        found = await enrichment_of(services.db, part_id)
        return ok(found, f"{len(found.offers)} supplier offers, {len(found.log)} logged changes")


class DatasheetController(Controller):
    path = "/utility/static/datasheets"
    tags = ["utility"]

    @get("/{filename:str}", opt=access("parts:read"))
    async def datasheet(self, filename: FromPath[str], services: NamedDependency[Services]) -> File:
        """A stored datasheet PDF, for logged-in users (the phone page serves it at /datasheets/<file>)."""
        path = await asyncio.to_thread(services.enrichment.datasheets.path_for, filename)
        return datasheet_file(path, CACHE_FOREVER)
