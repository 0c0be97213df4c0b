"""BOM benchmark: a 500-line BOM imported and matched against a shelf of generated parts.

    .venv/bin/python scripts/bench/bom.py [--parts 20000] [--lines 500] [--rounds 5]

Seeds --parts generated parts (partgen, as the inventory bench does) into a temporary data dir, writes a
KiCad BOM CSV of --lines lines (a third by LCSC number, a fifth by MPN, the rest by value + footprint,
a few that nothing matches), then times through the BOM service, in-process: the preview (read, parse,
match), the import (the same, then the lines written in one transaction) and reading the lines back with
their candidates. Prints ONE JSON object on stdout (medians of --rounds); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from inventory import _tree_and_categories, machine
from partgen import PartGenerator

from makermatrix_edge.daemon import build_services
from makermatrix_edge.projects.models import ProjectCreate
from makermatrix_edge.services import Services
from makermatrix_edge.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
TARGET_SECONDS = 1.0


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def seed(services: Services, parts: int) -> None:
    bins = asyncio.run(_tree_and_categories(services))["bin"]
    generator = PartGenerator(parts, seed=1)
    for batch in generator.batches(5000, bins):
        services.parts.add_many_sync([part for part, _ in batch], None, source="import")


def bom_csv(services: Services, lines: int) -> bytes:
    """A KiCad BOM whose lines name shelf parts three ways, and a few parts the shelf does not have."""

    def rows(db: Any) -> list[Any]:
        return list(
            db.execute(
                "SELECT part_number, manufacturer_part_number, json_extract(additional_properties, '$.resistance'), "
                "json_extract(additional_properties, '$.capacitance'), "
                "json_extract(additional_properties, '$.package') FROM parts ORDER BY seq"
            )
        )

    shelf = services.db.read_sync(rows)
    by_lcsc = [r for r in shelf if (r[0] or "").startswith("C")]
    passives = [r for r in shelf if (r[2] or r[3]) and r[4]]
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(["Reference", "Value", "Footprint", "Qty", "DNP", "MPN", "LCSC"])
    n = 0
    for i in range(lines):
        refs = [f"X{n + k + 1}" for k in range(1 + i % 3)]
        n += len(refs)
        kind = i % 15
        if kind < 5:
            r = by_lcsc[i * 7 % len(by_lcsc)]
            row = ["part", "", r[1] or "", r[0]]
        elif kind < 8:
            r = shelf[i * 11 % len(shelf)]
            row = [r[1] or "part", "", r[1] or "", ""]
        elif kind < 14:
            r = passives[i * 13 % len(passives)]
            letter = "R" if r[2] else "C"
            row = [(r[2] or r[3]).replace("Ω", ""), f"{letter}_{r[4]}_Metric", "", ""]
        else:
            row = ["?", "TestPoint", "", ""]
        writer.writerow([",".join(refs), row[0], row[1], str(len(refs)), "", row[2], row[3]])
    return out.getvalue().encode("utf-8")


def timed(rounds: int, action: Any) -> dict[str, float]:
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        asyncio.run(action())
        seconds.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(seconds), 3), "max_s": round(max(seconds), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", type=int, default=20_000, help="parts on the shelf (default 20000)")
    parser.add_argument("--lines", type=int, default=500, help="BOM lines (default 500)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds of each step")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="mme-bom-bench-"))
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
            content = bom_csv(services, args.lines)
            project = asyncio.run(services.projects.add(ProjectCreate(name="Bench board")))
            boms = services.boms
            preview = asyncio.run(boms.import_file(project.id, content, "bench.csv", preview=True))
            log(f"{preview.line_count} lines: {preview.matched} matched, {preview.unmatched} unmatched")
            report = {
                "benchmark": "bom",
                "machine": machine(),
                "parameters": vars(args),
                "seeding_seconds": round(seeded, 1),
                "bom": {
                    "lines": preview.line_count,
                    "bytes": len(content),
                    "matched": preview.matched,
                    "unmatched": preview.unmatched,
                },
                "preview": timed(args.rounds, lambda: boms.import_file(project.id, content, "b.csv", preview=True)),
                "import": timed(args.rounds, lambda: boms.import_file(project.id, content, "b.csv", preview=False)),
                "read_lines": timed(args.rounds, lambda: boms.lines(project.id)),
            }
            report["target"] = {
                "import_under_s": TARGET_SECONDS,
                "met": report["import"]["median_s"] < TARGET_SECONDS,  # type: ignore[index]
            }
            print(json.dumps(report, indent=2))
        finally:
            services.close()
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
