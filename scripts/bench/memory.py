"""Memory benchmark: the daemon's RSS idle, at its peak under parallel photo uploads, and after.

    .venv/bin/python scripts/bench/memory.py [--parallel 20] [--rounds 1]

Starts `makermatrix-edge serve` with the production config (camera disabled, mDNS off, printer
simulated) in a temp data dir on a free 127.0.0.1 port and measures its RSS with psutil (sampled
every 10 ms from another thread) while --parallel clients at once post, for each scenario:

- `scan_black_png_6000x6600`: the 115 KB all-black RGB PNG of issue 13 to POST /api/scan/image
  (and `upload_black_png_6000x6600` to POST /api/utility/upload_image);
- `scan_rgb_png_3400x3400`, `upload_rgb_png_3400x3400`: the largest RGB PNG still decoded (46 MB);
- `scan_grey_png_6000x6600`: a 40 Mpx grey PNG (decoded, then reduced);
- `scan_jpeg_6000x6600`: a 40 Mpx JPEG (decoded at a reduced scale);
- `scan_noisy_jpeg_8mb`: an 8 MB photo-like JPEG (the body itself is big);
- `scan_progressive_jpeg_6000x6600` (as a viewer) and `upload_progressive_jpeg_6000x6600` (one
  request, as a user): issue 22's 465 KB flat 6000x6600 4:4:4 progressive JPEG, which libjpeg
  cannot decode at a reduced scale (it keeps 227 MB of coefficients).
- `xlsx_dimension_bomb_preview`, `xlsx_shared_strings_bomb_preview`: issue 22's spreadsheets, --sheets
  (4) at once to POST /api/import/preview: a 2 KB .xlsx declaring A1:XFD1048576 with a jump to row
  8 000, and a 5 MB one listing 2 000 000 shared strings; `xlsx_bombs_import` posts both kinds
  (half each) to POST /api/import/file.

Prints ONE JSON object on stdout (progress on stderr): idle RSS, and per scenario the answers by
status, the peak and the RSS 1 s after. Targets (issue 13): peak < 300 MB, idle < 150 MB, and
after each scenario back near idle.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))  # the hand-made hostile .xlsx files the tests use

from xlsx_craft import dimension_bomb, shared_strings_bomb  # noqa: E402

CONSOLE_SCRIPT = Path(sys.executable).parent / "makermatrix-edge"
PASSWORD = "bench-memory-password-1"
MB = 1024**2


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def encoded(make: Callable[[], Image.Image], fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    make().save(buffer, fmt, **options)
    return buffer.getvalue()


def noisy_photo() -> Image.Image:
    rng = np.random.default_rng(13)
    return Image.fromarray(rng.integers(0, 255, (2000, 3000, 3), dtype=np.uint8))


def phone_photo_48mpx() -> Image.Image:
    """8000x6000 with grain: about 17 MB as a baseline JPEG, a 48 Mpx phone's photo (issue 24 point 11)."""
    rng = np.random.default_rng(24)
    grain = Image.fromarray(rng.integers(0, 255, (1500, 2000, 3), dtype=np.uint8))
    return grain.resize((8000, 6000), Image.Resampling.BILINEAR)


SCENARIOS: list[tuple[str, str, Callable[[], bytes]]] = [
    ("scan_black_png_6000x6600", "/api/scan/image", lambda: encoded(lambda: Image.new("RGB", (6000, 6600)), "PNG")),
    ("upload_black_png_6000x6600", "/api/utility/upload_image",
     lambda: encoded(lambda: Image.new("RGB", (6000, 6600)), "PNG")),
    ("scan_rgb_png_3400x3400", "/api/scan/image", lambda: encoded(lambda: Image.new("RGB", (3400, 3400)), "PNG")),
    ("upload_rgb_png_3400x3400", "/api/utility/upload_image",
     lambda: encoded(lambda: Image.new("RGB", (3400, 3400)), "PNG")),
    ("scan_grey_png_6000x6600", "/api/scan/image", lambda: encoded(lambda: Image.new("L", (6000, 6600)), "PNG")),
    ("scan_jpeg_6000x6600", "/api/scan/image", lambda: encoded(lambda: Image.new("RGB", (6000, 6600)), "JPEG")),
    ("scan_noisy_jpeg_8mb", "/api/scan/image", lambda: encoded(noisy_photo, "JPEG", quality=97)),
    ("upload_phone_jpeg_48mpx", "/api/utility/upload_image", lambda: encoded(phone_photo_48mpx, "JPEG", quality=85)),
    ("scan_phone_jpeg_48mpx", "/api/scan/image", lambda: encoded(phone_photo_48mpx, "JPEG", quality=85)),
]  # fmt: skip


