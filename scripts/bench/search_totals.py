"""Search totals benchmark: broad searches report their exact match count, fast, at 100 000 parts.

    .venv/bin/python scripts/bench/search_totals.py [--parts 100000] [--requests 100] [--restarts 1] [--compare]

Seeds the same realistic inventory as inventory.py, starts the real daemon, and times broad terms
("capacitor", "resistor", "0603", ...) on GET /api/parts/search_text and POST /api/parts/search at
one client. For every term it also counts the matches straight from SQLite (the parts table joined
to the full-text index, no shortcut) and reports whether the API's total equals it. Counts are
kept current across edits (the changed rows are looked at again, not every match), so it times three
cases: "warm" (the same terms again, as a client paging through them asks), "after an edit" (a
part is updated before every search, outside the timing, so every count must catch up), and
"first" (the daemon restarted `--restarts` times, each term's first search: its count is made from
nothing). `--compare` then runs the same scenarios on the same data against a daemon whose
remembered counts are bypassed (serve_plain_counts.py: a plain index count at every search) and
reports them under "plain", and times the counts alone in this process ("count_costs").
Prints ONE JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import sqlite_utils
from inventory import ROOT, Daemon, log, login, machine, run, seed

from makermatrix_edge.daemon import DB_FILE
from makermatrix_edge.db.connection import connect
from makermatrix_edge.db.text import fts_query
from makermatrix_edge.inventory.text_counts import TextMatchCounts

TARGET_P95_MS = 20.0
TERMS = ("capacitor", "resistor", "0603", "10k", "ceramic", "LM", "mosfet")


def expected_totals(db_path: Path) -> dict[str, int]:
    """Matches per term counted the slow, obvious way, to hold the API's totals against."""
    with sqlite3.connect(db_path) as db:
        out = {}
        for term in TERMS:
            match = fts_query(term)
            if match is None:  # one or two letters: prefixes of name, number or manufacturer number
                like = term + "%"
                sql = (
                    "SELECT count(*) FROM parts WHERE part_name LIKE ? OR part_number LIKE ? "
                    "OR manufacturer_part_number LIKE ?"
                )
                out[term] = int(db.execute(sql, [like, like, like]).fetchone()[0])
            else:
                sql = "SELECT count(*) FROM parts p JOIN parts_fts f ON f.rowid = p.seq WHERE parts_fts MATCH ?"
                out[term] = int(db.execute(sql, [match]).fetchone()[0])
        return out


def api_totals(url: str, token: str) -> dict[str, dict[str, int]]:
    headers = {"Authorization": f"Bearer {token}"}
    out = {}
    for term in TERMS:
        text = httpx.get(f"{url}/api/parts/search_text", params={"query": term}, headers=headers, timeout=60)
        posted = httpx.post(f"{url}/api/parts/search", json={"search_term": term}, headers=headers, timeout=60)
        text.raise_for_status()
        posted.raise_for_status()
        out[term] = {"search_text": int(text.json()["total_parts"]), "search": int(posted.json()["data"]["total"])}
    return out


def first(url: str, token: str, page_size: int) -> dict[str, float]:
    """Each term's first search since the daemon started: nothing remembered, the count made afresh."""
    headers = {"Authorization": f"Bearer {token}"}
    by_term: dict[str, float] = {}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        for term in TERMS:
            started = time.perf_counter()
            client.get("/api/parts/search_text", params={"query": term, "page_size": page_size}).raise_for_status()
            by_term[term] = round((time.perf_counter() - started) * 1000, 2)
    return by_term


def first_figures(rounds: list[dict[str, float]]) -> dict[str, Any]:
    samples = [ms for by_term in rounds for ms in by_term.values()]
    cuts = statistics.quantiles(samples, n=100, method="inclusive") if len(samples) > 1 else samples * 99
    return {
        "clients": 1,
        "restarts": len(rounds),
        "requests": len(samples),
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "median_ms": round(statistics.median(samples), 2),
        "max_ms": max(samples),
        "by_query_median_ms": {t: round(statistics.median(r[t] for r in rounds), 2) for t in TERMS},
    }


