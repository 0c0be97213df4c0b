"""What the supplier settings routes show and take: info, field schemas, configs, export/import, the test, budgets.

Everything here reads the registry; a change goes through `SupplierRegistry.change_settings` or its
credential methods (stored, logged, one transaction). No answer carries a credential's value: a
credential is reported as set or not, and an export names only settings.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import DomainError, InvalidInput
from makermatrix_edge.suppliers import budgets
from makermatrix_edge.suppliers.models import SupplierError, SupplierStatus
from makermatrix_edge.suppliers.registry import MAX_RATE, MIN_RATE, SettingChange, SupplierRegistry

CONFIG_FILE_LIMIT = 64 * 1024  # an export of every supplier is under 3 KB
EXPORT_VERSION = "1"
ABOUT = {
    "lcsc": ("Parts data from LCSC through the EasyEDA component API; no account needed.", "https://www.lcsc.com"),
    "digikey": ("DigiKey Product Information API v4 (OAuth2 client credentials).", "https://developer.digikey.com"),
    "mouser": ("Mouser Search API (an API key; 30 requests a minute, 1000 a day).", "https://www.mouser.com/api-hub/"),
}


class ConfigTooLarge(DomainError):
    """An imported supplier config file larger than CONFIG_FILE_LIMIT."""


class SupplierInfo(msgspec.Struct, kw_only=True):
    name: str
    display_name: str
    description: str
    website_url: str | None
    api_documentation_url: str | None
    supports_oauth: bool
    rate_limit_info: str
    capabilities: list[str]


class FieldDefinition(msgspec.Struct, kw_only=True):
    name: str
    label: str
    field_type: str  # "password" for a secret, "text", "number", "boolean", "url"
    required: bool
    description: str
    placeholder: str | None = None
    help_text: str | None = None
    default_value: Any = None
    options: list[dict[str, str]] | None = None
    validation: dict[str, Any] | None = None


class SupplierConfig(msgspec.Struct, kw_only=True):
    """One supplier's settings as the config routes show them (credentials only as set or not)."""

    id: str
    supplier_name: str
    display_name: str
    description: str
    website_url: str | None
    base_url: str
    enabled: bool
    configured: bool
    rate_limit_per_minute: float
    rate_limit_source: str  # "config file" or "set by an admin"
    timeout_seconds: float
    max_retries: int
    retry_backoff: float
    capabilities: list[str]
    has_credentials: bool
    credential_fields: dict[str, bool]  # key -> has a value (never the value)
    credentials_source: str
    message: str


class ConfigExport(msgspec.Struct, kw_only=True):
    export_version: str
    exported_at: str
    include_credentials: bool  # always false: secrets never leave the Pi through the API
    suppliers: list[dict[str, Any]]


class ImportedSupplier(msgspec.Struct, forbid_unknown_fields=False, kw_only=True):
    supplier_name: str
    enabled: bool | None = None
    rate_limit_per_minute: float | None = None


class ImportFile(msgspec.Struct, forbid_unknown_fields=False):
    suppliers: list[ImportedSupplier]


class TestResult(msgspec.Struct, kw_only=True):
    supplier_name: str
    success: bool
    message: str  # in words: what works and what does not
    checks: list[str]
    test_duration_seconds: float
    tested_at: str
    rate_limit_info: budgets.RateStatus


def info(reg: SupplierRegistry, name: str) -> SupplierInfo:
    client = reg.get(name)
    description, docs = ABOUT.get(client.name, ("", ""))
    return SupplierInfo(
        name=client.name,
        display_name=client.display_name,
        description=description,
        website_url=docs or None,
        api_documentation_url=docs or None,
        supports_oauth=client.name == "digikey",
        rate_limit_info=f"{reg.requests_per_minute(client.name):g} requests per minute",
        capabilities=list(client.capabilities),
    )


def credential_fields(reg: SupplierRegistry, name: str) -> list[FieldDefinition]:
    client = reg.get(name)
    return [
        FieldDefinition(
            name=key,
            label=key.replace("_", " ").title(),
            field_type="password" if key in client.secret_keys else "text",
            required=True,
            description=f"{client.display_name} {key.replace('_', ' ')}"
            + (" (write-only: never shown again)" if key in client.secret_keys else ""),
            help_text=f"Or set [suppliers.{client.name}] {key} in the config file",
        )
        for key in client.credential_keys
    ]


def config_fields(reg: SupplierRegistry, name: str) -> list[FieldDefinition]:
    client = reg.get(name)
    return [
        FieldDefinition(
            name="enabled",
            label="Enabled",
            field_type="boolean",
            required=False,
            description=f"Enrichment uses {client.display_name} only while enabled",
            default_value=True,
        ),
        FieldDefinition(
            name="rate_limit_per_minute",
            label="Requests per minute",
            field_type="number",
            required=False,
            description=f"Most requests per minute sent to {client.display_name}",
            default_value=reg.default_rate(client.name),
            validation={"min": MIN_RATE, "max": MAX_RATE},
        ),
    ]


class Scraping(msgspec.Struct, kw_only=True):
    supports_scraping: bool
    requires_js: bool
    warning: str | None
    rate_limit_seconds: float | None


def scraping(reg: SupplierRegistry, name: str) -> Scraping:
    """LCSC falls back to its product pages' JSON-LD; DigiKey and Mouser answer through their APIs only."""
    client = reg.get(name)
    pages = client.name == "lcsc"
    return Scraping(
        supports_scraping=pages,
        requires_js=False,
        warning="Product pages may change without notice; the API answer is tried first" if pages else None,
        rate_limit_seconds=round(60.0 / reg.requests_per_minute(client.name), 3) if pages else None,
    )


