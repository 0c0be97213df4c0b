"""Places, activity and dashboard benchmark: seed N parts with history, split some into cassettes, time the reads.

    .venv/bin/python scripts/bench/places.py [--parts 20000] [--movements 50000] [--cassettes 2000] [--runs 30]

In-process (build_services, the services the API calls): seeds parts in a location tree, writes stock
movements through the one stock path, splits parts into cassettes through the allocation service, then
times GET-equivalents: a part's places, a transfer, search by location, recent activity, activity stats
and the dashboard summary. Prints ONE JSON object (medians and p95 in ms); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import iso
from makermatrix_edge.daemon import build_services
from makermatrix_edge.inventory import stock
from makermatrix_edge.inventory.allocation_models import SplitToCassette, Transfer
from makermatrix_edge.inventory.models import LocationCreate, PartCreate, PartSearch
from makermatrix_edge.services import Services
from makermatrix_edge.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def timed(runs: int, call: Callable[[int], Awaitable[Any]]) -> dict[str, float]:
    took = []
    for i in range(runs):
        start = time.perf_counter()
        await call(i)
        took.append((time.perf_counter() - start) * 1000)
    took.sort()
    return {"median_ms": round(statistics.median(took), 2), "p95_ms": round(took[int(len(took) * 0.95) - 1], 2)}


async def seed(services: Services, args: argparse.Namespace, actor: Principal) -> tuple[list[str], list[str]]:
    rooms = [await services.locations.add(LocationCreate(name=f"Room {r}")) for r in range(4)]
    drawers = [
        (await services.locations.add(LocationCreate(name=f"Drawer {d}", parent_id=rooms[d % 4].id))).id
        for d in range(40)
    ]
    items = [
        PartCreate(part_name=f"Part {n:06d}", quantity=1000, location_id=drawers[n % len(drawers)])
        for n in range(args.parts)
    ]
    ids = services.parts.add_many_sync(items, actor, source="system")
    say(f"{len(ids)} parts")
    rng = random.Random(7)
    now = iso(services.clock())

    def history(db: sqlite_utils.Database) -> None:
        for _ in range(args.movements):
            part = rng.choice(ids)
            left = stock.last_quantity(db, part) - rng.randint(1, 5)
            stock.record(db, part, new_quantity=left, reason="taken", source="phone", actor=actor, now=now)
            db.execute("UPDATE parts SET quantity = ? WHERE id = ?", [left, part])

    services.db.write_sync(history)
    say(f"{args.movements} movements")
    for n in range(args.cassettes):
        part = await services.parts.get(part_id=ids[n])
        split = SplitToCassette(from_location_id=part.location_id or "", quantity=10, cassette_name=f"Cassette {n}")
        await services.allocations.split_to_cassette(ids[n], split, actor)
    say(f"{args.cassettes} cassettes")
    return ids, drawers


async def run(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    settings = load_settings(ROOT / "config" / "dev.toml", env={}, overrides={"storage": {"data_dir": str(data_dir)}})
    services = build_services(settings, admin_password="bench-admin-password-1")
    try:
        actor = Principal("bench", "bench", ("admin",), frozenset({"admin"}), via="token")
        ids, drawers = await seed(services, args, actor)
        split_ids = ids[: args.cassettes]
        places = await services.allocations.list_for(split_ids[0])
        cassette = places.allocations[1].location_id or ""
        home = places.allocations[0].location_id or ""
        figures = {
            "part_places": await timed(args.runs, lambda i: services.allocations.list_for(split_ids[i])),
            "transfer": await timed(
                args.runs,
                lambda i: services.allocations.transfer(
                    split_ids[0],
                    Transfer(
                        from_location_id=cassette if i % 2 == 0 else home,
                        to_location_id=home if i % 2 == 0 else cassette,
                        quantity=1,
                    ),
                    actor,
                ),
            ),
            "search_by_location": await timed(
                args.runs, lambda i: services.search.search(PartSearch(location_id=drawers[i % len(drawers)]))
            ),
            "activity_recent_50": await timed(args.runs, lambda i: services.activity.recent(limit=50, hours=24)),
            "activity_stats_24h": await timed(args.runs, lambda i: services.activity.stats(24)),
            "dashboard_summary": await timed(args.runs, lambda i: services.dashboard.summary()),
        }
    finally:
        services.close()
    return {
        "parts": args.parts,
        "movements": args.movements,
        "cassettes": args.cassettes,
        "runs": args.runs,
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus".strip(),
        "load_average": os.getloadavg()[0],
        **figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=20_000)
    parser.add_argument("--movements", type=int, default=50_000)
    parser.add_argument("--cassettes", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(asyncio.run(run(args, Path(tmp) / "data"))))


if __name__ == "__main__":
    main()