def progressive_jpeg() -> bytes:
    return encoded(lambda: Image.new("RGB", (6000, 6600), (200, 30, 30)), "JPEG", progressive=True, subsampling=0)


def client_as(http: httpx.Client, role: str) -> httpx.Client:
    """A new account with `role` (made by the admin client `http`), logged in on a client of its own."""
    body = {"username": f"bench-{role}", "password": PASSWORD, "roles": [role]}
    made = http.post("/api/users/register", json=body)
    if made.status_code != 200:
        raise RuntimeError(f"cannot make a {role}: {made.text}")
    client = httpx.Client(base_url=http.base_url, timeout=60)
    login = client.post("/api/auth/login", json={"username": body["username"], "password": PASSWORD})
    client.headers["Authorization"] = "Bearer " + login.json()["access_token"]
    return client


def progressive_scenarios(
    http: httpx.Client, process: psutil.Process, parallel: int, rounds: int, only: list[str] | None
) -> dict[str, dict[str, Any]]:
    """Issue 22 item 3 as reported: parallel scans by a viewer, one upload by a user."""
    runs = [
        ("scan_progressive_jpeg_6000x6600", "viewer", "/api/scan/image", parallel, rounds),
        ("upload_progressive_jpeg_6000x6600", "user", "/api/utility/upload_image", 1, 1),
    ]
    runs = [run for run in runs if not only or run[0] in only]
    if not runs:
        return {}
    body = progressive_jpeg()
    results = {}
    for name, role, url, at_once, times in runs:
        client = client_as(http, role)
        try:
            results[name] = run_scenario(client, process, url, body, at_once, times)
        finally:
            client.close()
        log(f"{name}: {results[name]}")
    return results


