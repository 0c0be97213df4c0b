"""scripts/bench/versus_makermatrix.py: its arithmetic, and that it refuses to compare servers holding other data."""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "scripts" / "bench" / "versus_makermatrix.py"


@pytest.fixture(scope="module")
def versus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_versus_makermatrix", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_percentile_interpolates_between_ranks(versus: ModuleType) -> None:
    samples = [5.0, 1.0, 4.0, 2.0, 3.0]  # unsorted on purpose
    assert versus.percentile(samples, 0.5) == 3.0
    assert versus.percentile(samples, 0.95) == pytest.approx(4.8)
    assert versus.percentile(samples, 0.0) == 1.0 and versus.percentile(samples, 1.0) == 5.0
    assert versus.percentile([7.0], 0.95) == 7.0
    with pytest.raises(ValueError):
        versus.percentile([], 0.5)


def test_median_of_rounds_per_key_and_none_when_never_measured(versus: ModuleType) -> None:
    rounds = [
        {"p50": 3.0, "p95": 9.0, "server_cpu_ms_per_request": None},
        {"p50": 1.0, "p95": 30.0, "server_cpu_ms_per_request": None},
        {"p50": 2.0, "p95": 10.0, "server_cpu_ms_per_request": None},
    ]
    assert versus.median_of_rounds(rounds) == {"p50": 2.0, "p95": 10.0, "server_cpu_ms_per_request": None}
    assert versus.ratio(60.0, 4.0) == 15.0 and versus.ratio(None, 4.0) is None and versus.ratio(3.0, 0.0) is None


def test_total_check_accepts_only_the_exact_count(versus: ModuleType) -> None:
    assert versus.check_total("makermatrix", 12000, 12000) == 12000
    for reported in (11999, 0, None, True, "HTTP 401", "12000"):
        with pytest.raises(versus.Refused, match="--parts is 12000"):
            versus.check_total("makermatrix", reported, 12000)


def test_hit_count_reads_either_envelope(versus: ModuleType) -> None:
    assert versus.hit_count({"status": "success", "data": {"items": [], "total": 55}}) == 55
    assert versus.hit_count({"status": "success", "data": [], "total_parts": 42}) == 42
    assert versus.hit_count({"status": "error", "data": None}) is None


def test_only_loopback_urls(versus: ModuleType) -> None:
    assert versus.loopback("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    with pytest.raises(versus.Refused, match=r"on 127\.0\.0\.1, not"):
        versus.loopback("http://192.168.1.20:8080")


class _FakeMakerMatrix(BaseHTTPRequestHandler):
    """A MakerMatrix stand-in that holds 7 parts; every path asked is recorded."""

    seen: list[str] = []

    def _answer(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self.seen.append(self.path)
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self._answer({"access_token": "t", "token_type": "bearer"})

    def do_GET(self) -> None:
        self.seen.append(self.path.split("?")[0])
        self._answer({"status": "success", "data": [], "total_parts": 7})

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_makermatrix() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeMakerMatrix)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeMakerMatrix.seen = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_makermatrix_holding_another_count_is_refused_before_our_daemon_starts(
    versus: ModuleType, fake_makermatrix: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[object] = []
    monkeypatch.setattr(versus, "Daemon", lambda *a: started.append(a))
    assert versus.main(["--makermatrix-url", fake_makermatrix, "--parts", "10", "--rounds", "1"]) == 2
    out = capsys.readouterr()
    assert out.out == "" and "makermatrix reports 7 parts, --parts is 10" in out.err
    assert started == [] and _FakeMakerMatrix.seen == ["/api/auth/login", "/api/parts/get_all_parts"]


def test_nothing_listening_is_refused_in_words(versus: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as sock:  # a port held, never listened on: no one else can take it meanwhile
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        assert versus.main(["--makermatrix-url", f"http://127.0.0.1:{port}", "--parts", "10"]) == 2
    assert "start MakerMatrix first" in capsys.readouterr().err
