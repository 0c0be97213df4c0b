"""Side by side with MakerMatrix: the same parts, the same requests, alternating between the two servers.

    .venv/bin/python scripts/bench/versus_makermatrix.py --makermatrix-url http://127.0.0.1:PORT \
        [--makermatrix-password Admin123!] [--makermatrix-pid PID] [--parts 12000] [--rounds 5] [--requests 100]

MakerMatrix is NOT started, built or imported here: start it yourself on 127.0.0.1 and load it first with the
same parts, i.e. `generated_parts(N)` below (scripts/bench/partgen.py, seed 1, N parts, the same fields), each
in one of 24 bins (3 rooms x 8 bins, part i in bin i mod 24). MakerMatrix's own API loads parts at ~6 parts/s
at a few thousand parts (every add_part reads all parts of the part's category), so 12 000 parts take hours
that way; load it any way you like (e.g. a bulk insert with MakerMatrix's own models). Before measuring, the
script asks MakerMatrix for its total (`GET /api/parts/get_all_parts`, `total_parts`) and refuses to run
(exit 2) unless it equals --parts.

Then it starts makermatrix-edge itself (this repo's .venv, `config/dev.toml`, a fresh temporary data dir,
127.0.0.1), creates the same 24 bins and loads the same N parts through POST /api/parts/add_part (4 client
threads), checks that total too, and measures, per round and per request kind, --requests requests to each
server, alternating between them from one client (which server goes first in each pair is random):
`GET /api/parts/get_all_parts` (page 1 of 20), `GET /api/parts/get_part` (ids sampled from across each
server's table) and `POST /api/parts/search` (the same terms on both). Reported per server: the median over
the rounds of each round's p50 and p95, the server's CPU per request (from /proc: our daemon is a child;
MakerMatrix only when --makermatrix-pid names its process), RSS, the hit count of each search term on each
server (they match differently: MakerMatrix by substring, makermatrix-edge by words), and `uptime` before
and after. Prints ONE JSON object on stdout; progress on stderr. Bounded: --rounds x --requests requests,
every request times out, --time-limit seconds in all; our daemon is stopped and its data dir removed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from inventory import PASSWORD, Daemon, log, machine  # noqa: E402
from partgen import PartGenerator  # noqa: E402

ROOT = HERE.parents[1]
TERMS = ("10k", "capacitor", "LM", "0603", "mosfet", "100nF", "resistor", "STM32")
FIELDS = ("part_name", "part_number", "description", "quantity", "supplier", "manufacturer_part_number",
          "additional_properties", "category_names")  # fmt: skip
ROOMS, BINS_PER_ROOM = ("Workshop", "Storage", "Garage"), 8
SERVERS = ("makermatrix", "makermatrix-edge")
Request = Callable[[httpx.Client, int, str], httpx.Response]


class Refused(Exception):
    """The comparison would not be fair or safe; nothing is measured."""


# -- pure parts -----------------------------------------------------------------------------------
def percentile(samples: Sequence[float], q: float) -> float:
    """Linear interpolation between the two nearest ranks (q in 0..1)."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median_of_rounds(rounds: Sequence[dict[str, float | None]]) -> dict[str, float | None]:
    """Per key, the median of the rounds' values (None when a key was not measured, e.g. CPU without a pid)."""
    out: dict[str, float | None] = {}
    for key in rounds[0]:
        values = [r[key] for r in rounds if r[key] is not None]
        out[key] = round(statistics.median(v for v in values if v is not None), 2) if values else None
    return out


def check_total(server: str, reported: object, expected: int) -> int:
    """The servers must hold exactly the parts asked for, or the comparison compares different data."""
    if not isinstance(reported, int) or isinstance(reported, bool) or reported != expected:
        raise Refused(
            f"{server} reports {reported!r} parts, --parts is {expected}: load it with generated_parts({expected}) "
            "(partgen seed 1) into a fresh database first"
        )
    return reported


def hit_count(body: dict[str, Any]) -> int | None:
    """Search hits from either server's envelope: data.total (MakerMatrix, and here too) or total_parts."""
    data = body.get("data")
    if isinstance(data, dict) and isinstance(data.get("total"), int):
        return int(data["total"])
    total = body.get("total_parts")
    return total if isinstance(total, int) else None


def ratio(theirs: float | None, ours: float | None) -> float | None:
    return round(theirs / ours, 1) if theirs and ours else None


def loopback(url: str) -> str:
    """Only 127.0.0.1 / localhost: the bench never talks to another machine."""
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost"):
        raise Refused(f"--makermatrix-url must be on 127.0.0.1, not {host!r}")
    return url.rstrip("/")


