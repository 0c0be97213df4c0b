"""Enrichment benchmark: bulk_enrichment of N parts against fake LCSC, DigiKey and Mouser servers.

    .venv/bin/python scripts/bench/enrichment.py [--parts 200] [--rate 1200] [--probes 200]

Starts the fake supplier servers (tests/supplier_fakes.py, real response shapes) in this process
and `makermatrix-edge serve` (production defaults) on free 127.0.0.1 ports, pointed at them. Then:

1. API latency while idle: GET /api/parts/get_all_parts and /api/parts/search_text, p50/p95.
2. Rate-limited run: N LCSC parts (2 requests each) at --rate requests per minute; wall time
   against the floor the rate sets (2N requests spaced 60/rate s), and API latency during the run.
3. Unlimited runs: N parts (LCSC, DigiKey and Mouser in turn) at an effectively unlimited rate,
   with picture and datasheet downloads and without; wall time per part minus the time the fake
   servers spent answering is our cost per part (HTTP client, parsing, Pillow check, durable
   file writes with fsync, the SQLite commit).

Prints ONE JSON object on stdout (progress on stderr). Targets: overhead < 20 ms per part, API p95
during the run < 2x idle.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from tasks import Daemon, log, percentile  # noqa: E402

from supplier_fakes import Fakes, supplier_fakes  # noqa: E402

PASSWORD = "bench-enrichment-password-1"
TARGET_OVERHEAD_MS = 20.0
NUMBERS = (("LCSC", "C2040", 2), ("DigiKey", "BC857BLT1GOSCT-ND", 1), ("Mouser", "454-W25Q32JWSSIQ", 1))


def env_for(fakes: Fakes, rate: float, key: str) -> dict[str, str]:
    prefix = "MAKERMATRIX_EDGE_SUPPLIERS__"
    values = {
        "LCSC__API_URL": fakes.base,
        "LCSC__WEB_URL": fakes.base,
        "DIGIKEY__API_URL": fakes.base,
        "MOUSER__API_URL": fakes.base,
        "DIGIKEY__CLIENT_ID": "dk-client-id-123",
        "DIGIKEY__CLIENT_SECRET": "dk-client-secret-456",
        "MOUSER__API_KEY": key,
        "LCSC__REQUESTS_PER_MINUTE": str(rate),
        "DIGIKEY__REQUESTS_PER_MINUTE": str(rate),
        "MOUSER__REQUESTS_PER_MINUTE": str(rate),
    }
    return {prefix + k: v for k, v in values.items()}


class Prober:
    """Times API calls in a thread until stopped."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.times: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _one(self, i: int) -> None:
        url = "/api/parts/get_all_parts?page_size=20" if i % 2 else "/api/parts/search_text?query=bench&page_size=20"
        started = time.perf_counter()
        self.http.get(url).raise_for_status()
        self.times.append((time.perf_counter() - started) * 1000)

    def _run(self) -> None:
        i = 0
        while not self._stop.is_set():
            self._one(i)
            i += 1
            time.sleep(0.02)

    def count(self, n: int) -> list[float]:
        for i in range(n):
            self._one(i)
        return self.times

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> list[float]:
        self._stop.set()
        self._thread.join(timeout=30)
        return self.times


def stats(times: list[float]) -> dict[str, Any]:
    ordered = sorted(times)
    return {"n": len(ordered), "p50_ms": percentile(ordered, 0.5), "p95_ms": percentile(ordered, 0.95)}


def run_bulk(http: httpx.Client, ids: list[str], caps: list[str] | None = None) -> tuple[float, dict[str, Any]]:
    body: dict[str, Any] = {"part_ids": ids, "max_retries": 0}
    if caps:
        body["capabilities"] = caps
    started = time.monotonic()
    task = http.post("/api/tasks/quick/bulk_enrichment", json=body)
    task.raise_for_status()
    task_id = task.json()["data"]["id"]
    while True:
        data = http.get(f"/api/tasks/{task_id}").json()["data"]
        if data["status"] in ("completed", "failed", "cancelled"):
            return time.monotonic() - started, data
        time.sleep(0.05)


def add_parts(http: httpx.Client, n: int, tag: str, *, lcsc_only: bool = False) -> tuple[list[str], float]:
    """N parts cycling through the suppliers (or LCSC only); returns their ids and the API requests they take."""
    ids, requests = [], 0
    for i in range(n):
        supplier, number, cost = NUMBERS[0 if lcsc_only else i % len(NUMBERS)]
        made = http.post(
            "/api/parts/add_part", json={"part_name": f"bench {tag} {i}", "supplier": supplier, "part_number": number}
        )
        made.raise_for_status()
        ids.append(made.json()["data"]["id"])
        requests += cost
    return ids, requests


