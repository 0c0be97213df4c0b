"""DigiKey Product Information v4: OAuth2 client credentials (token cached until it expires), product details."""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import quote, urlencode

from makermatrix_edge.suppliers import parse
from makermatrix_edge.suppliers.base import SupplierClient
from makermatrix_edge.suppliers.http import Reply, Sleep
from makermatrix_edge.suppliers.models import PartDetails, PriceBreak, SupplierAuthError, SupplierError

RENEW_EARLY = 60.0  # seconds before expiry a token is renewed, so a call never carries a dying one
_PACKAGE_PARAMS = ("Package / Case", "Supplier Device Package")


class DigiKeyClient(SupplierClient):
    credential_keys = ("client_id", "client_secret")
    secret_keys = ("client_secret",)
    sign_in = "OAuth2 client credentials (client_id and client_secret; no browser sign-in needed)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._token_lock = threading.Lock()
        self._token: tuple[str, float, str] | None = None  # (token, monotonic expiry, the client id it is for)

    def forget_token(self) -> None:
        with self._token_lock:
            self._token = None

    def credentials_changed(self) -> None:
        super().credentials_changed()
        self.forget_token()

    def _bearer(self, sleep: Sleep) -> tuple[str, str]:
        creds = self.require_credentials()
        client_id = creds["client_id"].strip()
        with self._token_lock:
            token = self._token
            if token is not None and token[2] == client_id and time.monotonic() < token[1]:
                return token[0], client_id
            grant = {"grant_type": "client_credentials", "client_secret": creds["client_secret"].strip()}
            reply, body = self._token_request({**grant, "client_id": client_id}, sleep)
            access = parse.text(parse.dig(body, "access_token"))
            if access is None:
                raise SupplierAuthError(
                    f"DigiKey refused the client id and secret (HTTP {reply.status}); "
                    "check them on developer.digikey.com"
                )
            lifetime = parse.number(parse.dig(body, "expires_in")) or 600.0
            self._token = (access, time.monotonic() + max(1.0, lifetime - RENEW_EARLY), client_id)
            return access, client_id

    def _call(self, method: str, path: str, sleep: Sleep, **kwargs: Any) -> Reply:
        for attempt in (1, 2):
            token, client_id = self._bearer(sleep)
            headers = {
                "Authorization": f"Bearer {token}",
                "X-DIGIKEY-Client-Id": client_id,
                "Accept": "application/json",
            }
            reply = self.http.request(method, f"{self.base_url}{path}", headers=headers, sleep=sleep, **kwargs)
            if reply.status not in (401, 403):
                return reply
            if "subscribed" in reply.text.lower():
                raise SupplierAuthError(
                    "DigiKey: this app is not subscribed to the Product Information v4 API; "
                    "add it to the app on developer.digikey.com"
                )
            self.forget_token()  # revoked or expired early: one fresh token, then give up
            if attempt == 2:
                raise SupplierAuthError(f"DigiKey refused the access token (HTTP {reply.status})")
        raise AssertionError("unreachable")

    def authorization_url(self, client_id: str, redirect_uri: str) -> str:
        """DigiKey's browser sign-in (the OAuth code flow): where to send the admin; nothing is sent from here."""
        # ':' and '/' may stand in a query as they are (RFC 3986 3.4); the callback stays readable, as DigiKey shows it
        query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri}, safe=":/")
        return f"{self.base_url}/v1/oauth2/authorize?{query}"

    def exchange_code(self, code: str, redirect_uri: str, creds: dict[str, str], *, sleep: Sleep) -> bool:
        """Whether DigiKey takes this code with these credentials. The tokens are not kept: lookups sign in
        with client credentials, which need no browser and never expire."""
        grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        fields = {**grant, "client_id": creds["client_id"].strip(), "client_secret": creds["client_secret"].strip()}
        _, body = self._token_request(fields, sleep)
        return parse.text(parse.dig(body, "access_token")) is not None

    def _token_request(self, fields: dict[str, str], sleep: Sleep) -> tuple[Reply, Any]:
        """POST to DigiKey's token endpoint; the reply and its JSON body (None unless 200)."""
        reply = self.http.request(
            "POST",
            f"{self.base_url}/v1/oauth2/token",
            data=fields,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            sleep=sleep,
        )
        return reply, reply.json() if reply.status == 200 else None

    def details(self, number: str, *, sleep: Sleep, pricing: bool = True) -> PartDetails | None:
        n = number.strip()
        if not n:
            raise SupplierError("no part number to look up")
        reply = self._call("GET", f"/products/v4/search/{quote(n, safe='')}/productdetails", sleep)
        if reply.status == 200:
            product = parse.dig(reply.json(), "Product")
            if isinstance(product, dict):
                return self._details(product, n)
        elif reply.status not in (400, 404):
            raise SupplierError(f"DigiKey answered HTTP {reply.status} for {n}")
        # Not a DigiKey number it knows: a keyword search finds manufacturer numbers.
        found = self._call("POST", "/products/v4/search/keyword", sleep, json={"Keywords": n, "Limit": 5, "Offset": 0})
        if found.status != 200:
            raise SupplierError(f"DigiKey keyword search answered HTTP {found.status} for {n}")
        products = parse.dig(found.json(), "Products") or []
        exact = parse.dig(found.json(), "ExactMatches") or []
        candidates = [p for p in [*exact, *products] if isinstance(p, dict)]
        if not candidates:
            return None
        wanted = n.upper()
        best = next(
            (p for p in candidates if str(p.get("ManufacturerProductNumber", "")).upper() == wanted), candidates[0]
        )
        return self._details(best, n)

    def _details(self, product: dict[str, Any], asked: str) -> PartDetails:
        variations = [v for v in product.get("ProductVariations") or [] if isinstance(v, dict)]
        variation = next(
            (v for v in variations if str(v.get("DigiKeyProductNumber", "")).upper() == asked.upper()),
            variations[0] if variations else {},
        )
        params = {
            name: value
            for p in product.get("Parameters") or []
            if isinstance(p, dict)
            and (name := parse.text(p.get("ParameterText")))
            and (value := parse.text(p.get("ValueText")))
            and value != "-"
        }
        package = next((params[k] for k in _PACKAGE_PARAMS if k in params), None)
        breaks = [
            PriceBreak(q, price, "USD")
            for b in variation.get("StandardPricing") or []
            if isinstance(b, dict)
            and (q := parse.whole(b.get("BreakQuantity"))) is not None
            and (price := parse.number(b.get("UnitPrice"))) is not None
        ]
        category = parse.dig(product, "Category")
        while isinstance(category, dict) and category.get("ChildCategories"):
            child = category["ChildCategories"][0]
            if not isinstance(child, dict):
                break
            category = child
        return PartDetails(
            supplier=self.name,
            supplier_part_number=parse.text(variation.get("DigiKeyProductNumber")),
            description=parse.text(parse.dig(product, "Description", "DetailedDescription"))
            or parse.text(parse.dig(product, "Description", "ProductDescription")),
            manufacturer=parse.text(parse.dig(product, "Manufacturer", "Name")),
            manufacturer_part_number=parse.text(product.get("ManufacturerProductNumber")),
            package=package,
            category=parse.text(parse.dig(category, "Name")),
            parameters=params,
            product_url=self.absolute(parse.text(product.get("ProductUrl"))),
            datasheet_url=self.absolute(parse.text(product.get("DatasheetUrl"))),
            image_url=self.absolute(parse.text(product.get("PhotoUrl"))),
            price_breaks=breaks,
            stock=parse.whole(product.get("QuantityAvailable")),
            currency="USD" if breaks else None,
        )