def generated_parts(n: int) -> list[dict[str, Any]]:
    """The N parts both servers hold: partgen seed 1, the PartCreate fields both APIs take (no location)."""
    parts = []
    for batch in PartGenerator(n, seed=1).batches(1000, ["-"]):
        for part, _ in batch:
            d = msgspec.to_builtins(part)
            parts.append({k: d[k] for k in FIELDS if d.get(k) is not None})
    return parts


# -- talking to a server ----------------------------------------------------------------------------
def login(url: str, password: str) -> httpx.Client:
    try:
        r = httpx.post(url + "/api/auth/login", json={"username": "admin", "password": password}, timeout=60)
    except httpx.TransportError as e:
        raise Refused(f"nothing answers on {url} ({e.__class__.__name__}): start MakerMatrix first") from e
    if r.status_code != 200:
        raise Refused(f"login as admin on {url} answered {r.status_code}: {r.text[:200]}")
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {r.json()['access_token']}"}, timeout=60)


def total_parts(c: httpx.Client) -> object:
    r = c.get("/api/parts/get_all_parts", params={"page": 1, "page_size": 1})
    return r.json().get("total_parts") if r.status_code == 200 else f"HTTP {r.status_code}"


def make_bins(c: httpx.Client) -> list[str]:
    bins = []
    for room in ROOMS:
        r = c.post("/api/locations/add_location", json={"name": room, "location_type": "room"})
        r.raise_for_status()
        room_id = r.json()["data"]["id"]
        for b in range(1, BINS_PER_ROOM + 1):
            body = {"name": f"{room} bin {b}", "location_type": "bin", "parent_id": room_id}
            r = c.post("/api/locations/add_location", json=body)
            r.raise_for_status()
            bins.append(r.json()["data"]["id"])
    return bins


def load(c: httpx.Client, parts: list[dict[str, Any]], bins: list[str], pid: int) -> dict[str, Any]:
    errors: list[str] = []

    def one(i: int) -> None:
        r = c.post("/api/parts/add_part", json={**parts[i], "location_id": bins[i % len(bins)]})
        if r.status_code != 200 and len(errors) < 5:
            errors.append(f"{r.status_code} {r.text[:200]}")

    started, cpu0 = time.perf_counter(), proc_stats(pid)["cpu_s"]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for n, _ in enumerate(pool.map(one, range(len(parts))), 1):
            if n % 2000 == 0:
                log(f"makermatrix-edge: {n} parts loaded, {time.perf_counter() - started:.0f} s")
    wall = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"loading makermatrix-edge failed: {errors}")
    return {
        "path": "POST /api/parts/add_part, 4 client threads",
        "wall_s": round(wall, 1),
        "server_cpu_s": round(proc_stats(pid)["cpu_s"] - cpu0, 1),
        "parts_per_s": round(len(parts) / wall, 1),
    }


