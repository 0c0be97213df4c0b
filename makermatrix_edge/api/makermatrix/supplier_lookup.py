"""/api/suppliers/{name}/part/{number}[/pricing|/stock|/datasheet] and /api/suppliers/detect-from-url.

A lookup goes to the supplier at once, inside its request budget, with the credentials stored on the
Pi; credentials sent in the body (MakerMatrix's front end may send them) are not used.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.errors import NotFound
from makermatrix_edge.services import Services
from makermatrix_edge.suppliers.lookup import Detected, PartFound, detect, look_up

LOOKUP = "parts:write"  # as enrichment: it spends the supplier's request budget
Number = FromPath[str]
ASPECTS = ("pricing", "stock", "datasheet")


class UrlIn(msgspec.Struct):
    url: Annotated[str, msgspec.Meta(max_length=2000)]


class SupplierLookupController(Controller):
    path = "/suppliers"
    tags = ["suppliers"]

    @post("/{supplier_name:str}/part/{part_number:str}", opt=access(LOOKUP), status_code=200)
    async def part(
        self,
        supplier_name: FromPath[str],
        part_number: Number,
        services: NamedDependency[Services],
        data: JSONBody[dict[str, Any] | None] = None,
    ) -> Envelope[PartFound]:
        found = await look_up(services.suppliers, supplier_name, part_number)
        return ok(found, f"Retrieved details for {part_number} from {supplier_name}")

    @post("/{supplier_name:str}/part/{part_number:str}/{aspect:str}", opt=access(LOOKUP), status_code=200)
    async def part_aspect(
        self,
        supplier_name: FromPath[str],
        part_number: Number,
        aspect: FromPath[str],
        services: NamedDependency[Services],
        data: JSONBody[dict[str, Any] | None] = None,
    ) -> Envelope[Any]:
        """pricing (price breaks), stock (a number, or null when not told) or datasheet (a link, or null)."""
        if aspect not in ASPECTS:
            raise NotFound(f"No such lookup '{aspect}'; ask for {', '.join(ASPECTS)}")
        found = await look_up(services.suppliers, supplier_name, part_number)
        if aspect == "pricing":
            return ok(found.pricing, f"{len(found.pricing)} price breaks for {part_number}")
        value = found.stock_quantity if aspect == "stock" else found.datasheet_url
        told = "not told" if value is None else str(value)
        return ok(value, f"{aspect.title()} of {part_number} at {supplier_name}: {told}")

    @post("/detect-from-url", opt=access("parts:read"), status_code=200)
    async def detect_from_url(
        self, data: JSONBody[UrlIn], services: NamedDependency[Services]
    ) -> Envelope[Detected | None]:
        found = detect(services.suppliers, data.url)
        return ok(found, f"Detected supplier: {found.display_name}" if found else "No known supplier detected from URL")
