"""No secret in the log: a real daemon at DEBUG with the access log on, exercised with known secrets."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from conftest import make_settings
from daemon_process import Daemon
from makermatrix_edge.daemon import build_services
from makermatrix_edge.runtime.logging import configure_logging
from makermatrix_edge.runtime.redact import redact

ADMIN_PASSWORD = "Admin-Secret-pw-4711"
WRONG_PASSWORD = "Wrong-Secret-pw-0815"
NEW_PASSWORD = "New-Secret-pw-2342"


@pytest.mark.daemon
def test_a_full_run_logs_no_secret(tmp_path: Path) -> None:
    daemon = Daemon(
        tmp_path / "data",
        env={
            "MAKERMATRIX_EDGE_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "MAKERMATRIX_EDGE_LOGGING__LEVEL": "DEBUG",
            "MAKERMATRIX_EDGE_LOGGING__ACCESS_LOG": "true",
        },
    )
    secrets: dict[str, str] = {"admin password": ADMIN_PASSWORD, "wrong password": WRONG_PASSWORD}
    try:
        daemon.wait_healthy()
        url = daemon.url
        assert httpx.post(url + "/api/auth/login", json={"username": "admin", "password": WRONG_PASSWORD}).status_code
        login = httpx.post(url + "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        secrets["access token"] = token
        refresh = login.cookies.get("refresh_token")
        if refresh:
            secrets["refresh token"] = refresh
        auth = {"Authorization": f"Bearer {token}"}

        created = httpx.post(url + "/api/api-keys/", json={"name": "scanner"}, headers=auth)
        assert created.status_code == 200, created.text
        key = created.json()["data"]["key"]
        secrets["api key"] = key
        assert httpx.get(url + "/api/auth/me", headers={"X-API-Key": key}).status_code == 200
        assert httpx.get(url + f"/api/auth/me?token={token}&api_key={key}", headers=auth).status_code == 200

        # Browsers put the token in the WebSocket URL; the access log must not keep it.
        with connect(f"ws://127.0.0.1:{daemon.port}/ws/events?token={token}", open_timeout=5) as ws:
            ws.close()
        with connect(f"ws://127.0.0.1:{daemon.port}/ws/events?token={key}", open_timeout=5) as ws:
            ws.close()

        me = httpx.get(url + "/api/auth/me", headers=auth).json()["data"]
        changed = httpx.put(
            url + f"/api/users/{me['id']}/password",
            json={"current_password": ADMIN_PASSWORD, "new_password": NEW_PASSWORD},
            headers=auth,
        )
        assert changed.status_code == 200, changed.text
        secrets["new password"] = NEW_PASSWORD
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    secrets["signing key"] = (tmp_path / "data" / "secret.key").read_bytes().hex()
    log = daemon.log()
    assert "GET /api/auth/me" in log or "/api/auth/me" in log  # the access log was on and captured
    for what, secret in secrets.items():
        assert secret not in log, f"the {what} is in the log"


def test_redact_patterns() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZw"
    assert redact(f"GET /ws/events?token={jwt} HTTP/1.1") == "GET /ws/events?token=*** HTTP/1.1"
    assert redact(f"< authorization: Bearer {jwt}") == "< authorization: ***"
    assert redact("key mme_abcdefghijklmnop used") == "key mme_*** used"
    assert redact("login password=hunter22&user=a") == "login password=***&user=a"
    callback = '"GET /api/suppliers/digikey/oauth/callback?code=dk-abc&x=1 HTTP/1.1" 200'
    assert redact(callback) == '"GET /api/suppliers/digikey/oauth/callback?code=***&x=1 HTTP/1.1" 200'
    assert redact("POST /x/oauth/exchange?authorization_code=dk-abc") == "POST /x/oauth/exchange?authorization_code=***"
    assert redact("nothing secret here: 42 parts") == "nothing secret here: 42 parts"


def test_levels_and_key_value_context_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging("INFO", journald=True)
        log = logging.getLogger("makermatrix_edge.test")
        log.info("part taken", extra={"part_id": "p-1", "delta": -3, "reason": "bench use"})
        log.warning("login failed", extra={"username": "admin", "password": "Hunter2-secret"})
        log.debug("not shown at INFO")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == '<6>INFO makermatrix_edge.test: part taken part_id=p-1 delta=-3 reason="bench use"'
    assert lines[1] == "<4>WARNING makermatrix_edge.test: login failed username=admin password=***"
    assert len(lines) == 2


def test_one_filter_redacts_library_lines_for_every_handler(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The daemon's services attach the one redaction filter where httpx and uvicorn log, and take it away on close."""
    for name in ("", "httpx", "uvicorn.access"):
        caplog.set_level(logging.INFO, logger=name)  # configure_logging quiets httpx to WARNING
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZw"
    services = build_services(make_settings(tmp_path / "data"))
    try:
        logging.getLogger("httpx").info("HTTP Request: GET %s", "https://api.mouser.test/search?apiKey=Mouser-Key-123")
        logging.getLogger("uvicorn.access").info('%s - "%s" %d', "127.0.0.1", f"GET /ws/events?token={jwt}", 101)
    finally:
        services.close()
    assert "Mouser-Key-123" not in caplog.text and jwt not in caplog.text
    assert "apiKey=***" in caplog.text and "/ws/events?token=***" in caplog.text
    assert services.log_redaction.filter not in logging.getLogger("httpx").filters
