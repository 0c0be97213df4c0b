"""Supplier settings (/api/suppliers/..., /api/suppliers/config/...) and request budgets (/api/rate-limits/...)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD, FakeClock, add_user, bearer, login, make_settings
from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.app import create_app
from makermatrix_edge.daemon import build_services
from supplier_fakes import DIGIKEY_CODE, DIGIKEY_ID, DIGIKEY_SECRET, MOUSER_KEY, supplier_fakes, supplier_settings

NEW_SECRET = "brand-new-mouser-key-7f3e"

READS = [
    "/api/suppliers/",
    "/api/suppliers/dropdown",
    "/api/suppliers/configured",
    "/api/suppliers/info",
    "/api/suppliers/mouser/info",
    "/api/suppliers/mouser/credentials-schema",
    "/api/suppliers/mouser/config-schema",
    "/api/suppliers/mouser/capabilities",
    "/api/suppliers/mouser/credentials/status",
    "/api/suppliers/mouser/env-defaults",
    "/api/suppliers/lcsc/supports-scraping",
    "/api/suppliers/mouser/enrichment-field-mappings",
    "/api/suppliers/config/suppliers/mouser/config-options",
    "/api/suppliers/config/suppliers",
    "/api/suppliers/config/suppliers?enabled_only=true",
    "/api/suppliers/config/suppliers/mouser",
    "/api/suppliers/config/suppliers/mouser?include_credentials=true",
    "/api/suppliers/config/suppliers/mouser/credential-fields",
    "/api/suppliers/config/suppliers/mouser/config-fields",
    "/api/rate-limits/suppliers",
    "/api/rate-limits/suppliers/mouser",
    "/api/rate-limits/suppliers/mouser/status",
    "/api/rate-limits/summary",
]
ADMIN_ONLY: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/api/suppliers/mouser/credentials", {"api_key": "x"}),
    ("DELETE", "/api/suppliers/mouser/credentials", None),
    ("POST", "/api/suppliers/mouser/test", {}),
    ("PUT", "/api/suppliers/config/suppliers/mouser", {"enabled": False}),
    ("POST", "/api/suppliers/config/credentials?supplier_name=mouser", {"api_key": "x"}),
    ("PUT", "/api/suppliers/config/credentials/mouser", {"api_key": "x"}),
    ("DELETE", "/api/suppliers/config/credentials/mouser", None),
    ("GET", "/api/suppliers/config/export", None),
    ("POST", "/api/suppliers/config/initialize-defaults", None),
    ("PUT", "/api/rate-limits/suppliers/mouser", {"requests_per_minute": 5}),
    ("POST", "/api/rate-limits/initialize", None),
    ("POST", "/api/suppliers/digikey/oauth/authorization-url", {}),
    ("POST", "/api/suppliers/digikey/oauth/exchange", {}),
    ("POST", "/api/suppliers/digikey/file-upload", None),
]
READ_POSTS = [
    "/api/suppliers/mouser/credentials-schema-with-config",
    "/api/suppliers/mouser/config-schema-with-config",
]
LOOKUPS = ["", "/pricing", "/stock", "/datasheet"]


@pytest.fixture
def fake_suppliers(tmp_path: Path, clock: FakeClock) -> Any:
    with supplier_fakes() as fakes:
        settings = make_settings(tmp_path / "data", suppliers=supplier_settings(fakes, mouser_api_key=""))
        services = build_services(settings, clock=clock, admin_password=ADMIN_PASSWORD)
        try:
            with TestClient(create_app(services)) as client:
                yield client, services, fakes
        finally:
            services.close()


def changes_of(services: Any) -> list[dict[str, Any]]:
    rows = services.db.read_sync(lambda db: db.execute("SELECT * FROM supplier_changes ORDER BY id").fetchall())
    return [dict(r) for r in rows]


@pytest.mark.shared_app
def test_every_read_answers_users_who_may_read_parts_and_every_change_is_for_admins_only(
    client: TestClient[Any], admin_token: str
) -> None:
    add_user(client, admin_token, "reader-sup", "viewer")
    user = login(client, "reader-sup", "password-123")
    for url in READS:
        assert client.get(url).status_code == 401, url
        answer = client.get(url, headers=bearer(user))
        assert answer.status_code == 200, (url, answer.text)
        assert answer.json()["status"] == "success"
    for url in READ_POSTS:
        assert client.post(url, json={"credentials": {}}, headers=bearer(user)).status_code == 200, url
    detected = client.post(
        "/api/suppliers/detect-from-url", json={"url": "https://www.digikey.de/x"}, headers=bearer(user)
    )
    assert detected.json()["data"]["supplier_name"] == "digikey"
    for suffix in LOOKUPS:  # a lookup spends the supplier's budget: it needs parts:write, as enrichment does
        assert client.post(f"/api/suppliers/lcsc/part/C2040{suffix}", headers=bearer(user)).status_code == 403
    for method, url, body in ADMIN_ONLY:
        answer = client.request(method, url, json=body, headers=bearer(user))
        assert answer.status_code == 403, (method, url, answer.text)
    assert client.get("/api/suppliers/nosuch/info", headers=bearer(user)).status_code == 404
    assert client.get("/api/rate-limits/suppliers/nosuch", headers=bearer(user)).status_code == 404


def test_secrets_are_write_only_never_in_any_read_export_or_log(
    fake_suppliers: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client, services, _ = fake_suppliers
    token = login(client, "admin", ADMIN_PASSWORD)
    caplog.set_level(logging.DEBUG)
    stored = client.post(
        "/api/suppliers/mouser/credentials", json={"credentials": {"api_key": NEW_SECRET}}, headers=bearer(token)
    )  # MakerMatrix's body shape
    assert stored.status_code == 200, stored.text
    assert stored.json()["data"]["configured"] is True
    for url in [*READS, "/api/suppliers/config/export"]:
        answer = client.get(url, headers=bearer(token))
        assert answer.status_code == 200, url
        for secret in (NEW_SECRET, DIGIKEY_SECRET):
            assert secret not in answer.text, url
    status = client.get("/api/suppliers/digikey/credentials/status", headers=bearer(token)).json()["data"]
    assert status["is_configured"] is True and status["configured_fields"] == ["client_id", "client_secret"]
    assert status["credential_fields"]["client_secret"] == {"is_set": True, "required": True, "label": "Client Secret"}
    config = client.get("/api/suppliers/config/suppliers/digikey", headers=bearer(token)).json()["data"]
    assert config["credential_fields"] == {"client_id": True, "client_secret": True}
    schema = client.get("/api/suppliers/digikey/credentials-schema", headers=bearer(token)).json()["data"]
    assert {f["name"]: f["field_type"] for f in schema} == {"client_id": "text", "client_secret": "password"}
    assert NEW_SECRET not in caplog.text
    env = client.get("/api/suppliers/digikey/env-defaults", headers=bearer(token)).json()
    assert env["data"] == {} and "client_id, client_secret" in env["message"]
    log = changes_of(services)
    assert [(c["supplier"], c["action"], c["detail"], c["username"]) for c in log] == [
        ("mouser", "credentials", "set api_key", "admin")
    ]
    assert NEW_SECRET not in json.dumps(log)


def test_credentials_delete_falls_back_to_the_config_file_and_bad_input_changes_nothing(fake_suppliers: Any) -> None:
    client, services, _ = fake_suppliers
    token = login(client, "admin", ADMIN_PASSWORD)
    url = "/api/suppliers/config/credentials/digikey"
    for body in ({"nope": "x"}, {}, {"client_id": "a\nb"}, {"client_id": "x" * 501}, {"credentials": "x", "a": "b"}):
        answer = client.put(url, json=body, headers=bearer(token))
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["message"]
    assert changes_of(services) == []
    assert (
        client.put(url, json={"client_id": "admin-id"}, headers=bearer(token)).json()["data"]["credentials_source"]
        == "set by an admin"
    )
    gone = client.delete(url, headers=bearer(token))
    assert gone.status_code == 200
    assert gone.json()["data"]["credentials_source"] == "config file"  # DIGIKEY_ID from the config file again
    assert services.suppliers.get("digikey").credentials()["client_id"] == DIGIKEY_ID
    lcsc = client.delete("/api/suppliers/lcsc/credentials", headers=bearer(token))
    assert lcsc.status_code == 422 and "needs no credentials" in lcsc.json()["message"]


def test_disabling_a_supplier_persists_leaves_the_configured_list_and_stops_enrichment(
    fake_suppliers: Any, tmp_path: Path, clock: FakeClock
) -> None:
    client, services, _ = fake_suppliers
    token = login(client, "admin", ADMIN_PASSWORD)
    ready = [s["id"] for s in client.get("/api/suppliers/configured", headers=bearer(token)).json()["data"]]
    assert ready == ["lcsc", "digikey"]  # Mouser has no key
    changed = client.put("/api/suppliers/config/suppliers/digikey", json={"enabled": False}, headers=bearer(token))
    assert changed.status_code == 200 and changed.json()["data"]["enabled"] is False
    ready = [s["id"] for s in client.get("/api/suppliers/configured", headers=bearer(token)).json()["data"]]
    assert ready == ["lcsc"]
    status = client.get("/api/suppliers/digikey/credentials/status", headers=bearer(token)).json()["data"]
    assert status["enabled"] is False and "disabled by an admin" in status["message"]
    part = client.post(
        "/api/parts/add_part", json={"part_name": "R1", "part_number": "311-1.00KCRCT-ND"}, headers=bearer(token)
    ).json()["data"]
    with pytest.raises(Exception, match="disabled by an admin"):
        services.enrichment.enrich_part(part["id"], who=None, supplier="digikey", sleep=lambda _: None)
    for bad in ({"enabled": "maybe"}, {"rate_limit_per_minute": 0}, {"colour": "red"}, {}):
        answer = client.put("/api/suppliers/config/suppliers/digikey", json=bad, headers=bearer(token))
        assert answer.status_code in (400, 422), (bad, answer.text)
    again_off = client.put("/api/suppliers/config/suppliers/digikey", json={"enabled": False}, headers=bearer(token))
    assert again_off.status_code == 200  # a retried change answers the same and logs nothing more
    assert [c["action"] for c in changes_of(services)] == ["enabled"]
    services.close()
    again = build_services(services.settings, clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        assert again.suppliers.enabled("digikey") is False  # an admin's change outlives a restart
    finally:
        again.close()


def test_rate_limits_report_usage_and_an_admins_budget_applies_at_once_and_persists(
    fake_suppliers: Any, clock: FakeClock
) -> None:
    client, services, _ = fake_suppliers
    token = login(client, "admin", ADMIN_PASSWORD)
    before = client.get("/api/rate-limits/suppliers/lcsc", headers=bearer(token)).json()["data"]
    assert before["budget"]["requests_per_minute"] == 60000.0 and before["budget"]["source"] == "config file"
    assert before["usage_statistics"]["total_requests"] == 0
    tested = client.post("/api/suppliers/lcsc/test", json={}, headers=bearer(token))
    assert tested.status_code == 200, tested.text
    assert tested.json()["data"]["rate_limit_info"]["limits"]["per_minute"] == 60000.0
    after = client.get("/api/rate-limits/suppliers/lcsc/status", headers=bearer(token)).json()["data"]
    assert after["current_usage"]["per_minute"] > before["rate_limit_status"]["current_usage"]["per_minute"]
    assert after["allowed"] is True and after["limits"]["per_hour"] == 60000.0 * 60
    hour = client.get("/api/rate-limits/suppliers/lcsc?time_period=1h", headers=bearer(token)).json()["data"]
    stats = hour["usage_statistics"]
    assert stats["total_requests"] >= 1 and stats["successful_requests"] == stats["total_requests"]
    named = client.get("/api/rate-limits/suppliers/lcsc?time_period=Hour", headers=bearer(token)).json()["data"]
    upper = client.get("/api/rate-limits/suppliers/lcsc?time_period=1H", headers=bearer(token)).json()["data"]
    assert upper["usage_statistics"]["time_period"] == stats["time_period"]
    assert named["usage_statistics"]["time_period"] == stats["time_period"]  # MakerMatrix's clients say "hour"
    week = client.get("/api/rate-limits/suppliers/lcsc?time_period=7d", headers=bearer(token))
    assert week.status_code == 422 and "kept for a day" in week.json()["message"]
    changed = client.put("/api/rate-limits/suppliers/lcsc", json={"requests_per_minute": 12}, headers=bearer(token))
    assert changed.status_code == 200, changed.text
    data = changed.json()["data"]
    assert data["requests_per_minute"] == 12 and data["source"] == "set by an admin"
    assert services.suppliers.get("lcsc").http.limiter.per_minute == 12
    for bad in ({"requests_per_minute": 0}, {"requests_per_minute": 100000}, {"requests_per_minute": "x"}, {}):
        answer = client.put("/api/rate-limits/suppliers/lcsc", json=bad, headers=bearer(token))
        assert answer.status_code in (400, 422), (bad, answer.text)
    assert (
        client.put(
            "/api/rate-limits/suppliers/nosuch", json={"requests_per_minute": 5}, headers=bearer(token)
        ).status_code
        == 404
    )
    assert [c["detail"] for c in changes_of(services)] == ["60000 -> 12"]
    summary = client.get("/api/rate-limits/summary", headers=bearer(token)).json()["data"]
    assert [s["supplier_name"] for s in summary["suppliers"]] == ["lcsc", "digikey", "mouser"]
    assert summary["total_suppliers"] == 3 and summary["suppliers_with_usage"] == 1
    assert summary["total_requests_24h"] == stats["total_requests"]
    services.close()
    again = build_services(services.settings, clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        assert again.suppliers.get("lcsc").http.limiter.per_minute == 12
    finally:
        again.close()


def test_the_test_says_in_words_what_works(fake_suppliers: Any) -> None:
    client, _, _ = fake_suppliers
    token = login(client, "admin", ADMIN_PASSWORD)
    mouser = client.post("/api/suppliers/mouser/test", json={}, headers=bearer(token))
    assert mouser.status_code == 200
    body = mouser.json()
    assert body["status"] == "error" and body["data"]["success"] is False
    assert "Mouser Electronics does not work yet" in body["message"] and "api_key" in body["message"]
    assert "no request sent" in body["message"]
    digikey = client.post("/api/suppliers/digikey/test", json={}, headers=bearer(token)).json()
    assert digikey["data"]["success"] is True, digikey
    assert digikey["message"].startswith("DigiKey works") and "looking up 311-1.00KCRCT-ND" in digikey["message"]
    assert "authentication: OAuth2 client credentials" in digikey["message"]
    assert "authentication" not in body["message"]  # Mouser: an API key says it all
    assert DIGIKEY_ID not in json.dumps(digikey) and DIGIKEY_SECRET not in json.dumps(digikey)
    assert client.post("/api/suppliers/nosuch/test", json={}, headers=bearer(token)).status_code == 404


def test_export_then_import_restores_the_settings_in_one_transaction(fake_suppliers: Any) -> None:
    client, services, _ = fake_suppliers
    token = login(client, "admin", ADMIN_PASSWORD)
    client.put("/api/suppliers/config/suppliers/mouser", json={"rate_limit_per_minute": 7}, headers=bearer(token))
    exported = client.get("/api/suppliers/config/export", headers=bearer(token)).json()["data"]
    assert exported["include_credentials"] is False
    assert {s["supplier_name"]: s["rate_limit_per_minute"] for s in exported["suppliers"]}["mouser"] == 7
    assert MOUSER_KEY not in json.dumps(exported)
    client.put("/api/suppliers/config/suppliers/mouser", json={"rate_limit_per_minute": 30}, headers=bearer(token))
    logged = len(changes_of(services))

    def upload(content: bytes) -> Any:
        files = {"file": ("suppliers.json", content, "application/json")}
        return client.post("/api/suppliers/config/import", files=files, headers=bearer(token))

    unknown = {"suppliers": [{"supplier_name": "mouser", "enabled": False}, {"supplier_name": "acme"}]}
    answer = upload(json.dumps(unknown).encode())
    assert answer.status_code == 404 and "acme" in answer.json()["message"]
    half_bad = {
        "suppliers": [
            {"supplier_name": "mouser", "enabled": False},
            {"supplier_name": "lcsc", "rate_limit_per_minute": -1},
        ]
    }
    assert upload(json.dumps(half_bad).encode()).status_code == 422
    assert upload(b"not json").status_code == 422
    assert upload(b'{"suppliers": []}').status_code == 422
    big = upload(b" " * (10 * 1024 * 1024) + b"{}")
    assert big.status_code == 413 and big.json()["message"]
    over = upload(b" " * (65 * 1024) + b"{}")  # within the body limit, over the file's
    assert over.status_code == 413 and "64 KB" in over.json()["message"]
    assert len(changes_of(services)) == logged and services.suppliers.enabled("mouser")  # nothing half-written
    done = upload(json.dumps(exported).encode())
    assert done.status_code == 200, done.text
    assert done.json()["data"] == ["lcsc", "digikey", "mouser"]
    assert services.suppliers.requests_per_minute("mouser") == 7


def test_supplier_info_dropdown_and_schemas_answer_as_makermatrix_does(fake_suppliers: Any) -> None:
    client, _, _ = fake_suppliers
    token = login(client, "admin", ADMIN_PASSWORD)
    info = client.get("/api/suppliers/info", headers=bearer(token)).json()["data"]
    assert set(info) == {"lcsc", "digikey", "mouser"}
    assert info["digikey"]["supports_oauth"] is True and info["lcsc"]["capabilities"]
    dropdown = client.get("/api/suppliers/dropdown", headers=bearer(token)).json()["data"]
    assert {d["id"]: d["requires_config"] for d in dropdown} == {"lcsc": False, "digikey": True, "mouser": True}
    caps = client.get("/api/suppliers/lcsc/capabilities", headers=bearer(token)).json()["data"]
    assert "get_part_details" in caps
    fields = client.get("/api/suppliers/config/suppliers/lcsc/config-fields", headers=bearer(token)).json()["data"]
    assert [f["name"] for f in fields] == ["enabled", "rate_limit_per_minute"]
    created = client.post("/api/suppliers/config/suppliers", json={"supplier_name": "lcsc"}, headers=bearer(token))
    assert created.status_code == 409 and "already exists" in created.json()["message"]
    unknown = client.post("/api/suppliers/config/suppliers", json={"supplier_name": "acme"}, headers=bearer(token))
    assert unknown.status_code == 422 and "'acme' cannot be added: the suppliers are built in" in unknown.text
    names = client.get("/api/suppliers/", headers=bearer(token)).json()
    assert names["data"] == ["lcsc", "digikey", "mouser"] and names["message"] == "Found 3 available suppliers"
    deleted = client.delete("/api/suppliers/config/suppliers/lcsc", headers=bearer(token))
    assert deleted.status_code == 422 and "built in" in deleted.json()["message"]


def test_a_part_looked_up_live_answers_details_prices_stock_and_datasheet(fake_suppliers: Any) -> None:
    client, _, _ = fake_suppliers
    token = login(client, "admin", ADMIN_PASSWORD)
    add_user(client, token, "bench-sup", "user")
    user = login(client, "bench-sup", "password-123")
    found = client.post("/api/suppliers/lcsc/part/C2040", json={"credentials": {}}, headers=bearer(user))
    assert found.status_code == 200, found.text
    assert found.json()["data"]["manufacturer_part_number"] == "RP2040"
    pricing = client.post("/api/suppliers/lcsc/part/C2040/pricing", headers=bearer(user)).json()["data"]
    assert pricing and {"quantity", "price", "currency"} <= set(pricing[0])
    assert client.post("/api/suppliers/lcsc/part/C2040/stock", headers=bearer(user)).status_code == 200
    assert client.post("/api/suppliers/lcsc/part/C2040/datasheet", headers=bearer(user)).status_code == 200
    assert client.post("/api/suppliers/lcsc/part/C2040/colour", headers=bearer(user)).status_code == 404
    mapping = client.get("/api/suppliers/lcsc/enrichment-field-mappings", headers=bearer(user)).json()["data"][0]
    link = "https://www.lcsc.com/product-detail/Resistors_C25804.html"
    found = [m.group(1) for m in (re.search(p, link) for p in mapping["url_patterns"]) if m]
    assert found == ["C25804"]
    not_lcsc = client.post("/api/suppliers/lcsc/part/TEST-001", json={"config": {}}, headers=bearer(user))
    assert not_lcsc.status_code == 422 and "LCSC knows only its own numbers" in not_lcsc.json()["message"]
    missing = client.post("/api/suppliers/lcsc/part/C9999999", headers=bearer(user))
    assert missing.status_code == 404 and "has no product 'C9999999'" in missing.json()["message"]
    nothing = client.post("/api/suppliers/detect-from-url", json={"url": "https://example.com/p"}, headers=bearer(user))
    assert nothing.status_code == 200 and nothing.json()["data"] is None
    client.put("/api/suppliers/config/suppliers/lcsc", json={"enabled": False}, headers=bearer(token))
    off = client.post("/api/suppliers/lcsc/part/C2040", headers=bearer(user))
    assert off.status_code == 400 and "disabled by an admin" in off.json()["message"]


def test_digikeys_browser_sign_in_gives_the_url_shows_the_code_and_checks_it_at_digikey(fake_suppliers: Any) -> None:
    client, services, fakes = fake_suppliers
    token = login(client, "admin", ADMIN_PASSWORD)
    own = "http://testserver.local/api/suppliers/digikey/oauth/callback"
    url = client.post("/api/suppliers/digikey/oauth/authorization-url", headers=bearer(token)).json()["data"]
    assert url == f"{fakes.base}/v1/oauth2/authorize?response_type=code&client_id={DIGIKEY_ID}&redirect_uri={own}"
    theirs = {
        "credentials": {"client_id": "their-id", "client_secret": "their-secret"},
        "config": {"oauth_callback_url": "https://bench.local:8443/api/suppliers/digikey/oauth/callback"},
    }
    url = client.post("/api/suppliers/digikey/oauth/authorization-url", json=theirs, headers=bearer(token))
    assert "client_id=their-id&redirect_uri=https://bench.local:8443/api/" in url.json()["data"]
    bad = {"config": {"oauth_callback_url": "javascript:alert(1)"}}
    answer = client.post("/api/suppliers/digikey/oauth/authorization-url", json=bad, headers=bearer(token))
    assert answer.status_code == 422 and "http(s) URL" in answer.json()["message"]

    # DigiKey sends the browser back with no API token: the page needs no login and echoes nothing raw.
    page = client.get("/api/suppliers/digikey/oauth/callback?code=<script>x</script>")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "&lt;script&gt;x&lt;/script&gt;" in page.text and "<script>" not in page.text
    assert "Copy the authorization code below" in page.text and page.headers["cache-control"] == "no-store"
    refused = client.get("/api/suppliers/digikey/oauth/callback?error=access_denied")
    assert refused.status_code == 400 and "OAuth Authorization Failed" in refused.text
    assert "access_denied" in refused.text and 'href="/suppliers"' in refused.text  # a way on, in words
    nothing = client.get("/api/suppliers/digikey/oauth/callback")
    assert nothing.status_code == 400 and "Missing Authorization Code" in nothing.text
    not_oauth = client.get("/api/suppliers/lcsc/oauth/callback?code=abc")  # only DigiKey signs in this way
    assert not_oauth.status_code == 422 and "does not use OAuth" in not_oauth.json()["message"]

    exchange = "/api/suppliers/digikey/oauth/exchange?authorization_code="
    took = client.post(exchange + DIGIKEY_CODE, headers=bearer(token)).json()
    assert took["status"] == "success" and took["data"]["authenticated"] is True, took
    sent = [parse_qs(body.decode()) for _, path, _, body in fakes.requests if path == "/v1/oauth2/token"][-1]
    assert sent["grant_type"] == ["authorization_code"] and sent["redirect_uri"] == [own]
    wrong = client.post(exchange + "used-code", headers=bearer(token))
    assert wrong.status_code == 200 and wrong.json()["data"]["authenticated"] is False
    assert "refused the code" in wrong.json()["message"]
    their_secret = client.post(exchange + DIGIKEY_CODE, json=theirs, headers=bearer(token)).json()
    assert their_secret["data"]["authenticated"] is False  # the credentials sent are the ones used ...
    assert services.suppliers.get("digikey").credentials()["client_id"] == DIGIKEY_ID  # ... and not stored
    no_code = client.post("/api/suppliers/digikey/oauth/exchange", headers=bearer(token))
    assert no_code.status_code == 400 and "authorization_code" in no_code.json()["message"]
    for answer in (took, wrong.json(), their_secret):
        assert DIGIKEY_SECRET not in json.dumps(answer) and "their-secret" not in json.dumps(answer)

    mouser = client.post("/api/suppliers/mouser/oauth/authorization-url", headers=bearer(token))
    assert mouser.status_code == 422 and "does not use OAuth" in mouser.json()["message"]
    upload = client.post("/api/suppliers/mouser/file-upload", headers=bearer(token))
    assert upload.status_code == 422 and "takes no files" in upload.json()["message"]


def test_clear_suppliers_forgets_what_admins_set_and_parts_supplier_data_once_for_admins_only(
    fake_suppliers: Any,
) -> None:
    """DELETE /api/utility/clear_suppliers (MakerMatrix's): one transaction, stock untouched, logged, idempotent."""
    client, services, _ = fake_suppliers
    h = bearer(login(client, "admin", ADMIN_PASSWORD))
    client.post("/api/suppliers/mouser/credentials", json={"credentials": {"api_key": NEW_SECRET}}, headers=h)
    client.put("/api/suppliers/config/suppliers/digikey", json={"enabled": False}, headers=h)
    client.put("/api/rate-limits/suppliers/lcsc", json={"requests_per_minute": 3}, headers=h)
    with_supplier = client.post(
        "/api/parts/add_part", json={"part_name": "R1", "supplier": "LCSC", "quantity": 5}, headers=h
    )
    plain = client.post("/api/parts/add_part", json={"part_name": "R2", "quantity": 2}, headers=h).json()["data"]
    part = with_supplier.json()["data"]
    services.db.write_sync(  # what an enrichment leaves: the supplier's number and prices for the part
        lambda db: db.execute(
            "INSERT INTO supplier_offers (part_id, supplier, supplier_part_number, fetched_at) VALUES (?, ?, ?, ?)",
            [plain["id"], "lcsc", "C25804", "2026-01-01T00:00:00+00:00"],
        )
    )
    secrets = services.settings.data_dir / "supplier-secrets.json"
    assert NEW_SECRET in secrets.read_text()
    add_user(client, h["Authorization"].removeprefix("Bearer "), "not-admin", "user")
    user = bearer(login(client, "not-admin", "password-123"))
    assert client.delete("/api/utility/clear_suppliers").status_code == 401
    assert client.delete("/api/utility/clear_suppliers", headers=user).status_code == 403
    assert services.suppliers.status("mouser").configured  # refused: nothing changed
    logged = len(changes_of(services))

    cleared = client.delete("/api/utility/clear_suppliers", headers=h)
    assert cleared.status_code == 200, cleared.text
    assert "cleared successfully" in cleared.json()["message"]
    assert cleared.json()["data"] == {
        "supplier_configs": 2,
        "supplier_credentials": 1,
        "supplier_offers": 1,
        "parts_supplier_cleared": 2,
    }
    assert NEW_SECRET not in secrets.read_text()
    assert not services.suppliers.status("mouser").configured  # the config file has no Mouser key
    assert services.suppliers.status("digikey").configured  # its config-file credentials apply again
    assert services.suppliers.enabled("digikey") and services.suppliers.rate_source("lcsc") == "config file"
    after = client.get(f"/api/parts/get_part?part_id={part['id']}", headers=h).json()["data"]
    assert after["supplier"] is None and after["quantity"] == 5  # stock untouched: no movement
    moves = services.db.read_sync(lambda db: db.execute("SELECT count(*) FROM stock_movements").fetchone()[0])
    assert moves == 2  # the two creations only
    assert [c["action"] for c in changes_of(services)[logged:]] == ["cleared"] * 3  # digikey, lcsc, mouser
    activity = client.get("/api/activity/recent", headers=h).json()["data"]["activities"]
    assert sorted(a["entity_name"] for a in activity if a["action"] == "cleared") == ["R1", "R2"]

    again = client.delete("/api/utility/clear_suppliers", headers=h)  # a retry: nothing left, nothing logged
    assert again.status_code == 200 and set(again.json()["data"].values()) == {0}
    assert len(changes_of(services)) == logged + 3
    edits = services.db.read_sync(lambda db: db.execute("SELECT count(*) FROM part_changes").fetchone()[0])
    assert edits == 2


def test_a_clear_during_a_credential_save_never_leaves_a_row_claiming_a_secret_the_file_lacks(
    fake_suppliers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save writes the secrets file, then its row; a clear in between must wait, not empty the file under it."""
    _, services, _ = fake_suppliers
    registry = services.suppliers
    admin = Principal(user_id="u-admin", username="admin", roles=("admin",), permissions=frozenset(), via="token")
    in_file, go_on = threading.Event(), threading.Event()
    write_secret = registry._secrets.set

    def slow_set(*args: Any) -> None:  # the save stops between its two steps until told to go on
        write_secret(*args)
        in_file.set()
        assert go_on.wait(60)

    monkeypatch.setattr(registry._secrets, "set", slow_set)

    async def race() -> None:
        save = asyncio.ensure_future(registry.set_credentials("mouser", {"api_key": NEW_SECRET}, admin))
        assert await asyncio.to_thread(in_file.wait, 60)
        clear = asyncio.ensure_future(registry.clear_all(admin))
        await asyncio.wait({clear}, timeout=2)  # room for the clear to run into the save (it must not)
        go_on.set()
        await asyncio.gather(save, clear)

    asyncio.run(race())
    rows = services.db.read_sync(
        lambda db: db.execute("SELECT count(*) FROM supplier_credentials WHERE supplier = 'mouser'").fetchone()[0]
    )
    in_secrets = NEW_SECRET in (services.settings.data_dir / "supplier-secrets.json").read_text()
    assert (rows, in_secrets) == (0, False)  # the clear came second, whole
    assert not registry.status("mouser").configured
