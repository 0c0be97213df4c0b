"""What a supplier client hands out, and the errors a supplier call can end in."""

from __future__ import annotations

from typing import Final

import msgspec

from makermatrix_edge.errors import DeviceUnavailable, DomainError

# Capability names as MakerMatrix clients know them (`enrichment_capabilities`).
GET_PART_DETAILS: Final = "get_part_details"
FETCH_DATASHEET: Final = "fetch_datasheet"
FETCH_IMAGE: Final = "fetch_image"
FETCH_PRICING_STOCK: Final = "fetch_pricing_stock"
FETCH_SPECIFICATIONS: Final = "fetch_specifications"
ALL_CAPABILITIES: Final = (GET_PART_DETAILS, FETCH_DATASHEET, FETCH_IMAGE, FETCH_PRICING_STOCK, FETCH_SPECIFICATIONS)


class SupplierError(DomainError):
    """A supplier call failed; the message says why in words (shown in the task result)."""


class SupplierOffline(SupplierError, DeviceUnavailable):
    """The supplier cannot be reached at all (no network, DNS, refused, timed out)."""


class SupplierAuthError(SupplierError):
    """The supplier refused the credentials (or the app is not subscribed to the API)."""


class SupplierNotConfigured(SupplierError):
    """Credentials the supplier needs are missing."""


class NotItsNumber(SupplierError):
    """A number the supplier cannot take by its form (LCSC knows only its C numbers): bad input, not a failure."""


class PriceBreak(msgspec.Struct, frozen=True):
    quantity: int
    unit_price: float
    currency: str = "USD"


class PartDetails(msgspec.Struct, kw_only=True):
    """One product as a supplier describes it; None where the supplier said nothing."""

    supplier: str
    supplier_part_number: str | None = None
    description: str | None = None
    manufacturer: str | None = None
    manufacturer_part_number: str | None = None
    package: str | None = None
    category: str | None = None
    parameters: dict[str, str] = msgspec.field(default_factory=dict)
    product_url: str | None = None
    datasheet_url: str | None = None
    image_url: str | None = None
    price_breaks: list[PriceBreak] = msgspec.field(default_factory=list)
    stock: int | None = None
    currency: str | None = None


class SupplierStatus(msgspec.Struct, kw_only=True):
    """Whether a supplier can be used now, and what is missing, in words."""

    name: str
    display_name: str
    configured: bool
    enabled: bool
    missing_credentials: list[str]
    configuration_status: str  # "configured" or "not_configured"
    message: str
    capabilities: list[str]
    credentials_source: str  # "none needed", "config file", "set by an admin", "missing"


class SupplierCapabilities(msgspec.Struct, kw_only=True):
    """GET /api/tasks/capabilities/suppliers[/{name}]: one supplier."""

    supplier_name: str
    display_name: str
    capabilities: list[str]
    enrichment_available: bool
    missing_credentials: list[str]
    configuration_status: str
    message: str
    part_number_pattern: str
