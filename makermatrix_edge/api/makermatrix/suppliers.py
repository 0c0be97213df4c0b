"""/api/suppliers (status, admin credentials), a part's supplier data, and the stored datasheets."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import msgspec
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import File

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.clock import iso
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.httpkit.files import datasheet_file
from makermatrix_edge.services import Services
from makermatrix_edge.suppliers import admin
from makermatrix_edge.suppliers.lookup import FieldMapping, field_mappings
from makermatrix_edge.suppliers.models import SupplierStatus
from makermatrix_edge.suppliers.views import Enrichment, enrichment_of

Secret = Annotated[str, msgspec.Meta(max_length=500)]
CACHE_FOREVER = "private, max-age=31536000, immutable"  # the name is the content's hash


CredentialsBody = dict[str, Secret | dict[str, Secret]]


def credentials_of(body: CredentialsBody) -> dict[str, str]:
    """Flat {"client_id": ...} or MakerMatrix's {"credentials": {...}}; anything else is refused in words."""
    inner = body.get("credentials")
    if isinstance(inner, dict) and len(body) == 1:
        return inner
    flat = {k: v for k, v in body.items() if isinstance(v, str)}
    if len(flat) != len(body):
        raise InvalidInput('send {"credentials": {"key": "value"}} or {"key": "value"}', "credentials")
    return flat


class SupplierView(msgspec.Struct, kw_only=True):
    """A supplier for the dropdown and the configured list (MakerMatrix's shape, plus the status in words)."""

    id: str
    name: str
    description: str
    configured: bool
    enabled: bool
    requires_config: bool
    rate_limit_info: str
    capabilities: list[str]
    capabilities_count: int
    message: str


def view_of(services: Services, st: SupplierStatus) -> SupplierView:
    about = admin.info(services.suppliers, st.name)
    return SupplierView(
        id=st.name,
        name=st.display_name,
        description=about.description,
        configured=st.configured,
        enabled=st.enabled,
        requires_config=bool(services.suppliers.get(st.name).credential_keys),
        rate_limit_info=about.rate_limit_info,
        capabilities=st.capabilities,
        capabilities_count=len(st.capabilities),
        message=st.message,
    )