def summary(task: dict[str, Any]) -> dict[str, Any]:
    return {k: task["result_data"][k] for k in ("total", "enriched", "unchanged", "failed")}


def rate_limited(args: argparse.Namespace, http: httpx.Client, rate: float) -> dict[str, Any]:
    # One supplier, so the floor is plain: every request waits for its slot (EasyEDA, then the product page).
    ids, requests = add_parts(http, args.parts, "limited", lcsc_only=True)
    log(f"idle API latency ({args.probes} calls)")
    result: dict[str, Any] = {
        "requests_per_minute_per_supplier": rate,
        "api_idle": stats(Prober(http).count(args.probes)),
    }
    prober = Prober(http)
    prober.start()
    log(f"{args.parts} parts at {rate:g} requests/min per supplier")
    wall, task = run_bulk(http, ids)
    result["api_during_run"] = stats(prober.stop())
    floor = requests * 60.0 / rate
    result.update(rate_floor_seconds=round(floor, 2), wall_seconds=round(wall, 2), task=summary(task))
    result["wall_over_floor"] = round(wall / floor, 3) if floor else None
    return result


def unlimited(args: argparse.Namespace, http: httpx.Client, fakes: Fakes) -> dict[str, Any]:
    """Our cost per part: wall time per part minus the time the fake suppliers spent answering."""
    result: dict[str, Any] = {}
    for label, caps in (
        ("with_files", None),
        ("no_files", ["get_part_details", "fetch_pricing_stock", "fetch_specifications"]),
    ):
        ids, _ = add_parts(http, args.parts, label)
        log(f"{args.parts} parts, no rate limit, {label}")
        busy_before = fakes.busy_seconds
        wall, task = run_bulk(http, ids, caps)
        supplier = fakes.busy_seconds - busy_before
        result[label] = {
            "wall_seconds": round(wall, 2),
            "ms_per_part": round(1000 * wall / args.parts, 2),
            "supplier_ms_per_part": round(1000 * supplier / args.parts, 2),
            "ours_ms_per_part": round(1000 * (wall - supplier) / args.parts, 2),
            "task": summary(task),
        }
    return result


def measure(args: argparse.Namespace, fakes: Fakes, work: Path) -> dict[str, Any]:
    env = {
        "MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD,
        "MAKERMATRIX_EDGE_SCHEDULE__DATABASE_CLEANUP": "false",
        "MAKERMATRIX_EDGE_BACKUP__ENABLED": "false",
        "MAKERMATRIX_EDGE_ACCOUNTS__BCRYPT_COST": "4",
        "MAKERMATRIX_EDGE_TASKS__MAX_PER_USER_PER_HOUR": "1000",
        **env_for(fakes, args.rate, "mouser-key-0badc0de"),
    }
    out: dict[str, Any] = {}
    for phase, rate in (("rate_limited", args.rate), ("unlimited", 600_000.0)):
        env.update({k: str(rate) for k in env if k.endswith("_REQUESTS_PER_MINUTE")})
        daemon = Daemon(work / phase, work / f"{phase}.log", env)
        try:
            daemon.wait_healthy()
            token = httpx.post(daemon.url + "/api/auth/login", json={"username": "admin", "password": PASSWORD}).json()[
                "access_token"
            ]
            with httpx.Client(base_url=daemon.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
                if phase == "rate_limited":
                    out[phase] = rate_limited(args, http, rate)
                else:
                    out[phase] = unlimited(args, http, fakes)
                cpu, rss = daemon.usage()
                out[phase]["daemon"] = {"cpu_seconds": round(cpu, 2), "rss_mb": round(rss, 1)}
        finally:
            daemon.stop()
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=200, help="parts enriched in each run")
    parser.add_argument("--rate", type=float, default=2400, help="requests per minute per supplier (rate-limited run)")
    parser.add_argument("--probes", type=int, default=200, help="API calls timed while idle")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="mme-bench-enrich-"))
    try:
        with supplier_fakes() as fakes:
            result = measure(args, fakes, work)
        limited, free = result["rate_limited"], result["unlimited"]["with_files"]
        idle, busy = limited["api_idle"]["p95_ms"], limited["api_during_run"]["p95_ms"]
        report = {
            "benchmark": "enrichment",
            "machine": {"nproc": os.cpu_count(), "arch": platform.machine(), "python": platform.python_version()},
            "parameters": vars(args),
            **result,
            "targets": {
                "overhead_ms_per_part_under": TARGET_OVERHEAD_MS,
                "api_p95_during_run_under_x_idle": 2.0,
                "overhead_met": free["ours_ms_per_part"] < TARGET_OVERHEAD_MS,
                "api_p95_met": bool(idle and busy is not None and busy < 2 * idle),
            },
        }
        print(json.dumps(report))
        log("done")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