class Sampler:
    """The process's RSS every 10 ms in a thread; `peak` since the last reset."""

    def __init__(self, process: psutil.Process) -> None:
        self.process = process
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        return int(self.process.memory_info().rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            self._stop.wait(0.01)

    def __enter__(self) -> Sampler:
        self.peak = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(http: httpx.Client, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daemon exited with {proc.returncode}")
        try:
            if http.get("/api/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError("daemon not healthy in time")


def run_scenario(
    http: httpx.Client, process: psutil.Process, url: str, body: bytes, parallel: int, rounds: int
) -> dict[str, Any]:
    def post(_: int) -> int:
        return http.post(url, files={"file": ("photo", body, "application/octet-stream")}, timeout=300).status_code

    t0 = time.perf_counter()
    with Sampler(process) as sampler, ThreadPoolExecutor(parallel) as pool:
        statuses = Counter(pool.map(post, range(parallel * rounds)))
    seconds = time.perf_counter() - t0
    time.sleep(1.0)  # what the daemon keeps once the burst is over
    return {
        "url": url,
        "body_bytes": len(body),
        "requests": parallel * rounds,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(sampler.peak / MB, 1),
        "after_rss_mb": round(sampler.rss() / MB, 1),
    }


SHEET_SCENARIOS: list[tuple[str, str, Callable[[], list[bytes]]]] = [
    ("xlsx_dimension_bomb_preview", "/api/import/preview", lambda: [dimension_bomb(8_000)]),
    ("xlsx_shared_strings_bomb_preview", "/api/import/preview", lambda: [shared_strings_bomb(2_000_000)]),
    ("xlsx_bombs_import", "/api/import/file", lambda: [dimension_bomb(8_000), shared_strings_bomb(2_000_000)]),
]


def run_sheet_scenario(
    http: httpx.Client, process: psutil.Process, url: str, bodies: list[bytes], parallel: int
) -> dict[str, Any]:
    """`parallel` order files at once (the bodies taken in turn), the daemon's RSS sampled throughout."""

    def post(i: int) -> int:
        files = {"file": ("order.xlsx", bodies[i % len(bodies)], "application/octet-stream")}
        return http.post(url, files=files, timeout=300).status_code

    t0 = time.perf_counter()
    with Sampler(process) as sampler, ThreadPoolExecutor(parallel) as pool:
        statuses = Counter(pool.map(post, range(parallel)))
    seconds = time.perf_counter() - t0
    time.sleep(1.0)
    return {
        "url": url,
        "body_bytes": [len(b) for b in bodies],
        "requests": parallel,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(sampler.peak / MB, 1),
        "after_rss_mb": round(sampler.rss() / MB, 1),
    }


def measure(parallel: int, rounds: int, only: list[str] | None, sheets: int = 4) -> dict[str, Any]:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKERMATRIX_EDGE_")}
        env.update(
            MAKERMATRIX_EDGE_ADMIN_PASSWORD=PASSWORD,
            MAKERMATRIX_EDGE_PRINTER__KIND="fake",
            MAKERMATRIX_EDGE_MDNS__ENABLED="false",
            MAKERMATRIX_EDGE_BACKUP__ENABLED="false",
        )
        args = [str(CONSOLE_SCRIPT), "serve", "--config", str(ROOT / "config" / "makermatrix-edge.toml")]
        args += ["--data-dir", tmp, "--host", "127.0.0.1", "--port", str(port)]
        with (Path(tmp) / "daemon.log").open("wb") as daemon_log:
            proc = subprocess.Popen(args, stdout=daemon_log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
            try:
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
                    wait_healthy(http, proc)
                    login = {"username": "admin", "password": PASSWORD}
                    http.headers["Authorization"] = (
                        "Bearer " + http.post("/api/auth/login", json=login).json()["access_token"]
                    )
                    process = psutil.Process(proc.pid)
                    time.sleep(1.0)
                    idle = process.memory_info().rss
                    log(f"idle RSS {idle / MB:.0f} MB")
                    results = {}
                    for name, url, make in SCENARIOS:
                        if only and name not in only:
                            continue
                        results[name] = run_scenario(http, process, url, make(), parallel, rounds)
                        log(f"{name}: {results[name]}")
                    results.update(progressive_scenarios(http, process, parallel, rounds, only))
                    for name, url, make_sheets in SHEET_SCENARIOS:
                        if only and name not in only:
                            continue
                        results[name] = run_sheet_scenario(http, process, url, make_sheets(), sheets)
                        log(f"{name}: {results[name]}")
            finally:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                try:
                    status = proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    status = proc.wait()
    peak = max((r["peak_rss_mb"] for r in results.values()), default=0.0)
    after = max((r["after_rss_mb"] for r in results.values()), default=0.0)
    return {
        "idle_rss_mb": round(idle / MB, 1),
        "peak_rss_mb": peak,
        "after_rss_mb": after,
        "scenarios": results,
        "daemon_exit_status": status,
        "targets": {"peak_under_300_mb": peak < 300, "idle_under_150_mb": idle / MB < 150},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parallel", type=int, default=20, help="clients posting at once")
    parser.add_argument("--rounds", type=int, default=1, help="requests per client and scenario")
    parser.add_argument("--only", action="append", help="run only this scenario (repeatable)")
    parser.add_argument("--sheets", type=int, default=4, help="order files posted at once (xlsx scenarios)")
    args = parser.parse_args()
    report = {
        "benchmark": "memory",
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "parameters": {"parallel": args.parallel, "rounds": args.rounds, "sheets": args.sheets},
        **measure(args.parallel, args.rounds, args.only, args.sheets),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
