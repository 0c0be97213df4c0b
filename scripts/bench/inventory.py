"""Inventory benchmark: seed N realistic parts, start the real daemon, measure the parts API over HTTP.

    .venv/bin/python scripts/bench/inventory.py [--parts 100000] [--requests 200] [--requests-8 400] ...

Seeds in-process (build_services + PartService.add_many_sync, then the semiconductors' electrical specs with
components.write_specs in the same write path the daemon uses) into a temporary data dir, starts
`makermatrix-edge serve` on a free 127.0.0.1 port, logs in on /api and /alora and times each scenario at 1
and at 8 concurrent clients (one httpx.Client per thread): the parts API, and the ALORA face's unit-aware
parametric search, component reads, inventory cost and equivalent suggestions. Prints ONE JSON object on
stdout; progress goes to stderr. The daemon is stopped with SIGTERM and the temp dir removed, also on error
or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import sqlite_utils
from partgen import CATEGORIES, PartGenerator, location_tree

from makermatrix_edge.daemon import build_services
from makermatrix_edge.db.datafile import DB_FILE
from makermatrix_edge.inventory.components import write_specs
from makermatrix_edge.inventory.models import CategoryCreate, LocationCreate
from makermatrix_edge.services import Services
from makermatrix_edge.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_SCRIPT = Path(sys.executable).parent / "makermatrix-edge"
PASSWORD = "bench-admin-password-1"
TARGET_SEARCH_P95_MS, TARGET_PARAMETRIC_P95_MS, TARGET_RSS_MB = 20.0, 20.0, 150.0
Request = Callable[[httpx.Client, int], tuple[httpx.Response, str]]
SUGGEST_POLARITIES = ("NPN", "PNP", "N-MOSFET", "P-MOSFET")  # suggest for up to 2 parts of each


@dataclass(frozen=True)
class Scenario:
    request: Request
    alora: bool = False  # authenticate with the token from POST /alora/login
    counts: tuple[int, int] | None = None  # requests at 1 client and at --clients, instead of --requests/-8


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


def _write_specs(db: sqlite_utils.Database, rows: list[tuple[str, dict[str, str]]]) -> None:
    for part_id, specs in rows:
        write_specs(db, part_id, specs)


def _alora_ids(db: sqlite_utils.Database, sample: list[str]) -> dict[str, Any]:
    """Integer ids (parts.seq) for the ALORA face: categories by name, parts with and without specs."""
    categories = {name: seq for seq, name in db.execute("SELECT seq, name FROM categories")}
    specced = [r[0] for r in db.execute("SELECT p.seq FROM component_specs s JOIN parts p ON p.id = s.part_id")]
    some = sample[:: max(1, len(sample) // 50)]
    plain = [r[0] for r in db.execute(f"SELECT seq FROM parts WHERE id IN ({', '.join('?' * len(some))})", some)]
    return {"category_seqs": categories, "component_ids": sorted(specced)[:: max(1, len(specced) // 50)] + plain}


def seed(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    """Fill data_dir with args.parts parts; returns timings and what the scenarios need (ids, queries)."""
    settings = load_settings(args.config, env={}, overrides={"storage": {"data_dir": str(data_dir)}})
    started = time.perf_counter()
    services = build_services(settings, admin_password=PASSWORD)
    try:
        locations = asyncio.run(_tree_and_categories(services))
        generator = PartGenerator(args.parts, seed=args.seed)
        parts_started, done, sample = time.perf_counter(), 0, []
        specced, spec_seconds = 0, 0.0
        mpns: dict[str, str] = {}
        suggest: dict[str, list[tuple[str, str]]] = {}
        for batch in generator.batches(args.batch, locations["bin"]):
            ids = services.parts.add_many_sync([part for part, _ in batch], None, source="import")
            rows = [(part_id, specs) for part_id, (_, specs) in zip(ids, batch, strict=True) if specs]
            if rows:  # the semiconductors' specs, in one more transaction, as the daemon writes them
                specs_started = time.perf_counter()
                services.db.write_sync(functools.partial(_write_specs, rows=rows))
                spec_seconds += time.perf_counter() - specs_started
                specced += len(rows)
            done += len(ids)
            sample += ids[:: max(1, len(ids) // 50)]
            for part_id, (part, specs) in zip(ids, batch, strict=True):
                kind = "lcsc" if part.supplier == "LCSC" else part.category_names[-1]
                # one exact MPN per family kind, and one LCSC number, for the queries
                mpns.setdefault(kind, (part.part_number if kind == "lcsc" else part.manufacturer_part_number) or "")
                polarity = specs.get("polarity", "")
                if polarity in SUGGEST_POLARITIES and len(suggest.setdefault(polarity, [])) < 2:
                    suggest[polarity].append((part_id, f"{polarity} {part.manufacturer_part_number}"))
            if done % (args.batch * 5) == 0 or done == len(generator):
                log(f"seeded {done}/{len(generator)} parts ({time.perf_counter() - parts_started:.1f} s)")
        part_seconds = time.perf_counter() - parts_started - spec_seconds
        alora = services.db.read_sync(functools.partial(_alora_ids, sample=sample))
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
            "spec_parts": specced,
            "specs_seconds": round(spec_seconds, 2),
            "total_seconds": round(time.perf_counter() - started, 2),
            "db_size_mb": round((data_dir / DB_FILE).stat().st_size / 2**20, 1),
        },
        "part_ids": sample,
        "shelf_ids": locations["shelf"],
        "bin_ids": locations["bin"],
        "queries": [*exact, "7002", "10k", "0603", "mosfet", "capacitor", "LM"],
        # a BJT or MOSFET for suggestions; any part when the inventory is too small to have one
        "suggest": [ref for refs in suggest.values() for ref in refs] or [(sample[0], "no transistor")],
        **alora,
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
def parametric_filters(ctx: dict[str, Any]) -> dict[str, tuple[dict[str, str], dict[str, Any]]]:
    """Filter mixes: (ALORA query parameters, the same search as /api/parts/parametric filters spelt another way)."""
    category = ctx["category_seqs"].get("Transistors", 1)
    return {
        "pnp_sot23": (
            {"technology": "PNP", "package": "SOT-23", "v_max_min": "40V", "i_max_min": "100mA"},
            {"technology": "PNP", "package": "sot-23", "v_max_min": "40 V", "i_max_min": "0.1A"},
        ),
        "nmos_low_rds_on": (
            {"technology": "MOSFET", "polarity": "N-MOSFET", "v_max_min": "30V", "rds_on_max": "30mΩ"},
            {"technology": "MOSFET", "polarity": "N-MOSFET", "v_max_min": 30, "rds_on_max": "0.03Ω"},
        ),
        "diode_low_vf": (
            {"technology": "DIODE", "v_max_min": "40V", "i_max_min": "1A", "vf_max": "0.55V"},
            {"technology": "DIODE", "v_max_min": "0.04kV", "i_max_min": "1000mA", "vf_max": "550mV"},
        ),
        "category_in_stock": (
            {"category_id": str(category), "in_stock": "true"},
            {"category_id": category, "in_stock": True},
        ),
        "category_in_stock_60v": (
            {"category_id": str(category), "in_stock": "true", "v_max_min": "60V"},
            {"category_id": category, "in_stock": True, "v_max_min": "60 V"},
        ),
    }


def parametric_matches(url: str, tokens: dict[str, str], ctx: dict[str, Any]) -> dict[str, dict[str, int]]:
    """How many parts each mix finds on both faces (X-Total-Count / total_parts): they must agree."""
    found: dict[str, dict[str, int]] = {}
    for name, (alora, api) in parametric_filters(ctx).items():
        a = httpx.get(f"{url}/alora/components", params=alora, headers=_auth(tokens["alora"]), timeout=60)
        b = httpx.post(f"{url}/api/parts/parametric", json={"filters": api}, headers=_auth(tokens["api"]), timeout=60)
        a.raise_for_status()
        b.raise_for_status()
        found[name] = {"alora": int(a.headers["X-Total-Count"]), "api": int(b.json()["total_parts"])}
    return found


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def alora_scenarios(ctx: dict[str, Any], args: argparse.Namespace) -> dict[str, Scenario]:
    mixes = list(parametric_filters(ctx).items())
    ids, suggest = ctx["component_ids"], ctx["suggest"]

    def alora_parametric(c: httpx.Client, i: int) -> tuple[httpx.Response, str]:
        name, (params, _) = mixes[i % len(mixes)]
        return c.get("/alora/components", params={**params, "limit": 50}), name

    def api_parametric(c: httpx.Client, i: int) -> tuple[httpx.Response, str]:
        name, (_, filters) = mixes[i % len(mixes)]
        return c.post("/api/parts/parametric", json={"filters": filters, "page": 1, "page_size": 20}), name

    def suggestions(c: httpx.Client, i: int) -> tuple[httpx.Response, str]:
        part_id, label = suggest[i % len(suggest)]
        return c.get(f"/api/parts/{part_id}/equivalents/suggest"), label

    cost = {"include_low_stock": "false"}
    return {
        "alora_parametric": Scenario(alora_parametric, alora=True),
        "api_parametric": Scenario(api_parametric),
        "alora_get_component": Scenario(lambda c, i: (c.get(f"/alora/components/{ids[i % len(ids)]}"), ""), True),
        "alora_cost": Scenario(
            lambda c, i: (c.get("/alora/inventory/cost", params=cost), ""),
            alora=True,
            counts=(args.cost_requests, args.cost_requests_concurrent),
        ),
        "suggest": Scenario(suggestions),
    }


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
        with httpx.Client(base_url=url, headers=_auth(token), timeout=60) as client:
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


def login(url: str) -> dict[str, str]:
    """Bearer tokens from both faces: /api/auth/login (JSON) and /alora/login (form fields)."""
    creds = {"username": "admin", "password": PASSWORD}
    api = httpx.post(url + "/api/auth/login", json=creds, timeout=30)
    api.raise_for_status()
    alora = httpx.post(url + "/alora/login", data=creds, timeout=30)
    alora.raise_for_status()
    return {"api": api.json()["access_token"], "alora": alora.json()["access_token"]}


def measure(args: argparse.Namespace, ctx: dict[str, Any], url: str, tokens: dict[str, str]) -> list[dict[str, Any]]:
    results = []
    plan = {name: Scenario(request) for name, request in scenarios(ctx, args.page_size).items()}
    for name, scenario in (plan | alora_scenarios(ctx, args)).items():
        token = tokens["alora" if scenario.alora else "api"]
        run(url, token, scenario.request, 1, args.warmup, args.duration)  # warm caches, not recorded
        counts = scenario.counts or (args.requests, args.requests_concurrent)
        for clients, total in zip((1, args.clients), counts, strict=True):
            figures = run(url, token, scenario.request, clients, total, args.duration)
            log(f"{name} x{clients}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, {figures['rps']} req/s")
            results.append({"scenario": name, **figures})
    return results


def _worst(results: list[dict[str, Any]], names: tuple[str, ...], target: float) -> dict[str, Any]:
    """The highest 1-client p95 among the named scenarios, and which filter mix was slowest inside it."""
    runs = [r for r in results if r["scenario"].startswith(names) and r["clients"] == 1]
    worst = max(runs, key=lambda r: r["p95_ms"])
    figures = {"target": target, "worst": worst["p95_ms"], "worst_scenario": worst["scenario"]}
    if by_query := worst.get("by_query"):
        figures["worst_query"] = max(by_query, key=lambda q: by_query[q]["p95_ms"])
    return figures | {"met": worst["p95_ms"] < target}


def targets(results: list[dict[str, Any]], daemon_after: dict[str, float]) -> dict[str, Any]:
    return {
        "search_p95_ms_at_1_client": _worst(results, ("search",), TARGET_SEARCH_P95_MS),
        "parametric_p95_ms_at_1_client": _worst(
            results, ("alora_parametric", "api_parametric"), TARGET_PARAMETRIC_P95_MS
        ),
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
    parser.add_argument("--cost-requests", type=int, default=10, help="alora_cost requests at 1 client (slow-ish)")
    parser.add_argument(
        "--cost-requests-8", dest="cost_requests_concurrent", type=int, default=20, help="... at --clients"
    )
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
        tokens = login(daemon.url)
        matches = parametric_matches(daemon.url, tokens, ctx)
        log(f"parametric matches: {matches}")
        results = measure(args, ctx, daemon.url, tokens)
        after = daemon.status()
        after["cpu_seconds_during_run"] = round(after["cpu_seconds"] - before["cpu_seconds"], 2)
        report = {
            "benchmark": "inventory",
            "machine": machine(),
            "parameters": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "seeding": ctx["report"],
            "queries": ctx["queries"],
            "parametric_filters": {name: alora for name, (alora, _) in parametric_filters(ctx).items()},
            "parametric_matches": matches,
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