class SuppliersController(Controller):
    path = "/suppliers"
    tags = ["suppliers"]

    @get("/", opt=access("parts:read"))
    async def list_suppliers(self, services: NamedDependency[Services]) -> Envelope[list[str]]:
        """The suppliers' names, as MakerMatrix lists them; each one's state is in /config/suppliers."""
        found = services.suppliers.statuses()
        return ok([s.name for s in found], f"Found {len(found)} available suppliers")

    @get("/dropdown", opt=access("parts:read"))
    async def dropdown(self, services: NamedDependency[Services]) -> Envelope[list[SupplierView]]:
        found = sorted((view_of(services, s) for s in services.suppliers.statuses()), key=lambda v: v.name)
        return ok(found, f"Found {len(found)} suppliers for dropdown")

    @get("/configured", opt=access("parts:read"))
    async def configured(self, services: NamedDependency[Services]) -> Envelope[list[SupplierView]]:
        """Suppliers enrichment can use now: credentials complete and enabled."""
        found = [view_of(services, s) for s in admin.ready(services.suppliers)]
        return ok(found, f"Found {len(found)} configured suppliers")

    @get("/info", opt=access("parts:read"))
    async def all_info(self, services: NamedDependency[Services]) -> Envelope[dict[str, admin.SupplierInfo]]:
        found = {name: admin.info(services.suppliers, name) for name in services.suppliers.clients}
        return ok(found, f"Retrieved info for {len(found)} suppliers")

    @get("/{supplier_name:str}/info", opt=access("parts:read"))
    async def info(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[admin.SupplierInfo]:
        found = admin.info(services.suppliers, supplier_name)
        return ok(found, f"Retrieved info for {found.display_name}")

    @get("/{supplier_name:str}/credentials-schema", opt=access("parts:read"))
    async def credentials_schema(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[list[admin.FieldDefinition]]:
        return ok(admin.credential_fields(services.suppliers, supplier_name), "Credential fields (values write-only)")

    @get("/{supplier_name:str}/config-schema", opt=access("parts:read"))
    async def config_schema(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[list[admin.FieldDefinition]]:
        return ok(admin.config_fields(services.suppliers, supplier_name), "Settings an admin may change")

    @post("/{supplier_name:str}/credentials-schema-with-config", opt=access("parts:read"), status_code=200)
    async def credentials_schema_with_config(
        self,
        supplier_name: FromPath[str],
        services: NamedDependency[Services],
        data: JSONBody[dict[str, Any] | None] = None,
    ) -> Envelope[list[admin.FieldDefinition]]:
        """As credentials-schema: the fields do not depend on a config here."""
        return ok(admin.credential_fields(services.suppliers, supplier_name), "Credential fields (values write-only)")

    @post("/{supplier_name:str}/config-schema-with-config", opt=access("parts:read"), status_code=200)
    async def config_schema_with_config(
        self,
        supplier_name: FromPath[str],
        services: NamedDependency[Services],
        data: JSONBody[dict[str, Any] | None] = None,
    ) -> Envelope[list[admin.FieldDefinition]]:
        return ok(admin.config_fields(services.suppliers, supplier_name), "Settings an admin may change")

    @get("/{supplier_name:str}/env-defaults", opt=access("parts:read"))
    async def env_defaults(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[dict[str, str]]:
        """Never the values (MakerMatrix returns them): the message names the keys the config file sets."""
        st = services.suppliers.status(supplier_name)
        client = services.suppliers.get(supplier_name)
        from_config = [k for k in client.credential_keys if k not in st.missing_credentials]
        said = ", ".join(from_config) if st.credentials_source == "config file" and from_config else "none"
        return ok({}, f"Keys set in the config file or environment (values never shown): {said}")

    @get("/{supplier_name:str}/supports-scraping", opt=access("parts:read"))
    async def supports_scraping(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[admin.Scraping]:
        found = admin.scraping(services.suppliers, supplier_name)
        return ok(found, f"Scraping support check for {supplier_name}")

    @get("/{supplier_name:str}/enrichment-field-mappings", opt=access("parts:read"))
    async def field_mappings(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[list[FieldMapping]]:
        found = field_mappings(services.suppliers, supplier_name)
        return ok(found, f"Retrieved {len(found)} enrichment field mapping(s) for {supplier_name}")

    @get("/{supplier_name:str}/capabilities", opt=access("parts:read"))
    async def capabilities(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[list[str]]:
        found = services.suppliers.status(supplier_name)
        return ok(found.capabilities, f"Retrieved capabilities for {found.display_name}")

    @get("/{supplier_name:str}/credentials/status", opt=access("parts:read"))
    async def credential_status(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[admin.CredentialStatus]:
        found = admin.credential_status(services.suppliers, supplier_name)
        return ok(found, found.message)

    @post("/{supplier_name:str}/credentials", opt=access(ADMIN), status_code=200)
    async def set_credentials(
        self,
        supplier_name: FromPath[str],
        data: JSONBody[CredentialsBody],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[SupplierStatus]:
        """Store credentials (e.g. {"client_id": ..., "client_secret": ...}); an empty value removes one."""
        found = await services.suppliers.set_credentials(supplier_name, credentials_of(data), principal)
        return ok(found, found.message)

    @delete("/{supplier_name:str}/credentials", opt=access(ADMIN), status_code=200)
    async def delete_credentials(
        self, supplier_name: FromPath[str], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[SupplierStatus]:
        """Forget the credentials an admin set (the config file's, if any, apply again)."""
        found = await services.suppliers.delete_credentials(supplier_name, principal)
        return ok(found, f"Credentials an admin set were removed; {found.message}")

    @post("/{supplier_name:str}/test", opt=access(ADMIN), status_code=200)
    async def test(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[admin.TestResult]:
        """Look up the supplier's example part with its stored credentials; the answer says what works."""
        found = await admin.run_test(services.suppliers, supplier_name, iso(services.clock()))
        return Envelope(status="success" if found.success else "error", message=found.message, data=found)


class SupplierFilesController(Controller):
    """MakerMatrix's file route: none of our suppliers takes a file; it says so, and why."""

    path = "/suppliers"
    tags = ["suppliers"]

    @post("/{supplier_name:str}/file-upload", opt=access(ADMIN), status_code=200)
    async def file_upload(self, supplier_name: FromPath[str], services: NamedDependency[Services]) -> None:
        client = services.suppliers.get(supplier_name)
        raise InvalidInput(f"{client.display_name} takes no files; its settings are keys and numbers", "file")


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
