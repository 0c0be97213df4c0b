"""Fake LCSC/EasyEDA, DigiKey and Mouser servers on 127.0.0.1 that answer with the real response shapes.

Shapes follow ../shared/reference/suppliers.md: EasyEDA's `result.dataStr.head.c_para` with a
protocol-relative thumb, the LCSC product page's JSON-LD, DigiKey v4 `{Product: ...}` behind OAuth2
client credentials (401 "not subscribed"), Mouser's `{Errors, SearchResults}` with string-typed
numbers and "$0.80" prices. `throttle` answers 429 with Retry-After, `fail` answers 503.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from PIL import Image

DIGIKEY_ID = "dk-client-id-123"
DIGIKEY_SECRET = "dk-client-secret-456"
DIGIKEY_CODE = "dk-auth-code-789"  # the one code the fake token endpoint takes (the OAuth code flow)
MOUSER_KEY = "mouser-key-0badc0de"


def png_bytes(color: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), color).save(out, "PNG")
    return out.getvalue()


PNG = png_bytes()


def pdf_bytes(title: str) -> bytes:
    body = f"1 0 obj << /Type /Catalog >> endobj\n% {title}\n".encode()
    return b"%PDF-1.4\n" + body + b"trailer << /Root 1 0 R >>\n%%EOF\n"


class Fakes:
    """State shared by the handler threads; tests read `requests` and set `throttle`, `fail`, ..."""

    def __init__(self) -> None:
        self.base = ""
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        self.throttle = 0  # answer this many next API requests with 429
        self.retry_after = "1"
        self.fail = 0  # answer this many next API requests with 503
        self.tokens_issued = 0
        self.token_lifetime = 1799
        self.digikey_subscribed = True
        self.slow_seconds = 0.0
        self.datasheet_is_html = False
        self.picture = PNG  # what every /img/ link answers
        self.busy_seconds = 0.0  # time spent answering (the benchmark subtracts it from ours)
        self.redirects: dict[str, str] = {}  # path -> Location of a redirect answered instead
        self.redirect_status = 302
        self.easyeda_links: dict[str, str] = {}  # "link" (datasheet) / "thumb" (picture) as EasyEDA sends them
        self.trickle_seconds = 0.0  # EasyEDA's answer then comes one byte per this many seconds
        self.extra_parameters = 0  # DigiKey's product gets this many more Parameters

    def count(self, prefix: str) -> int:
        with self.lock:
            return sum(1 for _, path, _, _ in self.requests if path.startswith(prefix))

    # -- data with the real shapes -----------------------------------------------------------
    def easyeda(self, number: str) -> dict[str, Any]:
        products = {
            "C2040": ("Raspberry Pi", "RP2040", "LQFN-56(7x7)", "", "ICs"),
            "C25804": ("UNI-ROYAL(Uniroyal Elec)", "0603WAF1002T5E", "0603", "10kΩ", "Resistors"),
        }
        if number not in products:
            return {"success": False, "code": 404, "result": None}
        maker, mpn, package, value, tag = products[number]
        host = self.base.split("://", 1)[1]
        return {
            "success": True,
            "code": 200,
            "result": {
                "uuid": "3749a1b2c3",
                "title": mpn,
                "description": "",
                "thumb": self.easyeda_links.get("thumb", f"//{host}/img/{number}.png"),  # protocol-relative
                "lcsc": {"id": 5807857, "number": number},
                "szlcsc": {"id": 5807857, "number": number},
                "dataStr": {
                    "head": {
                        "c_para": {
                            "pre": "U?" if tag == "ICs" else "R?",
                            "name": mpn,
                            "Manufacturer": maker,
                            "Manufacturer Part": mpn,
                            "package": package,
                            "Value": value,
                            "Supplier": "LCSC",
                            "Supplier Part": number,
                            "link": self.easyeda_links.get("link", f"{self.base}/pdf/{number}.pdf"),
                        }
                    }
                },
                "SMT": True,
                "tags": [tag],
                "packageDetail": {},
            },
        }

    def lcsc_page(self, number: str) -> str | None:
        if number not in ("C2040", "C8734"):
            return None
        product = {
            "@context": "https://schema.org/",
            "@type": "Product",
            "name": f"{number} product",
            "description": "Dual-core Arm Cortex-M0+ microcontroller" if number == "C2040" else "STM32F103C8T6 MCU",
            "mpn": "RP2040" if number == "C2040" else "STM32F103C8T6",
            "sku": number,
            "category": "Microcontrollers (MCU/MPU/SOC)",
            "brand": {"@type": "Brand", "name": "Raspberry Pi" if number == "C2040" else "STMicroelectronics"},
            "offers": {"@type": "Offer", "price": "0.7000", "priceCurrency": "USD", "inventoryLevel": "48,210"},
        }
        image = {"@type": "ImageObject", "contentUrl": f"{self.base}/img/{number}.png", "description": number}
        return (
            "<html><head>"
            f'<script type="application/ld+json">{json.dumps(product)}</script>'
            f'<script type="application/ld+json">{json.dumps(image)}</script>'
            "</head><body><table>"
            f"<tr><td>Package</td><td>{'LQFN-56(7x7)' if number == 'C2040' else 'LQFP-48(7x7)'}</td></tr>"
            f'<tr><td>Datasheet</td><td><a href="{self.base}/pdf/{number}.pdf">PDF</a></td></tr>'
            "</table></body></html>"
        )

    def digikey_product(self, number: str) -> dict[str, Any] | None:
        if number.upper() not in ("BC857BLT1GOSCT-ND", "BC857BLT1G"):
            return None
        return {
            "Description": {
                "ProductDescription": "TRANS PNP 45V 0.1A SOT23",
                "DetailedDescription": "Bipolar (BJT) Transistor PNP 45 V 100 mA 300mW Surface Mount SOT-23-3 (TO-236)",
            },
            "Manufacturer": {"Id": 488, "Name": "onsemi"},
            "ManufacturerProductNumber": "BC857BLT1G",
            "ProductUrl": f"{self.base}/en/products/detail/onsemi/BC857BLT1G/919569",
            "DatasheetUrl": f"{self.base}/pdf/BC857B.pdf",
            "PhotoUrl": f"//{self.base.split('://', 1)[1]}/img/BC857B.png",
            "QuantityAvailable": 412345,
            "ProductVariations": [
                {
                    "DigiKeyProductNumber": "BC857BLT1GOSCT-ND",
                    "PackageType": {"Id": 2, "Name": "Cut Tape (CT)"},
                    "StandardPricing": [
                        {"BreakQuantity": 1, "UnitPrice": 0.12, "TotalPrice": 0.12},
                        {"BreakQuantity": 10, "UnitPrice": 0.081, "TotalPrice": 0.81},
                    ],
                    "QuantityAvailableforPackageType": 412345,
                }
            ],
            "Parameters": [
                {
                    "ParameterId": 16,
                    "ParameterText": "Package / Case",
                    "ValueId": "1",
                    "ValueText": "TO-236-3, SC-59, SOT-23-3",
                },
                {"ParameterId": 1, "ParameterText": "Transistor Type", "ValueText": "PNP"},
                {"ParameterId": 2, "ParameterText": "Current - Collector (Ic) (Max)", "ValueText": "100 mA"},
                {"ParameterId": 3, "ParameterText": "Voltage - Collector Emitter Breakdown (Max)", "ValueText": "45 V"},
                {"ParameterId": 4, "ParameterText": "Power - Max", "ValueText": "300 mW"},
                {"ParameterId": 5, "ParameterText": "Supplier Device Package", "ValueText": "SOT-23-3 (TO-236)"},
                *(
                    {"ParameterId": 1000 + i, "ParameterText": f"Extra parameter {i:04d}", "ValueText": f"value {i}"}
                    for i in range(self.extra_parameters)
                ),
            ],
            "Category": {
                "CategoryId": 19,
                "Name": "Discrete Semiconductor Products",
                "ChildCategories": [{"CategoryId": 276, "Name": "Bipolar Transistors"}],
            },
        }

    def mouser_parts(self, number: str) -> list[dict[str, Any]]:
        if number.upper() not in ("454-W25Q32JWSSIQ", "W25Q32JWSSIQ"):
            return []
        return [
            {
                "Availability": "5,234 In Stock",
                "AvailabilityInStock": "5234",
                "Category": "NOR Flash",
                "DataSheetUrl": f"{self.base}/pdf/W25Q32.pdf",
                "Description": "NOR Flash spiFlash, 1.8V, 32M-bit, 4Kb Uniform Sector",
                "FactoryStock": "0",
                "ImagePath": f"{self.base}/img/W25Q32.png",
                "Manufacturer": "Winbond",
                "ManufacturerPartNumber": "W25Q32JWSSIQ",
                "Min": "1",
                "Mult": "1",
                "MouserPartNumber": "454-W25Q32JWSSIQ",
                "ProductAttributes": [
                    {"AttributeName": "Packaging", "AttributeValue": "Tube"},
                    {"AttributeName": "Package / Case", "AttributeValue": "SOIC-8"},
                ],
                "PriceBreaks": [
                    {"Quantity": 1, "Price": "$0.80", "Currency": "USD"},
                    {"Quantity": 10, "Price": "$0.66", "Currency": "USD"},
                ],
                "ProductDetailUrl": f"{self.base}/ProductDetail/Winbond/W25Q32JWSSIQ",
                "ROHSStatus": "RoHS Compliant",
                "LeadTime": "70 Days",
            }
        ]


def _handler(fakes: Fakes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes | str | dict[str, Any] | None, ctype: str = "application/json",
                  headers: dict[str, str] | None = None) -> None:  # fmt: skip
            data = (
                json.dumps(body).encode()
                if isinstance(body, (dict, list))
                else body.encode()
                if isinstance(body, str)
                else body or b""
            )
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _handle(self, method: str) -> None:
            started = time.perf_counter()
            try:
                self._answer(method)
            finally:
                with fakes.lock:
                    fakes.busy_seconds += time.perf_counter() - started

        def _answer(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with fakes.lock:
                fakes.requests.append((method, url.path, {k.lower(): v for k, v in self.headers.items()}, body))
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            path = unquote(url.path)
            if path in fakes.redirects:
                return self._send(fakes.redirect_status, b"", "text/plain", headers={"Location": fakes.redirects[path]})
            if path.startswith("/img/"):
                return self._send(200, fakes.picture, "image/png")
            if path.startswith("/pdf/"):
                if fakes.datasheet_is_html:
                    return self._send(200, "<html>Please enable JavaScript</html>", "text/html")
                return self._send(200, pdf_bytes(path), "application/pdf")
            if fakes.slow_seconds:
                time.sleep(fakes.slow_seconds)
            with fakes.lock:
                if fakes.throttle > 0:
                    fakes.throttle -= 1
                    return self._send(429, {"message": "Too Many Requests"}, headers={"Retry-After": fakes.retry_after})
                if fakes.fail > 0:
                    fakes.fail -= 1
                    return self._send(503, "<html>Service Unavailable</html>", "text/html")
            if path.startswith("/api/products/") and path.endswith("/components"):
                if "version" not in query:
                    return self._send(400, {"success": False, "message": "version required"})
                if fakes.trickle_seconds:
                    return self._trickle(json.dumps(fakes.easyeda(path.split("/")[3])).encode())
                return self._send(200, fakes.easyeda(path.split("/")[3]))
            if path.startswith("/product-detail/"):
                page = fakes.lcsc_page(path.rsplit("/", 1)[1].removesuffix(".html"))
                return (
                    self._send(200, page, "text/html")
                    if page
                    else self._send(404, "<html>Not found</html>", "text/html")
                )
            if path == "/v1/oauth2/token":
                return self._token(body)
            if path.startswith("/products/v4/"):
                return self._digikey(method, path, body)
            if path.startswith("/api/v1/search/"):
                return self._mouser(path, query, body)
            return self._send(404, {"message": "no such fake route"})

        def _trickle(self, data: bytes) -> None:
            """A whole, valid answer, sent one byte at a time: every read gets something, none ends it."""
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.flush()
            try:
                for i in range(len(data)):
                    self.wfile.write(data[i : i + 1])
                    self.wfile.flush()
                    time.sleep(fakes.trickle_seconds)
            except OSError:
                pass  # the client gave up: that is the point

        def _token(self, body: bytes) -> None:
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            code_flow = form.get("grant_type") == "authorization_code"
            if code_flow and (form.get("code") != DIGIKEY_CODE or not form.get("redirect_uri")):
                return self._send(400, {"error": "invalid_grant", "error_description": "The code is invalid"})
            if (
                form.get("grant_type") not in ("client_credentials", "authorization_code")
                or form.get("client_id") != DIGIKEY_ID
                or form.get("client_secret") != DIGIKEY_SECRET
            ):
                return self._send(
                    401, {"error": "invalid_client", "error_description": "The client credentials are invalid"}
                )
            with fakes.lock:
                fakes.tokens_issued += 1
                n = fakes.tokens_issued
            return self._send(
                200, {"access_token": f"dk-token-{n}", "expires_in": fakes.token_lifetime, "token_type": "Bearer"}
            )

        def _digikey(self, method: str, path: str, body: bytes) -> None:
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer dk-token-") or self.headers.get("X-DIGIKEY-Client-Id") != DIGIKEY_ID:
                return self._send(
                    401,
                    {
                        "ErrorResponseVersion": "3.0.0",
                        "StatusCode": 401,
                        "ErrorMessage": "Bearer token  expired",
                        "ErrorDetails": "",
                    },
                )
            if not fakes.digikey_subscribed:
                return self._send(
                    401,
                    {
                        "ErrorResponseVersion": "3.0.0",
                        "StatusCode": 401,
                        "ErrorMessage": "The client is not subscribed to this API.",
                        "ErrorDetails": "Subscribe the application to Product Information V4",
                    },
                )
            if method == "GET" and path.endswith("/productdetails"):
                number = path.split("/")[4]
                product = fakes.digikey_product(number) if number.upper().endswith("-ND") else None
                if product is None:
                    return self._send(
                        404, {"ErrorResponseVersion": "3.0.0", "StatusCode": 404, "ErrorMessage": "Product not found"}
                    )
                return self._send(
                    200, {"SearchLocaleUsed": {"Site": "US", "Language": "en", "Currency": "USD"}, "Product": product}
                )
            if method == "POST" and path.endswith("/search/keyword"):
                request = json.loads(body or b"{}")
                keywords = request.get("Keywords", "")
                limit = request.get("Limit", request.get("RecordCount", 10))  # v4 names, and v3's as MakerMatrix sends
                product = fakes.digikey_product(keywords)
                found = [product] if product and limit else []
                return self._send(
                    200,
                    {
                        "Products": found,
                        "ProductsCount": len(found),
                        "ExactMatches": [],
                        "FilterOptions": {},
                        "SearchLocaleUsed": {"Site": "US"},
                    },
                )
            return self._send(404, {"StatusCode": 404, "ErrorMessage": "Not found"})

        def _mouser(self, path: str, query: dict[str, str], body: bytes) -> None:
            if query.get("apiKey") != MOUSER_KEY:
                error = {
                    "Id": 0,
                    "Code": "Invalid",
                    "Message": "Invalid unique identifier.",
                    "ResourceKey": "InvalidIdentifier",
                    "ResourceFormatString": None,
                    "ResourceFormatString2": None,
                    "PropertyName": "API Key",
                }
                return self._send(200, {"Errors": [error], "SearchResults": None})
            request = json.loads(body or b"{}")
            number = (
                request.get("SearchByPartRequest", {}).get("mouserPartNumber", "")
                if path.endswith("partnumber")
                else request.get("SearchByKeywordRequest", {}).get("keyword", "")
            )
            parts = fakes.mouser_parts(number)
            return self._send(200, {"Errors": [], "SearchResults": {"NumberOfResult": len(parts), "Parts": parts}})

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

    return Handler


@contextmanager
def supplier_fakes() -> Iterator[Fakes]:
    fakes = Fakes()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fakes))
    server.daemon_threads = True
    fakes.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fakes
    finally:
        server.shutdown()
        server.server_close()


class Recorder:
    """Another service on 127.0.0.1 (or the daemon's own port): answers 200 to anything and notes what it got."""

    def __init__(self) -> None:
        self.base = ""
        self.port = 0
        self.paths: list[str] = []
        self.headers: list[dict[str, str]] = []


@contextmanager
def recording_server(host: str = "127.0.0.1", port: int = 0) -> Iterator[Recorder]:
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            recorder.paths.append(self.path)
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            recorder.paths.append(self.path)
            recorder.headers.append({k.lower(): v for k, v in self.headers.items()})
            data = PNG if self.path.endswith(".png") else pdf_bytes("internal secrets")
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    recorder.port = server.server_address[1]
    recorder.base = f"http://{host}:{recorder.port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()


def supplier_settings(fakes: Fakes, **extra: Any) -> dict[str, Any]:
    """[suppliers] pointed at the fakes, with fast rates and no backoff unless a test asks."""
    return {
        "lcsc_api_url": fakes.base,
        "lcsc_web_url": fakes.base,
        "digikey_api_url": fakes.base,
        "mouser_api_url": fakes.base,
        "digikey_client_id": DIGIKEY_ID,
        "digikey_client_secret": DIGIKEY_SECRET,
        "mouser_api_key": MOUSER_KEY,
        "lcsc_requests_per_minute": 60000.0,
        "digikey_requests_per_minute": 60000.0,
        "mouser_requests_per_minute": 60000.0,
        "retry_backoff_seconds": 0.0,
        "timeout_seconds": 5.0,
        **extra,
    }