def proc_stats(pid: int) -> dict[str, float]:
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    rss_kb = next(int(x.split()[1]) for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x[:6] == "VmRSS:")
    return {"cpu_s": (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK"), "rss_mb": round(rss_kb / 1024, 1)}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, timeout=10).stdout.strip()


def sample_ids(c: httpx.Client, parts: int, count: int = 500) -> list[str]:
    """Part ids from 6 pages spread over the whole table, then `count` draws from them."""
    pages = max(1, parts // 100)
    ids: list[str] = []
    for page in range(1, pages + 1, max(1, pages // 5)):
        r = c.get("/api/parts/get_all_parts", params={"page": page, "page_size": 100})
        r.raise_for_status()
        ids += [row["id"] for row in r.json().get("data") or []]
    rng = random.Random(5)
    return [rng.choice(ids) for _ in range(count)]


# -- measuring ------------------------------------------------------------------------------------
def requests_by_kind(ids: dict[str, list[str]]) -> dict[str, Request]:
    def search(c: httpx.Client, i: int, _: str) -> httpx.Response:
        return c.post("/api/parts/search", json={"search_term": TERMS[i % len(TERMS)], "page": 1, "page_size": 20})

    return {
        "get_all_parts_page1_20": lambda c, i, _: c.get(
            "/api/parts/get_all_parts", params={"page": 1, "page_size": 20}
        ),
        "get_part": lambda c, i, who: c.get("/api/parts/get_part", params={"part_id": ids[who][i % len(ids[who])]}),
        "search": search,
    }


def measure(clients: dict[str, httpx.Client], pids: dict[str, int | None], ids: dict[str, list[str]],
            args: argparse.Namespace, deadline: float) -> dict[str, Any]:  # fmt: skip
    kinds = requests_by_kind(ids)
    for request in kinds.values():  # warm-up, unrecorded
        for who, c in clients.items():
            for i in range(5):
                request(c, i, who).raise_for_status()
    rng = random.Random(3)
    rounds: dict[str, dict[str, list[dict[str, float | None]]]] = {k: {s: [] for s in SERVERS} for k in kinds}
    for round_no in range(args.rounds):
        for kind, request in kinds.items():
            times: dict[str, list[float]] = {s: [] for s in SERVERS}
            cpu0 = {s: proc_stats(p)["cpu_s"] if p else None for s, p in pids.items()}
            order = list(SERVERS)
            for i in range(args.requests):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"--time-limit {args.time_limit} s reached in round {round_no + 1}")
                if rng.random() < 0.5:
                    order.reverse()
                for who in order:
                    started = time.perf_counter()
                    r = request(clients[who], i, who)
                    times[who].append((time.perf_counter() - started) * 1000)
                    if r.status_code != 200:
                        raise RuntimeError(f"{who} {kind}: {r.status_code} {r.text[:200]}")
            for who in SERVERS:
                pid, before = pids[who], cpu0[who]
                cpu = (proc_stats(pid)["cpu_s"] - before) * 1000 / args.requests if pid and before is not None else None
                measured = {"p50": percentile(times[who], 0.5), "p95": percentile(times[who], 0.95),
                            "server_cpu_ms_per_request": cpu}  # fmt: skip
                rounds[kind][who].append({k: None if v is None else round(v, 2) for k, v in measured.items()})
        log(f"round {round_no + 1}/{args.rounds} done; {uptime()}")
    results: dict[str, Any] = {}
    for kind, by in rounds.items():
        medians = {who: median_of_rounds(rs) for who, rs in by.items()}
        mm, edge = medians["makermatrix"], medians["makermatrix-edge"]
        results[kind] = {
            **{who: {"median_of_rounds_ms": medians[who], "per_round": by[who]} for who in SERVERS},
            "makermatrix_over_edge": {k: ratio(mm[k], edge[k]) for k in mm},
        }
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--makermatrix-url", required=True, help="a MakerMatrix you started, on 127.0.0.1")
    p.add_argument("--makermatrix-password", default="Admin123!", help="its admin's password")
    p.add_argument("--makermatrix-pid", type=int, help="its server process, for CPU per request and RSS")
    p.add_argument("--parts", type=int, default=12_000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--requests", type=int, default=100, help="per round, per request kind, per server")
    p.add_argument("--time-limit", type=float, default=3600, help="seconds for the whole run")
    args = p.parse_args(argv)
    if not (1 <= args.rounds <= 50 and 1 <= args.requests <= 10_000 and 1 <= args.parts <= 200_000):
        p.error("--rounds 1..50, --requests 1..10000, --parts 1..200000")
    return args


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    deadline = time.monotonic() + args.time_limit
    out: dict[str, Any] = {"benchmark": "versus_makermatrix", "machine": machine(), "uptime_before": uptime()}
    out["parameters"] = {k: v for k, v in vars(args).items() if k != "makermatrix_password"}
    mm = login(loopback(args.makermatrix_url), args.makermatrix_password)
    totals = {"makermatrix": check_total("makermatrix", total_parts(mm), args.parts)}  # before anything else
    parts = generated_parts(args.parts)
    daemon = Daemon(ROOT / "config" / "dev.toml", work / "data", work / "daemon.log")
    try:
        daemon.wait_healthy()
        edge = login(daemon.url, PASSWORD)
        log(f"makermatrix-edge up at {daemon.url}; loading {len(parts)} parts through its API")
        out["load"] = {
            "makermatrix": "loaded beforehand by whoever started it (not measured here)",
            "makermatrix-edge": load(edge, parts, make_bins(edge), daemon.proc.pid),
        }
        totals["makermatrix-edge"] = check_total("makermatrix-edge", total_parts(edge), args.parts)
        out["total_parts"] = totals
        clients = {"makermatrix": mm, "makermatrix-edge": edge}
        out["search_hits"] = {
            term: {who: hit_count(c.post("/api/parts/search", json={"search_term": term, "page": 1,
                                                                    "page_size": 20}).json())
                   for who, c in clients.items()}
            for term in TERMS
        }  # fmt: skip
        ids = {who: sample_ids(c, args.parts) for who, c in clients.items()}
        pids = {"makermatrix": args.makermatrix_pid, "makermatrix-edge": daemon.proc.pid}
        out["results"] = measure(clients, pids, ids, args, deadline)
        out["rss_mb"] = {who: proc_stats(pid)["rss_mb"] if pid else None for who, pid in pids.items()}
        out["uptime_after"] = uptime()
        edge.close()
    finally:
        mm.close()
        out["daemon_exit_status"] = daemon.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-versus-"))
    try:
        print(json.dumps(run(args, work)))
        return 0
    except Refused as refused:
        log(f"refused: {refused}")
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
