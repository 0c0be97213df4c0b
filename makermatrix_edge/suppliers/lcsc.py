"""LCSC: the EasyEDA component endpoint, and the LCSC product page's JSON-LD as fallback (and for prices)."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from makermatrix_edge.settings import LcscSettings
from makermatrix_edge.suppliers import parse
from makermatrix_edge.suppliers.base import Credentials, SupplierClient
from makermatrix_edge.suppliers.catalogue import LCSC_NUMBER, Supplier
from makermatrix_edge.suppliers.http import Sleep, SupplierHttp
from makermatrix_edge.suppliers.models import NotItsNumber, PartDetails, PriceBreak, SupplierError, SupplierOffline

_LD_JSON = re.compile(r'<script[^>]*type="application/ld\+json"[^>]*>(.*?)</script>', re.DOTALL | re.IGNORECASE)
_ROW = re.compile(r"<tr[^>]*>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>", re.DOTALL | re.IGNORECASE)
_HREF = re.compile(r'href="([^"]+)"', re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
# c_para keys that describe the EasyEDA symbol, not the product.
_INTERNAL = {"pre", "name", "link", "nameAlias", "Contributor", "Supplier", "Supplier Part", "spicePre", "timeStamp"}
_CATEGORY_OF_PREFIX = {"C?": "Capacitors", "R?": "Resistors", "L?": "Inductors", "D?": "Diodes", "U?": "ICs"}


def _plain(fragment: str) -> str | None:
    return parse.text(html.unescape(_TAG.sub(" ", fragment)))


class LcscClient(SupplierClient):
    def __init__(self, supplier: Supplier, http: SupplierHttp, credentials: Credentials, section: LcscSettings) -> None:
        super().__init__(supplier, http, credentials, section)
        self.web_url = section.web_url.rstrip("/")
        self.version = section.api_version

    def details(self, number: str, *, sleep: Sleep, pricing: bool = True) -> PartDetails | None:
        n = number.strip().upper()
        if not LCSC_NUMBER.match(n):
            raise NotItsNumber(f"LCSC knows only its own numbers ({self.number_hint}), not '{number}'")
        found: PartDetails | None = None
        try:
            found = self._easyeda(n, sleep)
        except SupplierOffline:
            raise
        except SupplierError:
            found = None  # the product page may still know it
        if found is not None and not pricing and found.description:
            return found
        try:
            page = self._page(n, sleep)
        except SupplierError:
            if found is None:
                raise
            page = None
        merged = _merge(found, page) if found is not None else page
        if merged is not None and merged.description is None:
            merged.description = merged.manufacturer_part_number  # EasyEDA's title, better than nothing
        return merged

    def _easyeda(self, n: str, sleep: Sleep) -> PartDetails | None:
        reply = self.http.request(
            "GET",
            f"{self.base_url}/api/products/{n}/components",
            params={"version": self.version},
            headers={"Accept": "application/json, text/javascript, */*; q=0.01"},
            sleep=sleep,
        )
        if reply.status == 404:
            return None
        if reply.status != 200:
            raise SupplierError(f"EasyEDA answered HTTP {reply.status} for {n}")
        result = parse.dig(reply.json(), "result")
        if not isinstance(result, dict):
            return None
        para = parse.dig(result, "dataStr", "head", "c_para") or {}
        if not isinstance(para, dict):
            para = {}
        datasheet = (
            parse.text(para.get("link"))
            or parse.text(parse.dig(result, "szlcsc", "attributes", "Datasheet"))
            or parse.text(parse.dig(result, "packageDetail", "dataStr", "head", "c_para", "link"))
        )
        tags = result.get("tags")
        category = parse.text(tags[0]) if isinstance(tags, list) and tags else None
        params = {
            str(k): v for k, raw in para.items() if k not in _INTERNAL and (v := parse.text(raw)) and len(v) <= 200
        }
        params.pop("Manufacturer", None)
        params.pop("Manufacturer Part", None)
        params.pop("package", None)
        return PartDetails(
            supplier=self.name,
            supplier_part_number=parse.text(parse.dig(result, "lcsc", "number")) or n,
            description=parse.text(result.get("description")),  # often empty: the product page's then
            manufacturer=parse.text(para.get("Manufacturer")),
            manufacturer_part_number=parse.text(para.get("Manufacturer Part")) or parse.text(result.get("title")),
            package=parse.text(para.get("package")),
            category=category or _CATEGORY_OF_PREFIX.get(str(para.get("pre") or "")),
            parameters=params,
            product_url=f"{self.web_url}/product-detail/{n}.html",
            datasheet_url=self.absolute(datasheet),
            image_url=self.absolute(parse.text(result.get("thumb"))),
        )

    def _page(self, n: str, sleep: Sleep) -> PartDetails | None:
        url = f"{self.web_url}/product-detail/{n}.html"
        reply = self.http.request("GET", url, headers={"Accept": "text/html"}, sleep=sleep)
        if reply.status == 404:
            return None
        if reply.status != 200:
            raise SupplierError(f"LCSC product page answered HTTP {reply.status} for {n}")
        page = reply.text
        product: dict[str, Any] = {}
        image: str | None = None
        for block in _LD_JSON.findall(page):
            for item in _ld_items(block):
                kind = item.get("@type")
                if kind == "Product" and not product:
                    product = item
                elif kind == "ImageObject" and image is None:
                    image = parse.text(item.get("contentUrl")) or parse.text(item.get("thumbnail"))
        rows = {label: value for label, value in ((_plain(a), b) for a, b in _ROW.findall(page)) if label}
        if not product and not rows:
            return None
        brand = product.get("brand")
        offers = product.get("offers")
        offer = offers[0] if isinstance(offers, list) and offers else offers if isinstance(offers, dict) else {}
        level = offer.get("inventoryLevel")
        stock = parse.whole(level.get("value") if isinstance(level, dict) else level)
        price = parse.number(offer.get("price"))
        currency = parse.text(offer.get("priceCurrency")) or "USD"
        datasheet_cell = rows.get("Datasheet", "")
        link = _HREF.search(datasheet_cell)
        product_image = product.get("image")
        if isinstance(product_image, list):
            product_image = product_image[0] if product_image else None
        return PartDetails(
            supplier=self.name,
            supplier_part_number=parse.text(product.get("sku")) or n,
            description=parse.text(product.get("description")) or _plain(rows.get("Description", "")),
            manufacturer=parse.text(brand.get("name") if isinstance(brand, dict) else brand)
            or _plain(rows.get("Manufacturer", "")),
            manufacturer_part_number=parse.text(product.get("mpn")) or _plain(rows.get("Mfr. Part #", "")),
            package=_plain(rows.get("Package", "")),
            category=parse.text(product.get("category")) or _plain(rows.get("Category", "")),
            product_url=url,
            datasheet_url=self.absolute(html.unescape(link.group(1)) if link else None),
            image_url=self.absolute(image or parse.text(product_image)),
            price_breaks=[PriceBreak(1, price, currency)] if price is not None else [],
            stock=stock,
            currency=currency if price is not None else None,
        )


def _ld_items(block: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(html.unescape(block.strip()))
    except ValueError:
        return []
    items = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
    return [i for i in items if isinstance(i, dict)]


def _merge(first: PartDetails, second: PartDetails | None) -> PartDetails:
    """EasyEDA's fields, with the product page filling what EasyEDA left out (prices and stock)."""
    if second is None:
        return first
    for field in first.__struct_fields__:
        if getattr(first, field) in (None, [], {}) and getattr(second, field) not in (None, [], {}):
            setattr(first, field, getattr(second, field))
    return first