class FieldState(msgspec.Struct):
    is_set: bool
    required: bool
    label: str


class CredentialStatus(SupplierStatus, kw_only=True):
    """GET /api/suppliers/{name}/credentials/status: our status plus MakerMatrix's fields (never a value).

    Unlike MakerMatrix no connection is made to answer it (connection_status stays null): that is
    POST /api/suppliers/{name}/test, which spends the supplier's budget.
    """

    supplier_name: str
    is_configured: bool
    credential_fields: dict[str, FieldState]
    configured_fields: list[str]
    total_fields: int
    configured_fields_count: int
    connection_status: dict[str, str] | None = None


def credential_status(reg: SupplierRegistry, name: str) -> CredentialStatus:
    st = reg.status(name)
    client = reg.get(name)
    have = [k for k in client.credential_keys if k not in st.missing_credentials]
    fields = {
        k: FieldState(is_set=k in have, required=True, label=k.replace("_", " ").title())
        for k in client.credential_keys
    }
    return CredentialStatus(
        **msgspec.structs.asdict(st),
        supplier_name=st.name,
        is_configured=st.configured,
        credential_fields=fields,
        configured_fields=have,
        total_fields=len(client.credential_keys),
        configured_fields_count=len(have),
    )


def config_of(reg: SupplierRegistry, name: str) -> SupplierConfig:
    st = reg.status(name)
    client = reg.get(name)
    have = client.credentials()
    description, docs = ABOUT.get(client.name, ("", ""))
    return SupplierConfig(
        id=client.name,
        supplier_name=client.name,
        display_name=client.display_name,
        description=description,
        website_url=docs or None,
        base_url=client.base_url,
        enabled=reg.enabled(client.name),
        configured=st.configured,
        rate_limit_per_minute=reg.requests_per_minute(client.name),
        rate_limit_source=reg.rate_source(client.name),
        timeout_seconds=reg.settings.timeout_seconds,
        max_retries=reg.settings.max_retries,
        retry_backoff=reg.settings.retry_backoff_seconds,
        capabilities=st.capabilities,
        has_credentials=bool(client.credential_keys) and st.configured,
        credential_fields={k: bool(have.get(k, "").strip()) for k in client.credential_keys},
        credentials_source=st.credentials_source,
        message=st.message,
    )


def configs(reg: SupplierRegistry, *, enabled_only: bool = False) -> list[SupplierConfig]:
    found = [config_of(reg, name) for name in reg.clients]
    return [c for c in found if c.enabled] if enabled_only else found


def ready(reg: SupplierRegistry) -> list[SupplierStatus]:
    """Suppliers enrichment can use now: configured and enabled (GET /api/suppliers/configured)."""
    return [s for s in reg.statuses() if s.enabled]


def export(reg: SupplierRegistry, now: str) -> ConfigExport:
    rows = [
        {
            "supplier_name": c.supplier_name,
            "display_name": c.display_name,
            "enabled": c.enabled,
            "rate_limit_per_minute": c.rate_limit_per_minute,
        }
        for c in configs(reg)
    ]
    return ConfigExport(export_version=EXPORT_VERSION, exported_at=now, include_credentials=False, suppliers=rows)


def parse_import(content: bytes) -> list[SettingChange]:
    """Read an export back; every supplier is checked before anything changes."""
    if len(content) > CONFIG_FILE_LIMIT:
        raise ConfigTooLarge(f"A supplier config file is at most {CONFIG_FILE_LIMIT // 1024} KB; this one is larger")
    try:
        found = msgspec.json.decode(content, type=ImportFile)
    except msgspec.ValidationError as exc:
        raise InvalidInput(f"not a supplier config export: {exc}", "file") from None
    except msgspec.DecodeError:
        raise InvalidInput("not a JSON file (export one with GET /api/suppliers/config/export)", "file") from None
    if not found.suppliers:
        raise InvalidInput("the file names no suppliers", "file")
    return [SettingChange(s.supplier_name, s.enabled, s.rate_limit_per_minute) for s in found.suppliers]


async def run_test(reg: SupplierRegistry, name: str, now: str) -> TestResult:
    """Look up the supplier's example part with the credentials it has; say in words what works."""
    client = reg.get(name)
    checks: list[str] = []
    st = reg.status(client.name)
    checks.append("credentials: " + ("complete" if st.configured else st.message))
    if client.sign_in:
        checks.append(f"authentication: {client.sign_in}")
    checks.append("enabled" if reg.enabled(client.name) else "disabled by an admin (the test runs anyway)")
    started = time.monotonic()
    success = False
    if st.configured:
        number = client.supplier.example_number
        try:
            found = await asyncio.to_thread(client.details, number, sleep=time.sleep, pricing=False)
        except SupplierError as exc:
            checks.append(f"looking up {number}: {exc}")
        else:
            success = True
            checks.append(
                f"looking up {number}: {client.display_name} answered"
                + (" with the product" if found is not None else ", but knows no such product")
            )
    else:
        checks.append("no request sent: the credentials are incomplete")
    message = f"{client.display_name} works" if success else f"{client.display_name} does not work yet"
    return TestResult(
        supplier_name=client.name,
        success=success,
        message=f"{message}: " + "; ".join(checks),
        checks=checks,
        test_duration_seconds=round(time.monotonic() - started, 3),
        tested_at=now,
        rate_limit_info=budgets.status(reg, client.name),
    )


async def change(
    reg: SupplierRegistry,
    name: str,
    actor: Principal,
    *,
    enabled: bool | None = None,
    requests_per_minute: float | None = None,
) -> SupplierConfig:
    await reg.change_settings([SettingChange(name, enabled, requests_per_minute)], actor)
    return config_of(reg, name)
