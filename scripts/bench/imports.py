"""Order-import benchmark: LCSC files of 500 and 5000 lines, daemon RSS growth, API p95 during an import.

Seeds a data dir with N parts (a fifth of each file's lines are parts the bench already has, so an
import both creates parts and adds stock), starts the real daemon on 127.0.0.1 and imports each
file through `POST /api/import/file` (large files run as a task; the time is from the upload to the
task's completion) twice: first alone, then (other orders of the same sizes) while clients keep
calling the API, whose latency is measured idle and during those imports. A file that runs as a
task is written by a child process at low priority (orders/child.py), which shares only the CPU
with the daemon. RSS is the daemon's; the child's peak is reported beside it.
Prints one JSON object.

    .venv/bin/python scripts/bench/imports.py --sizes 500,5000 --parts 10000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent))

import import_large
from backups import PASSWORD, free_port, log, measure, p95, seed, start_daemon, wait_healthy

HEADER = (
    "LCSC Part Number,Manufacture Part Number,Manufacturer,Customer NO.,Package,Description,RoHS,Order Qty.,"
    "Min\\Mult Order Qty.,Unit Price($),Order Price($)"
)
PACKAGES = ("0402", "0603", "0805", "SOT-23", "SOIC-8", "QFN-20-EP(4x4)")


def lcsc_file(lines: int, batch: int, known: int, *, short: bool = False) -> bytes:
    """An LCSC export: every fifth line is a part the bench has (PN-xxxxxx), the rest are new.

    `short` descriptions keep 100 000 lines under the 10 MB upload limit."""
    rng = random.Random(lines * 31 + batch)
    rows = [HEADER]
    for i in range(lines):
        qty = rng.choice((10, 50, 100, 500, 1000, 5000))
        price = round(rng.uniform(0.0005, 3.0), 4)
        package = rng.choice(PACKAGES)
        if i % 5 == 0 and known:
            spn, mpn = f"PN-{rng.randrange(known):06d}", f"KNOWN-{i}"
        else:
            spn, mpn = f"C{batch}{i:06d}", f"MPN-{batch}-{i:06d}"
        desc = f'"{package} part {i}"' if short else f'"{package} bench part {i}, ±1% 100mW Thick Film Resistors ROHS"'
        rows.append(f"{spn},{mpn},Maker {i % 40},,{package},{desc},YES,{qty},1\\1,{price},{round(qty * price, 2)}")
    return ("\n".join(rows) + "\n").encode()


def rss_mb(proc: psutil.Process) -> float:
    return round(proc.memory_info().rss / 1_000_000, 1)


def run_import(url: str, headers: dict[str, str], name: str, content: bytes) -> dict[str, Any]:
    t0 = time.perf_counter()
    response = httpx.post(url + "/api/import/file", headers=headers, files={"file": (name, content)}, timeout=300)
    if response.status_code not in (200, 202):
        raise SystemExit(f"import failed: {response.status_code} {response.text[:500]}")
    result = response.json()["data"]
    if result["status"] == "queued":
        while True:
            task = httpx.get(f"{url}/api/tasks/{result['task_id']}", headers=headers, timeout=30).json()["data"]
            if task["status"] in ("completed", "failed", "cancelled"):
                break
            time.sleep(0.1)  # a phone follows the task on /ws/tasks; polling faster would load the daemon
        if task["status"] != "completed":
            raise SystemExit(f"import task {task['status']}: {task['error_message']}")
        result = task["result_data"]
    return {
        "seconds": round(time.perf_counter() - t0, 3),
        "as_task": response.status_code == 202,
        "created": result["created_count"],
        "added": result["added_count"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,5000", help="lines per file, comma separated")
    parser.add_argument("--parts", type=int, default=10_000, help="parts in the inventory before the imports")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--idle-seconds", type=float, default=4.0)
    parser.add_argument("--large", type=int, default=0, help="lines of the very large imports (0: none)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    with tempfile.TemporaryDirectory(prefix="mm-bench-import-") as tmp:
        data_dir, drive = Path(tmp) / "data", Path(tmp) / "drive"
        data_dir.mkdir()
        drive.mkdir()
        log(f"seeding {args.parts} parts")
        seeding = seed(data_dir, args.parts, 0)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = Path(tmp) / "daemon.log"
        proc = start_daemon(data_dir, drive, port, log_path)
        imports: list[dict[str, Any]] = []
        large: dict[str, Any] | None = None
        alone: list[dict[str, Any]] = []
        try:
            wait_healthy(url, proc, log_path)
            daemon = psutil.Process(proc.pid)
            token = httpx.post(url + "/api/auth/login", json={"username": "admin", "password": PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            stop = threading.Event()
            threading.Timer(args.idle_seconds, stop.set).start()
            log("measuring idle latency")
            idle = [dt for _, dt in measure(url, headers, args.clients, stop, args.parts)]
            rss_before = rss_mb(daemon)
            peak = [rss_before]
            sampling = threading.Event()

            child_peak = [0.0]

            def sample() -> None:
                while not sampling.wait(0.05):
                    peak.append(rss_mb(daemon))
                    for child in daemon.children():  # the import worker, while one runs
                        with contextlib.suppress(psutil.Error):
                            child_peak[0] = max(child_peak[0], rss_mb(child))

            sampler = threading.Thread(target=sample)
            sampler.start()
            for batch, lines in enumerate(sizes, 11):
                log(f"importing {lines} lines alone")
                done = run_import(
                    url, headers, f"LCSC_Exported__2025010{batch % 10}_120000.csv", lcsc_file(lines, batch, args.parts)
                )
                alone.append({"lines": lines, **done})
            windows: list[tuple[float, float]] = []
            during_stop = threading.Event()
            timed: list[tuple[float, float]] = []
            load = threading.Thread(
                target=lambda: timed.extend(measure(url, headers, args.clients, during_stop, args.parts))
            )
            load.start()
            time.sleep(0.3)
            for batch, lines in enumerate(sizes, 1):
                content = lcsc_file(lines, batch, args.parts)
                name = f"LCSC_Exported__2026010{batch}_120000.csv"
                log(f"importing {lines} lines")
                start = time.perf_counter()
                done = run_import(url, headers, name, content)
                windows.append((start, time.perf_counter()))
                imports.append({"lines": lines, "file_bytes": len(content), **done})
            during_stop.set()
            load.join()
            sampling.set()
            sampler.join()
            rss_after = rss_mb(daemon)
            during = [dt for at, dt in timed if any(a <= at <= b for a, b in windows)]
            if args.large:

                def make(batch: int) -> bytes:
                    return lcsc_file(args.large, batch, args.parts, short=True)

                large = import_large.run(url, headers, proc, make, args.large)
                large["stop_after_large_imports_seconds"] = import_large.stop_daemon(proc)

                def restart() -> subprocess.Popen[bytes]:
                    started = start_daemon(data_dir, drive, port, log_path)
                    wait_healthy(url, started, log_path, timeout=600)
                    return started

                content = make(36)
                proc, large["stop_at_15_percent"] = import_large.stop_and_restart(url, headers, restart, content)
        finally:
            stop_seconds = import_large.stop_daemon(proc)
    ratio = round(p95(during) / p95(idle), 2) if idle and during else None
    seconds: dict[int, float] = {}
    for entry in (*alone, *imports):  # the slower of alone and under load
        seconds[entry["lines"]] = max(seconds.get(entry["lines"], 0.0), entry["seconds"])
    report = {
        "benchmark": "imports",
        "machine": {
            "nproc": psutil.cpu_count(),
            "cpu_model": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
        },
        "parameters": {"sizes": sizes, "parts": args.parts, "clients": args.clients, "large": args.large},
        "seeding": seeding,
        "imports_alone": alone,
        "imports": imports,
        "daemon": {
            "rss_before_mb": rss_before,
            "rss_peak_mb": max(peak),
            "rss_after_mb": rss_after,
            "rss_growth_mb": round(max(peak) - rss_before, 1),
            "import_worker_peak_rss_mb": child_peak[0],
            "exit_status": proc.returncode,
            "stop_seconds": stop_seconds,
        },
        "large_import": large,
        "api": {
            "idle_requests": len(idle),
            "idle_p95_ms": round(p95(idle), 2),
            "during_requests": len(during),
            "during_p95_ms": round(p95(during), 2),
            "ratio": ratio,
        },
        "targets": {
            "500_lines_under_2s": seconds.get(500, 0) < 2 if 500 in seconds else None,
            "5000_lines_under_15s": seconds.get(5000, 0) < 15 if 5000 in seconds else None,
            "rss_growth_under_50mb": max(peak) - rss_before < 50,
            "api_p95_under_2x_idle": ratio < 2 if ratio is not None else None,
        },
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
