"""One part looked up live at a supplier (MakerMatrix's /api/suppliers/{name}/part/{number}), and a URL's supplier."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

import msgspec

from makermatrix_edge.errors import InvalidInput, NotFound
from makermatrix_edge.suppliers.models import PartDetails, SupplierNotConfigured
from makermatrix_edge.suppliers.registry import SupplierRegistry

# The web shops' own hosts (and their country sites, www.digikey.de, eu.mouser.com): what a pasted link names.
SHOP_HOSTS = {"lcsc": ("lcsc.com", "jlcpcb.com", "easyeda.com"), "digikey": ("digikey.",), "mouser": ("mouser.",)}
MAX_URL = 2000


class FieldMapping(msgspec.Struct, kw_only=True):
    """How to read a part field out of a supplier's product link (the regex's first group)."""

    field_name: str
    display_name: str
    url_patterns: list[str]
    example: str
    description: str
    required_for_enrichment: bool


MAPPINGS: dict[str, list[FieldMapping]] = {
    "lcsc": [
        FieldMapping(
            field_name="supplier_part_number",
            display_name="LCSC Part Number",
            url_patterns=[r"[/_](C\d+)\.html", r"/(C\d+)/?$"],
            example="C2040",
            description="C and digits, from a link like https://www.lcsc.com/product-detail/C2040.html",
            required_for_enrichment=True,
        )
    ],
    "digikey": [
        FieldMapping(
            field_name="manufacturer_part_number",
            display_name="Manufacturer Part Number",
            url_patterns=[r"/products/detail/[^/]+/([^/?#]+)/\d+"],
            example="RP2040",
            description="DigiKey's links carry the maker's number, which DigiKey looks up too",
            required_for_enrichment=False,
        )
    ],
    "mouser": [
        FieldMapping(
            field_name="supplier_part_number",
            display_name="Mouser Part Number",
            url_patterns=[r"/ProductDetail/([^/?#]+)"],
            example="454-W25Q32JWSSIQ",
            description="From a link like https://www.mouser.com/ProductDetail/454-W25Q32JWSSIQ",
            required_for_enrichment=True,
        )
    ],
}


def field_mappings(reg: SupplierRegistry, name: str) -> list[FieldMapping]:
    return MAPPINGS.get(reg.get(name).name, [])


class PartFound(msgspec.Struct, kw_only=True):
    supplier_part_number: str | None
    part_name: str | None
    manufacturer: str | None
    manufacturer_part_number: str | None
    description: str | None
    category: str | None
    datasheet_url: str | None
    image_url: str | None
    stock_quantity: int | None
    pricing: list[dict[str, Any]]
    specifications: dict[str, str]
    additional_data: dict[str, Any]


class Detected(msgspec.Struct, kw_only=True):
    supplier_name: str
    display_name: str
    confidence: float


async def look_up(reg: SupplierRegistry, name: str, number: str) -> PartFound:
    """The supplier's product for this number with its stored credentials; 404 in words when it knows none."""
    client = reg.get(name)
    number = number.strip()
    if not number or len(number) > 100 or any(ord(c) < 32 for c in number):
        raise InvalidInput("a part number is 1 to 100 printable characters", "part_number")
    if not reg.enabled(client.name):
        raise SupplierNotConfigured(f"{client.display_name} is disabled by an admin (Suppliers settings)")
    found: PartDetails | None = await asyncio.to_thread(client.details, number, sleep=time.sleep, pricing=True)
    if found is None:
        raise NotFound(f"{client.display_name} has no product '{number}'")
    return PartFound(
        supplier_part_number=found.supplier_part_number,
        part_name=found.manufacturer_part_number or found.supplier_part_number,
        manufacturer=found.manufacturer,
        manufacturer_part_number=found.manufacturer_part_number,
        description=found.description,
        category=found.category,
        datasheet_url=found.datasheet_url,
        image_url=found.image_url,
        stock_quantity=found.stock,
        pricing=[{"quantity": p.quantity, "price": p.unit_price, "currency": p.currency} for p in found.price_breaks],
        specifications=dict(found.parameters),
        additional_data={"package": found.package, "product_url": found.product_url},
    )


def detect(reg: SupplierRegistry, url: str) -> Detected | None:
    """The supplier whose shop a pasted link is on, None when it is none of ours."""
    url = url.strip()
    if not url or len(url) > MAX_URL:
        raise InvalidInput(f"give the link (at most {MAX_URL} characters) as url", "url")
    host = (urlsplit(url if "://" in url else f"https://{url}").hostname or "").lower()
    for name, hosts in SHOP_HOSTS.items():
        if any(host == h or host.endswith("." + h) or (h.endswith(".") and f".{h}" in f".{host}") for h in hosts):
            client = reg.get(name)
            return Detected(supplier_name=client.name, display_name=client.display_name, confidence=1.0)
    return None