def cold(url: str, token: str, part_id: str, requests: int, page_size: int) -> dict[str, Any]:
    """Each search right after a write, so every remembered count must catch up; only the search is timed."""
    headers = {"Authorization": f"Bearer {token}"}
    samples: list[float] = []
    by_term: dict[str, list[float]] = {}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        for i in range(requests):
            client.put(f"/api/parts/update_part/{part_id}", json={"description": f"cold run {i}"}).raise_for_status()
            term = TERMS[i % len(TERMS)]
            started = time.perf_counter()
            client.get("/api/parts/search_text", params={"query": term, "page_size": page_size}).raise_for_status()
            samples.append(time.perf_counter() - started)
            by_term.setdefault(term, []).append(samples[-1])
    cuts = statistics.quantiles(samples, n=100, method="inclusive") if len(samples) > 1 else samples * 99
    return {
        "clients": 1,
        "requests": len(samples),
        "p50_ms": round(cuts[49] * 1000, 2),
        "p95_ms": round(cuts[94] * 1000, 2),
        "by_query_median_ms": {t: round(statistics.median(v) * 1000, 2) for t, v in by_term.items()},
    }


def _ms(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive") if len(samples) > 1 else samples * 99
    return {"p50_ms": round(cuts[49] * 1000, 3), "p95_ms": round(cuts[94] * 1000, 3)}


def count_costs(db_path: Path, part_id: str, reps: int) -> dict[str, Any]:
    """The count alone, in this process on the seeded file (no HTTP, no daemon): what each way pays.

    Per term: a plain index count; a remembered count caught up after one edit (a write on another
    connection between two counts, as a search after an edit sees it); a count made from nothing
    (a term's first search). Then the write side: 1 000 parts re-described in one transaction with
    the change-log triggers, and again without them.
    """
    reader = sqlite_utils.Database(connect(db_path, busy_timeout_ms=5000, read_only=True))
    writer = connect(db_path, busy_timeout_ms=5000, synchronous="NORMAL")
    plain_sql = "SELECT count(*) FROM parts_fts WHERE parts_fts MATCH ?"
    by_term: dict[str, Any] = {}
    try:
        for term in TERMS:
            match = fts_query(term)
            if match is None:
                continue
            counts = TextMatchCounts()
            counts.count(reader, match)
            plain: list[float] = []
            caught: list[float] = []
            fresh: list[float] = []
            for i in range(reps):
                started = time.perf_counter()
                reader.execute(plain_sql, [match]).fetchone()
                plain.append(time.perf_counter() - started)
                writer.execute("UPDATE parts SET description = ? WHERE id = ?", [f"count cost {i}", part_id])
                started = time.perf_counter()
                counts.count(reader, match)
                caught.append(time.perf_counter() - started)
                started = time.perf_counter()
                TextMatchCounts().count(reader, match)
                fresh.append(time.perf_counter() - started)
            total = int(reader.execute(plain_sql, [match]).fetchone()[0])
            by_term[term] = {
                "matches": total,
                "plain": _ms(plain),
                "caught_up_after_an_edit": _ms(caught),
                "made_from_nothing": _ms(fresh),
            }

        def rewrite(label: str) -> float:
            samples = []
            for i in range(max(3, reps // 10)):
                started = time.perf_counter()
                writer.execute("BEGIN")
                writer.execute("UPDATE parts SET description = ? WHERE seq <= 1000", [f"{label} {i}"])
                writer.execute("COMMIT")
                samples.append(time.perf_counter() - started)
            return round(statistics.median(samples) * 1000, 2)

        with_log = rewrite("with the log")
        triggers = writer.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for (name,) in triggers:
            if name.startswith("parts_fts_log_") or name == "parts_fts_changes_trim":
                writer.execute(f"DROP TRIGGER {name}")
        without_log = rewrite("without the log")
    finally:
        reader.conn.close()
        writer.close()
    return {
        "reps": reps,
        "by_term": by_term,
        "rewrite_1000_parts_ms": {"with_change_log": with_log, "without_change_log": without_log},
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", type=int, default=100_000, help="parts to seed (default 100000)")
    parser.add_argument("--batch", type=int, default=5000, help="parts per add_many_sync transaction")
    parser.add_argument("--requests", type=int, default=100, help="requests per scenario at 1 client")
    parser.add_argument("--warmup", type=int, default=5, help="unrecorded requests before each scenario")
    parser.add_argument("--page-size", type=int, default=20, help="page size of the searches")
    parser.add_argument("--restarts", type=int, default=1, help="daemon restarts timed for the first-search case")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the part generator")
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "dev.toml", help="daemon config file")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also time the same searches with the remembered counts bypassed (a plain index count each time)",
    )
    return parser.parse_args(argv)


PLAIN = [sys.executable, str(Path(__file__).with_name("serve_plain_counts.py"))]


def measure(args: argparse.Namespace, work: Path, part_id: str, way: str) -> dict[str, Any]:
    """Every scenario against one daemon (`way`: "cached" as shipped, "plain" with the counts bypassed)."""
    data_dir = work / "data"
    command = PLAIN if way == "plain" else None
    expected = expected_totals(data_dir / DB_FILE)
    daemon = Daemon(args.config, data_dir, work / f"daemon-{way}.log", command)
    try:
        daemon.wait_healthy()
        token = login(daemon.url)["api"]
        totals = api_totals(daemon.url, token)
        size = args.page_size

        def text(c: httpx.Client, i: int) -> tuple[httpx.Response, str]:
            term = TERMS[i % len(TERMS)]
            return c.get("/api/parts/search_text", params={"query": term, "page_size": size}), term

        def posted(c: httpx.Client, i: int) -> tuple[httpx.Response, str]:
            term = TERMS[i % len(TERMS)]
            return c.post("/api/parts/search", json={"search_term": term, "page_size": size}), term

        scenarios: list[dict[str, Any]] = []
        for name, request in (("search_text_broad", text), ("post_search_broad", posted)):
            run(daemon.url, token, request, 1, args.warmup, 600)
            figures = run(daemon.url, token, request, 1, args.requests, 600)
            log(f"{way} {name}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms")
            scenarios.append({"scenario": name, **figures})
        figures = cold(daemon.url, token, part_id, args.requests, size)
        log(f"{way} search_text_broad_after_edit: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms")
        scenarios.append({"scenario": "search_text_broad_after_edit", **figures})
        daemon.stop()
        rounds = []
        for restart in range(max(1, args.restarts)):
            daemon = Daemon(args.config, data_dir, work / f"daemon-{way}-{restart + 2}.log", command)
            daemon.wait_healthy()
            rounds.append(first(daemon.url, login(daemon.url)["api"], size))
            daemon.stop()
        started = first_figures(rounds)
        log(f"{way} search_text_first_since_start: p50 {started['p50_ms']} ms, p95 {started['p95_ms']} ms")
    except BaseException:
        log("daemon log (tail):\n" + daemon.log_tail())
        raise
    finally:
        daemon.stop()
    exact = all(t["search_text"] == expected[k] == t["search"] for k, t in totals.items())
    return {
        "totals": {term: {**totals[term], "expected": expected[term]} for term in TERMS},
        "totals_exact": exact,
        "scenarios": scenarios,
        "first_since_start": started,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="mme-bench-"))
    try:
        log(f"seeding {args.parts} parts into {work / 'data'}")
        ctx = seed(args, work / "data")
        chosen = ("cached", "plain") if args.compare else ("cached",)
        ways = {way: measure(args, work, ctx["part_ids"][0], way) for way in chosen}
        # Last: it drops the change-log triggers of the seeded file to time writes without them.
        costs = count_costs(work / "data" / DB_FILE, ctx["part_ids"][0], args.requests) if args.compare else None
        cached = ways["cached"]
        # Over the repeated traffic (warm and after edits); a term's first search is reported apart.
        worst = max(s["p95_ms"] for s in cached["scenarios"])
        exact = all(w["totals_exact"] for w in ways.values())
        report = {
            "benchmark": "search_totals",
            "machine": machine(),
            "parameters": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "seeding": ctx["report"],
            **cached,
            **({"plain": ways["plain"], "count_costs": costs} if "plain" in ways else {}),
            "targets": {
                "totals_exact": exact,
                "search_p95_ms_at_1_client": {"target": TARGET_P95_MS, "worst": worst, "met": worst < TARGET_P95_MS},
            },
        }
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0 if exact else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
