"""Mouser Search API v1: part-number search with the key in the query string; "$0.80" and "5,234 In Stock" parsed."""

from __future__ import annotations

from typing import Any

from makermatrix_edge.suppliers import parse
from makermatrix_edge.suppliers.base import SupplierClient
from makermatrix_edge.suppliers.http import Sleep
from makermatrix_edge.suppliers.models import PartDetails, PriceBreak, SupplierAuthError, SupplierError

_AUTH_WORDS = ("api key", "apikey", "unique identifier", "unauthorized", "not authorized")


class MouserClient(SupplierClient):
    credential_keys = ("api_key",)
    secret_keys = ("api_key",)

    def _search(self, path: str, body: dict[str, Any], sleep: Sleep) -> dict[str, Any]:
        key = self.require_credentials()["api_key"].strip()
        reply = self.http.request(
            "POST",
            f"{self.base_url}/api/v1/search/{path}",
            params={"apiKey": key},
            json=body,
            headers={"Accept": "application/json"},
            sleep=sleep,
        )
        data = reply.json()
        errors = parse.dig(data, "Errors") or []
        messages = [parse.text(e.get("Message")) or "" for e in errors if isinstance(e, dict)]
        said = "; ".join(m for m in messages if m)
        if reply.status in (401, 403) or any(w in said.lower() for w in _AUTH_WORDS):
            raise SupplierAuthError(f"Mouser refused the API key ({said or f'HTTP {reply.status}'})")
        if reply.status != 200 or not isinstance(data, dict):
            raise SupplierError(f"Mouser answered HTTP {reply.status}{': ' + said if said else ''}")
        if said:
            raise SupplierError(f"Mouser: {said}")
        return data

    def details(self, number: str, *, sleep: Sleep, pricing: bool = True) -> PartDetails | None:
        n = number.strip()
        if not n:
            raise SupplierError("no part number to look up")
        data = self._search(
            "partnumber", {"SearchByPartRequest": {"mouserPartNumber": n, "partSearchOptions": "None"}}, sleep
        )
        parts = [p for p in parse.dig(data, "SearchResults", "Parts") or [] if isinstance(p, dict)]
        if not parts:
            return None
        wanted = n.upper()
        best = next(
            (
                p
                for p in parts
                if wanted
                in (str(p.get("MouserPartNumber", "")).upper(), str(p.get("ManufacturerPartNumber", "")).upper())
            ),
            parts[0],
        )
        return self._details(best)

    def _details(self, part: dict[str, Any]) -> PartDetails:
        breaks = []
        currency = None
        for b in part.get("PriceBreaks") or []:
            if not isinstance(b, dict):
                continue
            q, price = parse.whole(b.get("Quantity")), parse.number(b.get("Price"))
            if q is not None and price is not None:
                currency = parse.text(b.get("Currency")) or "USD"
                breaks.append(PriceBreak(q, price, currency))
        params: dict[str, str] = {}
        for a in part.get("ProductAttributes") or []:
            if isinstance(a, dict) and (name := parse.text(a.get("AttributeName"))):
                value = parse.text(a.get("AttributeValue"))
                if value:
                    params[name] = f"{params[name]}, {value}" if name in params else value
        stock = parse.whole(part.get("AvailabilityInStock"))
        if stock is None:
            stock = parse.whole(part.get("Availability"))
        return PartDetails(
            supplier=self.name,
            supplier_part_number=parse.text(part.get("MouserPartNumber")),
            description=parse.text(part.get("Description")),
            manufacturer=parse.text(part.get("Manufacturer")),
            manufacturer_part_number=parse.text(part.get("ManufacturerPartNumber")),
            package=params.get("Package / Case") or params.get("Package"),
            category=parse.text(part.get("Category")),
            parameters=params,
            product_url=self.absolute(parse.text(part.get("ProductDetailUrl"))),
            datasheet_url=self.absolute(parse.text(part.get("DataSheetUrl"))),
            image_url=self.absolute(parse.text(part.get("ImagePath"))),
            price_breaks=breaks,
            stock=stock,
            currency=currency,
        )
