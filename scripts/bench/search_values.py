"""Search with value spellings (issue 24 point 6), before and after, on one database in one process.

    .venv/bin/python scripts/bench/search_values.py [--parts 100000] [--rounds 30]

Seeds --parts generated parts (partgen) in-process, then times SearchService.search_text for each
query with the term built as before this change (words only) and as now (values in one spelling),
the two interleaved query by query so machine load falls on both alike. The index is the new one in
both runs (2 % larger: the values' spellings); the difference measured is the query's. Prints ONE
JSON object on stdout (p50 / p95 per query and mode, and how many parts each finds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bom import ROOT, log, seed
from inventory import machine

from makermatrix_edge.daemon import build_services
from makermatrix_edge.db.text import fts_query
from makermatrix_edge.inventory import search as search_module
from makermatrix_edge.services import Services
from makermatrix_edge.settings import load_settings

QUERIES = ("10k", "10K", "10kΩ", "10 kOhm", "10,000 Ω", "10000", "4k7", "100nF", "0.1uF", "capacitor", "0603", "LM",
           "7002", "CRCW06031M50DKEA", "mosfet")  # fmt: skip


def words_only(term: str) -> tuple[str | None, list[str]]:
    """How the term was built before: its words, the short ones left to LIKE."""
    return fts_query(term), [w for w in term.split() if len(w) < 3]


async def measure(services: Services, rounds: int) -> dict[str, Any]:
    new_builder = search_module.value_match
    times: dict[tuple[str, str], list[float]] = {(q, m): [] for q in QUERIES for m in ("before", "after")}
    found: dict[tuple[str, str], int] = {}
    for r in range(rounds + 1):
        for q in QUERIES:
            for mode in ("before", "after") if r % 2 else ("after", "before"):
                search_module.value_match = words_only if mode == "before" else new_builder  # type: ignore[assignment]
                started = time.perf_counter()
                page = await services.search.search_text(q, 1, 20)
                if r:  # round 0 warms the caches
                    times[(q, mode)].append((time.perf_counter() - started) * 1000)
                found[(q, mode)] = page.total
    search_module.value_match = new_builder

    def stats(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(ordered[int(len(ordered) * 0.95)], 2)}

    return {q: {m: {**stats(times[(q, m)]), "found": found[(q, m)]} for m in ("before", "after")} for q in QUERIES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="mme-search-values-"))
    try:
        settings = load_settings(
            ROOT / "config" / "dev.toml", env={}, overrides={"storage": {"data_dir": str(work / "data")}}
        )
        services = build_services(settings, admin_password="bench-admin-password-1")
        try:
            started = time.perf_counter()
            log(f"seeding {args.parts} parts")
            seed(services, args.parts)
            seeded = time.perf_counter() - started
            results = asyncio.run(measure(services, args.rounds))
            report = {
                "benchmark": "search_values",
                "machine": machine(),
                "parameters": vars(args),
                "seeding_seconds": round(seeded, 1),
                "queries": results,
            }
            print(json.dumps(report, indent=2, ensure_ascii=False))
        finally:
            services.close()
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
