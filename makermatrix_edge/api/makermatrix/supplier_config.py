"""/api/suppliers/config (settings, credentials, export/import) and /api/rate-limits (request budgets).

The suppliers are built in (suppliers/catalogue.py): their settings can be read by anyone who may read
parts and changed by admins only; credentials are write-only here as everywhere.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.makermatrix.suppliers import CredentialsBody, credentials_of
from makermatrix_edge.api.security import access
from makermatrix_edge.clock import iso
from makermatrix_edge.errors import Conflict, InvalidInput, NotFound
from makermatrix_edge.httpkit.uploads import read_capped
from makermatrix_edge.services import Services
from makermatrix_edge.suppliers import admin, budgets
from makermatrix_edge.suppliers.models import SupplierStatus

READ = "parts:read"
IMPORT_BODY_LIMIT = admin.CONFIG_FILE_LIMIT + 16 * 1024  # the file plus the multipart framing
NEVER_SHOWN = "credentials are write-only and never returned"


class ConfigChange(msgspec.Struct, forbid_unknown_fields=True):
    """PUT /api/suppliers/config/suppliers/{name}: what an admin may change of a built-in supplier."""

    enabled: bool | None = None
    rate_limit_per_minute: Annotated[float, msgspec.Meta(gt=0)] | None = None


class RateChange(msgspec.Struct, forbid_unknown_fields=True):
    requests_per_minute: Annotated[float, msgspec.Meta(gt=0)]


class ImportForm(msgspec.Struct):
    file: UploadFile | None = None


class NewSupplier(msgspec.Struct, forbid_unknown_fields=False):
    supplier_name: Annotated[str, msgspec.Meta(max_length=100)]


class SupplierConfigController(Controller):
    path = "/suppliers/config"
    tags = ["suppliers"]

    @get("/suppliers", opt=access(READ))
    async def list_configs(
        self, services: NamedDependency[Services], enabled_only: FromQuery[bool] = False
    ) -> Envelope[list[admin.SupplierConfig]]:
        found = admin.configs(services.suppliers, enabled_only=enabled_only)
        return ok(found, f"Retrieved {len(found)} supplier configurations")

    @post("/suppliers", opt=access(ADMIN), status_code=200)
    async def create(self, data: JSONBody[NewSupplier], services: NamedDependency[Services]) -> Envelope[None]:
        """Suppliers are built in: a known one already exists, a new one is a code change."""
        try:
            client = services.suppliers.get(data.supplier_name)
        except NotFound:
            known = ", ".join(c.display_name for c in services.suppliers.clients.values())
            raise InvalidInput(
                f"'{data.supplier_name}' cannot be added: the suppliers are built in ({known}); "
                "a new one is a new version of makermatrix-edge",
                "supplier_name",
            ) from None
        where = f"/api/suppliers/config/suppliers/{client.name}"
        raise Conflict(
            f"{client.display_name} already exists (only one configuration per supplier type is allowed); "
            f"change its settings with PUT {where}"
        )

    @get("/suppliers/{supplier_name:str}", opt=access(READ))
    async def get_config(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[admin.SupplierConfig]:
        found = admin.config_of(services.suppliers, supplier_name)
        return ok(found, f"Retrieved supplier configuration: {found.display_name} ({NEVER_SHOWN})")

    @put("/suppliers/{supplier_name:str}", opt=access(ADMIN))
    async def update_config(
        self,
        supplier_name: FromPath[str],
        data: JSONBody[ConfigChange],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[admin.SupplierConfig]:
        """Enable/disable the supplier or change its request budget (stored: it outlives a restart)."""
        found = await admin.change(
            services.suppliers,
            supplier_name,
            principal,
            enabled=data.enabled,
            requests_per_minute=data.rate_limit_per_minute,
        )
        return ok(found, f"Updated supplier configuration: {found.display_name}")

    @delete("/suppliers/{supplier_name:str}", opt=access(ADMIN), status_code=200)
    async def delete_config(self, supplier_name: FromPath[str], services: NamedDependency[Services]) -> Envelope[None]:
        client = services.suppliers.get(supplier_name)
        raise InvalidInput(
            f"{client.display_name} is built in and cannot be deleted; disable it "
            "(PUT with enabled false) or delete its credentials",
            "supplier_name",
        )

    @get("/suppliers/{supplier_name:str}/credential-fields", opt=access(READ))
    async def credential_fields(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[list[admin.FieldDefinition]]:
        return ok(admin.credential_fields(services.suppliers, supplier_name), "Credential fields (values write-only)")

    @get("/suppliers/{supplier_name:str}/config-fields", opt=access(READ))
    async def config_fields(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[list[admin.FieldDefinition]]:
        return ok(admin.config_fields(services.suppliers, supplier_name), "Settings an admin may change")

    @get("/suppliers/{supplier_name:str}/config-options", opt=access(READ))
    async def config_options(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[list[admin.FieldDefinition]]:
        return ok(admin.config_fields(services.suppliers, supplier_name), "Settings an admin may change")

    @post("/credentials", opt=access(ADMIN), status_code=200)
    async def store_credentials(
        self,
        supplier_name: FromQuery[str],
        data: JSONBody[CredentialsBody],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[SupplierStatus]:
        found = await services.suppliers.set_credentials(supplier_name, credentials_of(data), principal)
        return ok(found, found.message)

    @put("/credentials/{supplier_name:str}", opt=access(ADMIN))
    async def update_credentials(
        self,
        supplier_name: FromPath[str],
        data: JSONBody[CredentialsBody],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[SupplierStatus]:
        found = await services.suppliers.set_credentials(supplier_name, credentials_of(data), principal)
        return ok(found, found.message)

    @delete("/credentials/{supplier_name:str}", opt=access(ADMIN), status_code=200)
    async def delete_credentials(
        self, supplier_name: FromPath[str], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[SupplierStatus]:
        found = await services.suppliers.delete_credentials(supplier_name, principal)
        return ok(found, f"Credentials an admin set were removed; {found.message}")

    @get("/export", opt=access(ADMIN))
    async def export(self, services: NamedDependency[Services]) -> Envelope[admin.ConfigExport]:
        """Every supplier's settings as a file to import elsewhere; never a credential."""
        found = admin.export(services.suppliers, iso(services.clock()))
        return ok(found, f"Exported {len(found.suppliers)} supplier configurations ({NEVER_SHOWN})")

    @post("/import", opt=access(ADMIN), status_code=200, request_max_body_size=IMPORT_BODY_LIMIT)
    async def import_configs(
        self,
        data: Annotated[ImportForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[list[str]]:
        """Settings from an export (enabled, requests per minute): all checked first, applied in one transaction."""
        if data.file is None:
            raise InvalidInput("send the exported JSON as the multipart field 'file'", "file")
        changes = admin.parse_import(await read_capped(data.file, admin.CONFIG_FILE_LIMIT))
        await services.suppliers.change_settings(changes, principal)
        names = [services.suppliers.get(c.supplier).name for c in changes]
        return ok(names, f"Imported {len(names)} supplier configurations")

    @post("/initialize-defaults", opt=access(ADMIN), status_code=200)
    async def initialize_defaults(self, services: NamedDependency[Services]) -> Envelope[list[str]]:
        """The built-in suppliers always exist: nothing to create."""
        names = list(services.suppliers.clients)
        return ok(names, f"{len(names)} built-in suppliers; nothing to initialise")


class RateLimitsController(Controller):
    path = "/rate-limits"
    tags = ["rate-limits"]

    @get("/suppliers", opt=access(READ))
    async def all_usage(self, services: NamedDependency[Services]) -> Envelope[list[budgets.SupplierBudget]]:
        found = budgets.every(services.suppliers)
        return ok(found, f"Retrieved usage statistics for {len(found)} suppliers (counted since the daemon started)")

    @get("/suppliers/{supplier_name:str}", opt=access(READ))
    async def usage(
        self, supplier_name: FromPath[str], services: NamedDependency[Services], time_period: FromQuery[str] = "24h"
    ) -> Envelope[budgets.SupplierUsage]:
        found = budgets.usage(services.suppliers, supplier_name, time_period)
        return ok(found, found.budget.message)

    @get("/suppliers/{supplier_name:str}/status", opt=access(READ))
    async def status(
        self, supplier_name: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[budgets.RateStatus]:
        found = budgets.status(services.suppliers, supplier_name)
        return ok(found, f"Rate limit status for {found.supplier_name}")

    @put("/suppliers/{supplier_name:str}", opt=access(ADMIN))
    async def change_rate(
        self,
        supplier_name: FromPath[str],
        data: JSONBody[RateChange],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[budgets.SupplierBudget]:
        """A new budget, applied at once and stored (it outlives a restart; the config file's is the default)."""
        await admin.change(services.suppliers, supplier_name, principal, requests_per_minute=data.requests_per_minute)
        found = budgets.budget(services.suppliers, supplier_name)
        return ok(found, f"{found.display_name}: {found.requests_per_minute:g} requests per minute from now on")

    @get("/summary", opt=access(READ))
    async def summary(self, services: NamedDependency[Services]) -> Envelope[budgets.Summary]:
        found = budgets.summary(services.suppliers)
        return ok(found, "Rate limiting summary retrieved successfully")

    @post("/initialize", opt=access(ADMIN), status_code=200)
    async def initialize(self, services: NamedDependency[Services]) -> Envelope[dict[str, bool]]:
        """Budgets come from the config file (or an admin's change): there is nothing to initialise."""
        return ok({"initialized": True}, "Request budgets are always set (config file or an admin); nothing changed")
