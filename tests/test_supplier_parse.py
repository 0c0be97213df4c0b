"""Reading supplier values and telling a part's supplier from its fields."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from makermatrix_edge.suppliers import http, outbound, parse
from makermatrix_edge.suppliers.http import RateLimiter
from makermatrix_edge.suppliers.models import SupplierOffline
from supplier_fakes import recording_server


@pytest.mark.parametrize(
    ("text", "value"),
    [("$0.80", 0.8), ("0,80 €", 0.8), ("1,234.50", 1234.5), ("1.234,50", 1234.5), ("0.0874", 0.0874), (3, 3.0)],
)
def test_prices(text: object, value: float) -> None:
    assert parse.number(text) == value


@pytest.mark.parametrize(
    ("text", "count"), [("5,234 In Stock", 5234), ("5234", 5234), (412345, 412345), ("None", None), (None, None)]
)
def test_stock(text: object, count: int | None) -> None:
    assert parse.whole(text) == count


@pytest.mark.parametrize(
    ("supplier", "number", "found"),
    [
        ("LCSC", None, "lcsc"),
        ("Digi-Key", "whatever", "digikey"),
        ("Mouser Electronics", None, "mouser"),
        (None, "C2040", "lcsc"),
        (None, "c25804", "lcsc"),
        (None, "311-1.00KCRCT-ND", "digikey"),
        (None, "BC857BLT1GOSDKR-DKR", "digikey"),
        (None, "454-W25Q32JWSSIQ", "mouser"),
        (None, "NE555P", None),
        ("Farnell", "NE555P", None),
    ],
)
def test_detect_supplier(supplier: str | None, number: str | None, found: str | None) -> None:
    assert parse.detect_supplier(supplier, number) == found


def test_rate_limiter_spaces_calls_and_credits_only_a_small_burst() -> None:
    limiter = RateLimiter(per_minute=60.0, burst=2.0)  # one a second
    waits = [limiter.reserve() for _ in range(4)]
    assert waits[0] == 0.0
    assert [round(w) for w in waits[1:]] == [1, 2, 3]  # booked ahead, one second apart


def test_a_dns_lookup_that_hangs_is_offline_within_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def stuck(*_: object, **__: object) -> object:
        release.wait(10)  # a resolver behind a router without uplink
        raise OSError("never answered")

    monkeypatch.setattr(outbound.socket, "getaddrinfo", stuck)
    client = http.SupplierHttp(
        "LCSC",
        per_minute=600,
        timeout=0.3,
        max_retries=0,
        backoff=0,
        max_retry_after=0,
        offline_seconds=60,
        policy=outbound.OutboundPolicy(["https://easyeda.invalid"], daemon_port=8080),
    )
    try:
        started = time.monotonic()
        with pytest.raises(SupplierOffline, match=r"^offline: LCSC cannot be reached \(easyeda\.invalid: no answer"):
            client.request("GET", "https://easyeda.invalid/api/products/C2040/components", sleep=lambda s: None)
        with pytest.raises(SupplierOffline):  # remembered: the next part does not wait again
            client.request("GET", "https://easyeda.invalid/x", sleep=lambda s: None)
        assert time.monotonic() - started < 5
    finally:
        release.set()
        client.close()


def test_a_name_is_resolved_once_per_connection_and_the_checked_address_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: a resolver that answers differently each time must not move the connection."""
    with recording_server("127.0.0.1") as checked, recording_server("127.0.0.2", checked.port) as rebound:
        answers = ["127.0.0.1", "127.0.0.2", "127.0.0.2", "127.0.0.2"]
        real = socket.getaddrinfo

        def rebinding(host: str, *args: object, **kwargs: object) -> object:
            if host != "supplier.test":
                return real(host, *args, **kwargs)  # type: ignore[arg-type]
            address = answers.pop(0)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, checked.port))]

        monkeypatch.setattr(outbound.socket, "getaddrinfo", rebinding)
        client = http.SupplierHttp(
            "LCSC",
            per_minute=6000,
            timeout=5,
            max_retries=0,
            backoff=0,
            max_retry_after=0,
            offline_seconds=60,
            policy=outbound.OutboundPolicy([f"http://supplier.test:{checked.port}"], daemon_port=8080),
        )
        try:
            for i in range(3):
                reply = client.request("GET", f"http://supplier.test:{checked.port}/sheet{i}.pdf", sleep=lambda s: None)
                assert reply.status == 200
        finally:
            client.close()
    assert checked.paths == ["/sheet0.pdf", "/sheet1.pdf", "/sheet2.pdf"] and rebound.paths == []
    assert answers == ["127.0.0.2", "127.0.0.2", "127.0.0.2"]  # asked once; httpx never asked again
