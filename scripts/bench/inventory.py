"""Inventory benchmark: seed N realistic parts, start the real daemon, measure the parts API over HTTP.

    .venv/bin/python scripts/bench/inventory.py [--parts 100000] [--requests 200] [--requests-8 400] ...

Seeds in-process (build_services + PartService.add_many_sync) into a temporary data dir, starts
`makermatrix-edge serve` on a free 127.0.0.1 port, logs in and times each scenario at 1 and at 8
concurrent clients (one httpx.Client per thread). Prints ONE JSON object on stdout; progress goes to
stderr. The daemon is stopped with SIGTERM and the temp dir removed, also on error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from partgen import CATEGORIES, PartGenerator, location_tree

from makermatrix_edge.daemon import DB_FILE, build_services
from makermatrix_edge.inventory.models import CategoryCreate, LocationCreate
from makermatrix_edge.services import Services
from makermatrix_edge.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_SCRIPT = Path(sys.executable).parent / "makermatrix-edge"
PASSWORD = "bench-admin-password-1"
TARGET_SEARCH_P95_MS, TARGET_RSS_MB = 20.0, 150.0
Request = Callable[[httpx.Client, int], tuple[httpx.Response, str]]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace").splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.lower().startswith("model name")), "")
    meminfo = Path("/proc/meminfo").read_text().split()
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model or platform.processor() or platform.machine(),
        "arch": platform.machine(),
        "memory_mb": int(meminfo[meminfo.index("MemTotal:") + 1]) // 1024,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
    }


# -- seeding ------------------------------------------------------------------------------------
async def _locations(services: Services, nodes: list[Any], parent: str | None, out: dict[str, list[str]]) -> None:
    for name, kind, children in nodes:
        made = await services.locations.add(LocationCreate(name=name, parent_id=parent, location_type=kind))
        out.setdefault(kind, []).append(made.id)
        await _locations(services, children, made.id, out)


async def _tree_and_categories(services: Services) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    await _locations(services, location_tree(), None, ids)
    for name in CATEGORIES:
        await services.categories.add(CategoryCreate(name=name))
    return ids


def seed(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    """Fill data_dir with args.parts parts; returns timings and what the scenarios need (ids, queries)."""
    settings = load_settings(args.config, env={}, overrides={"storage": {"data_dir": str(data_dir)}})
    started = time.perf_counter()
    services = build_services(settings, admin_password=PASSWORD)
    try:
        locations = asyncio.run(_tree_and_categories(services))
        generator = PartGenerator(args.parts, seed=args.seed)
        parts_started, done, sample = time.perf_counter(), 0, []
        mpns: dict[str, str] = {}
        for batch in generator.batches(args.batch, locations["bin"]):
            ids = services.parts.add_many_sync(batch, None, source="import")
            done += len(ids)
            sample += ids[:: max(1, len(ids) // 50)]
            for part in batch:  # one exact MPN per family kind, and one LCSC number, for the queries
                kind = "lcsc" if part.supplier == "LCSC" else part.category_names[-1]
                mpns.setdefault(kind, (part.part_number if kind == "lcsc" else part.manufacturer_part_number) or "")
            if done % (args.batch * 5) == 0 or done == len(generator):
                log(f"seeded {done}/{len(generator)} parts ({time.perf_counter() - parts_started:.1f} s)")
        part_seconds = time.perf_counter() - parts_started
    finally:
        services.close()
    exact = [mpns[k] for k in ("MOSFETs", "Resistors", "Microcontrollers", "lcsc") if k in mpns]
    return {
        "report": {
            "parts": done,
            "locations": sum(len(v) for v in locations.values()),
            "bins": len(locations["bin"]),
            "categories": len(CATEGORIES),
            "batch_size": args.batch,
            "parts_seconds": round(part_seconds, 2),
            "parts_per_second": round(done / part_seconds),
            "total_seconds": round(time.perf_counter() - started, 2),
            "db_size_mb": round((data_dir / DB_FILE).stat().st_size / 2**20, 1),
        },
        "part_ids": sample,
        "shelf_ids": locations["shelf"],
        "bin_ids": locations["bin"],
        "queries": [*exact, "7002", "10k", "0603", "mosfet", "capacitor", "LM"],
    }


# -- the daemon ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Daemon:
    def __init__(self, config: Path, data_dir: Path, log_path: Path) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKERMATRIX_EDGE_")}
        env["MAKERMATRIX_EDGE_ADMIN_PASSWORD"] = PASSWORD
        args = [str(CONSOLE_SCRIPT), "serve", "--config", str(config), "--data-dir", str(data_dir)]
        args += ["--host", "127.0.0.1", "--port", self.url.rsplit(":", 1)[1]]
        self.log_path = log_path
        with log_path.open("wb") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)

    def wait_healthy(self, timeout: float = 60.0) -> float:
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.proc.returncode}")
            try:
                if httpx.get(self.url + "/api/health", timeout=2).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"daemon not healthy within {timeout} s")

    def status(self) -> dict[str, float]:
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines())
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return {
            "rss_mb": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
            "peak_rss_mb": round(int(fields["VmHWM"].split()[0]) / 1024, 1),
            "threads": int(fields["Threads"]),
            "cpu_seconds": round((int(stat[11]) + int(stat[12])) / ticks, 2),
        }

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


# -- scenarios ----------------------------------------------------------------------------------
def scenarios(ctx: dict[str, Any], page_size: int) -> dict[str, Request]:
    rng = random.Random(7)
    part_ids, queries = ctx["part_ids"], ctx["queries"]
    filtered = {"search_term": "10k", "min_quantity": 100, "category_names": ["Resistors"], "page_size": page_size}
    subtree = {"location_id": ctx["shelf_ids"][0], "sort_by": "quantity", "sort_order": "desc", "page_size": page_size}

    def search_text(c: httpx.Client, i: int) -> tuple[httpx.Response, str]:
        query = queries[i % len(queries)]
        return c.get("/api/parts/search_text", params={"query": query, "page_size": page_size}), query

    def add_part(c: httpx.Client, i: int) -> tuple[httpx.Response, str]:
        body = {
            "part_name": f"Bench part {uuid.uuid4().hex[:12]}",
            "part_number": f"C{rng.randint(6_000_000, 9_999_999)}",
            "manufacturer": "Bench Inc",
            "manufacturer_part_number": f"BX-{i:06d}",
            "quantity": rng.randint(0, 500),
            "location_id": rng.choice(ctx["bin_ids"]),
            "category_names": ["ICs"],
            "additional_properties": {"package": "SOIC-8"},
        }
        return c.post("/api/parts/add_part", json=body), "add"

    def update_part(c: httpx.Client, i: int) -> tuple[httpx.Response, str]:
        body = {"quantity": rng.randint(0, 5000), "description": f"counted on the bench, round {i}"}
        return c.put(f"/api/parts/update_part/{rng.choice(part_ids)}", json=body), "update"

    def get(path: str, **params: Any) -> Request:
        return lambda c, i: (c.get(path, params=params), path)

    return {
        "search_text": search_text,
        "search_filtered": lambda c, i: (c.post("/api/parts/search", json=filtered), "filtered"),
        "search_location_subtree": lambda c, i: (c.post("/api/parts/search", json=subtree), "subtree"),
        "get_all_parts_page_1": get("/api/parts/get_all_parts", page=1, page_size=page_size),
        "get_all_parts_page_500": get("/api/parts/get_all_parts", page=500, page_size=page_size),
        "get_part": lambda c, i: (c.get("/api/parts/get_part", params={"part_id": part_ids[i % len(part_ids)]}), ""),
        "add_part": add_part,
        "update_part": update_part,
    }


def percentiles(samples: list[float]) -> dict[str, float]:
    if len(samples) < 2:
        value = round(samples[0] * 1000, 2) if samples else 0.0
        return {"p50_ms": value, "p95_ms": value, "p99_ms": value, "max_ms": value}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49] * 1000, 2),
        "p95_ms": round(cuts[94] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
        "max_ms": round(max(samples) * 1000, 2),
    }


def run(url: str, token: str, request: Request, clients: int, total: int, duration: float) -> dict[str, Any]:
    """Send `total` requests from `clients` threads (or stop after `duration` s); latency per request."""
    counter, lock = itertools.count(), threading.Lock()
    latencies: list[tuple[float, str]] = []
    errors: list[str] = []
    deadline = time.perf_counter() + duration

    def worker() -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            while time.perf_counter() < deadline:
                with lock:
                    i = next(counter)
                if i >= total:
                    return
                started = time.perf_counter()
                response, label = request(client, i)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append((elapsed, label))
                    if not response.is_success:
                        errors.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    result: dict[str, Any] = {"clients": clients, "requests": len(latencies), "errors": len(errors)}
    result |= percentiles([t for t, _ in latencies]) | {"rps": round(len(latencies) / wall, 1)}
    if errors:
        result["first_error"] = errors[0]
    labels = sorted({label for _, label in latencies})
    if len(labels) > 1 and clients == 1:  # with more clients a query's time is mostly waiting for the others
        result["by_query"] = {q: percentiles([t for t, lb in latencies if lb == q]) for q in labels}
    return result


def measure(args: argparse.Namespace, ctx: dict[str, Any], daemon: Daemon) -> list[dict[str, Any]]:
    login = httpx.post(daemon.url + "/api/auth/login", json={"username": "admin", "password": PASSWORD}, timeout=30)
    login.raise_for_status()
    token = login.json()["access_token"]
    results = []
    for name, request in scenarios(ctx, args.page_size).items():
        run(daemon.url, token, request, 1, args.warmup, args.duration)  # warm caches, not recorded
        for clients, total in ((1, args.requests), (args.clients, args.requests_concurrent)):
            figures = run(daemon.url, token, request, clients, total, args.duration)
            log(f"{name} x{clients}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, {figures['rps']} req/s")
            results.append({"scenario": name, **figures})
    return results


def targets(results: list[dict[str, Any]], daemon_after: dict[str, float]) -> dict[str, Any]:
    searches = [r for r in results if r["scenario"].startswith("search") and r["clients"] == 1]
    worst = max(searches, key=lambda r: r["p95_ms"])
    return {
        "search_p95_ms_at_1_client": {
            "target": TARGET_SEARCH_P95_MS,
            "worst": worst["p95_ms"],
            "worst_scenario": worst["scenario"],
            "met": worst["p95_ms"] < TARGET_SEARCH_P95_MS,
        },
        "daemon_rss_mb": {
            "target": TARGET_RSS_MB,
            "value": daemon_after["rss_mb"],
            "peak": daemon_after["peak_rss_mb"],
            "met": daemon_after["peak_rss_mb"] < TARGET_RSS_MB,
        },
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", type=int, default=100_000, help="parts to seed (default 100000)")
    parser.add_argument("--batch", type=int, default=5000, help="parts per add_many_sync transaction")
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario at 1 client")
    parser.add_argument("--requests-8", dest="requests_concurrent", type=int, default=400, help="... at --clients")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for the second run")
    parser.add_argument("--duration", type=float, default=60.0, help="stop a scenario run after this many seconds")
    parser.add_argument("--warmup", type=int, default=5, help="unrecorded requests before each scenario")
    parser.add_argument("--page-size", type=int, default=20, help="page size for listings and searches")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the part generator")
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "dev.toml", help="daemon config file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup below on SIGTERM too
    work = Path(tempfile.mkdtemp(prefix="mme-bench-"))
    data_dir = work / "data"
    daemon: Daemon | None = None
    try:
        log(f"seeding {args.parts} parts into {data_dir}")
        ctx = seed(args, data_dir)
        log(f"seeded: {ctx['report']}")
        daemon = Daemon(args.config, data_dir, work / "daemon.log")
        startup = daemon.wait_healthy()
        before = daemon.status()
        results = measure(args, ctx, daemon)
        after = daemon.status()
        after["cpu_seconds_during_run"] = round(after["cpu_seconds"] - before["cpu_seconds"], 2)
        report = {
            "benchmark": "inventory",
            "machine": machine(),
            "parameters": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "seeding": ctx["report"],
            "queries": ctx["queries"],
            "daemon": {"startup_seconds": round(startup, 2), "idle": before, "after_run": after},
            "scenarios": results,
            "targets": targets(results, after),
        }
        daemon.stop()
        report["daemon"]["exit_status"] = daemon.proc.returncode
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    except BaseException:
        if daemon is not None:
            log("daemon log (tail):\n" + daemon.log_tail())
        raise
    finally:
        if daemon is not None:
            daemon.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
