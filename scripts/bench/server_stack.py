"""Server stack benchmark: uvicorn's HTTP parser (h11 / httptools) and event loop (asyncio / uvloop).

    .venv/bin/python scripts/bench/server_stack.py [--parts 12000] [--requests 300] [--rounds 3]

Seeds --parts parts once (the inventory bench's generator and write path), then starts the real daemon
once per stack per round, the four stacks taking turns within each round so a noisy shared machine
weighs on all alike, and times GET /api/parts/get_all_parts (page 1 of 20) and GET /api/parts/get_part
from one client. Besides the latency it reports the daemon's own CPU per request (from /proc), which a
busy machine disturbs far less than wall time. Prints ONE JSON object; medians over the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from inventory import PASSWORD, Daemon, log, machine, seed  # noqa: E402
from inventory import parse_args as inventory_args  # noqa: E402

STACKS = {
    "h11+asyncio": ("h11", "asyncio"),
    "httptools+asyncio": ("httptools", "asyncio"),
    "h11+uvloop": ("h11", "uvloop"),
    "httptools+uvloop": ("httptools", "uvloop"),
}


def _time(client: httpx.Client, paths: list[tuple[str, dict[str, Any]]], daemon: Daemon) -> dict[str, float]:
    for path, params in paths[:10]:  # warm-up, unrecorded
        client.get(path, params=params).raise_for_status()
    cpu_before = daemon.status()["cpu_seconds"]
    samples = []
    for path, params in paths:
        started = time.perf_counter()
        client.get(path, params=params).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    cpu = daemon.status()["cpu_seconds"] - cpu_before
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95)], 2),
        "daemon_cpu_ms_per_request": round(cpu * 1000 / len(samples), 3),
    }


def one_run(stack: str, data_dir: Path, work: Path, ctx: dict[str, Any], requests: int) -> dict[str, Any]:
    parser, loop = STACKS[stack]
    os.environ["MAKERMATRIX_EDGE_SERVER__HTTP_PARSER"] = parser
    os.environ["MAKERMATRIX_EDGE_SERVER__EVENT_LOOP"] = loop
    daemon = Daemon(HERE.parents[1] / "config" / "dev.toml", data_dir, work / f"{stack}.log")
    try:
        daemon.wait_healthy()
        token = httpx.post(
            daemon.url + "/api/auth/login", json={"username": "admin", "password": PASSWORD}, timeout=30
        ).json()["access_token"]
        with httpx.Client(base_url=daemon.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
            ids = ctx["part_ids"]
            listing = [("/api/parts/get_all_parts", {"page": 1, "page_size": 20})] * requests
            single = [("/api/parts/get_part", {"part_id": ids[i % len(ids)]}) for i in range(requests)]
            return {"get_all_parts": _time(c, listing, daemon), "get_part": _time(c, single, daemon)}
    finally:
        daemon.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parts", type=int, default=12_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-stack-"))
    try:
        data_dir = work / "data"
        log(f"seeding {args.parts} parts")
        ctx = seed(inventory_args(["--parts", str(args.parts)]), data_dir)
        runs: dict[str, list[dict[str, Any]]] = {stack: [] for stack in STACKS}
        for round_no in range(args.rounds):
            for stack in STACKS:
                log(f"round {round_no + 1}: {stack}")
                runs[stack].append(one_run(stack, data_dir, work, ctx, args.requests))
        result: dict[str, Any] = {}
        for stack, measured in runs.items():
            result[stack] = {
                route: {k: round(statistics.median(r[route][k] for r in measured), 3) for k in measured[0][route]}
                for route in measured[0]
            }
        print(json.dumps({"benchmark": "server_stack", "machine": machine(), "parameters": vars(args), **result}))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
