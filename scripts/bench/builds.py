"""'Can I build N?' benchmark: a 200-line BOM against 100 000 parts, over HTTP on the real daemon.

    .venv/bin/python scripts/bench/builds.py [--parts 100000] [--lines 200] [--open-builds 5] [--requests 200]

Seeds the same realistic inventory as inventory.py (in-process), writes a project with a --lines BOM
matched to parts spread over the whole table (a few DNP lines, several lines sharing a part) and
--open-builds open builds that reserve some of them (so every answer subtracts reservations), then
starts `makermatrix-edge serve` and times GET /api/projects/{id}/buildable?quantity=N (N varying)
at one client (each followed by GET /api/parts/get_part, the baseline a loaded machine adds to any
request), the same answer computed in-process (no HTTP), and POST .../builds + /cancel (a
reservation checked and written in one transaction, then released). Prints ONE JSON object on
stdout; progress goes to stderr. Target (issue 25 item 11): buildable p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from inventory import ROOT, Daemon, log, machine, percentiles, seed

from makermatrix_edge.daemon import build_services
from makermatrix_edge.projects import buildable
from makermatrix_edge.settings import load_settings

TARGET_P95_MS = 50.0
PASSWORD = "bench-admin-password-1"
NOW = "2026-01-01T00:00:00Z"


def write_project(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    """The BOM (lines matched to random parts; every 40th DNP, every 10th reusing an earlier part) and open builds."""
    settings = load_settings(args.config, env={}, overrides={"storage": {"data_dir": str(data_dir)}})
    services = build_services(settings, admin_password=PASSWORD)
    rng = random.Random(args.seed)
    try:
        # Parts with some stock, as a BOM's parts mostly are: the answer then varies with N (some lines short).
        ids = services.db.read_sync(lambda db: [r[0] for r in db.execute("SELECT id FROM parts WHERE quantity >= 20")])
        chosen = rng.sample(ids, args.lines)
        project = str(uuid.uuid4())

        def write(db: Any) -> None:
            db.execute(
                "INSERT INTO projects (id, name, slug, created_at, updated_at) VALUES (?, 'Bench board', "
                "'bench-board', ?, ?)",
                [project, NOW, NOW],
            )
            for i, part in enumerate(chosen):
                part = chosen[i - 5] if i % 10 == 9 else part  # a part on two lines: shared out line by line
                db.execute(
                    "INSERT INTO bom_lines (project_id, position, designators, quantity_per_board, value, dnp, "
                    "part_id, match_reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'mpn', ?, ?)",
                    [project, i, f"X{i + 1}", rng.choice((1, 1, 1, 2, 4, 10)), f"v{i}", int(i % 40 == 39), part,
                     NOW, NOW],
                )  # fmt: skip
            for n in range(args.open_builds):  # reservations on a few of the same parts
                build = str(uuid.uuid4())
                db.execute(
                    "INSERT INTO builds (id, project_id, quantity, created_at, updated_at) VALUES (?, ?, 1, ?, ?)",
                    [build, project, NOW, NOW],
                )
                for part in chosen[n * 20 : n * 20 + 20]:
                    db.execute(
                        "INSERT INTO build_lines (build_id, part_id, designators, per_board) VALUES (?, ?, 'B', 1)",
                        [build, part],
                    )

        services.db.write_sync(write)
        samples = []
        for i in range(args.requests):
            quantity = 1 + i % 20
            started = time.perf_counter()
            answer = services.db.read_sync(lambda db, q=quantity: buildable.check(db, project, q))
            samples.append(time.perf_counter() - started)
        assert len(answer.lines) == args.lines
        return {"project": project, "in_process": {"requests": len(samples), **percentiles(samples)}}
    finally:
        services.close()


def measure_http(url: str, project: str, args: argparse.Namespace) -> dict[str, Any]:
    token = httpx.post(url + "/api/auth/login", json={"username": "admin", "password": PASSWORD}, timeout=30)
    token.raise_for_status()
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    out: dict[str, Any] = {}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        for i in range(args.warmup):
            client.get(f"/api/projects/{project}/buildable", params={"quantity": 1 + i})
        samples, baseline, errors, most, size = [], [], 0, 0, 0
        one_part = client.get("/api/parts/get_all_parts", params={"page_size": 1}).json()["data"][0]["id"]
        for i in range(args.requests):
            started = time.perf_counter()
            r = client.get(f"/api/projects/{project}/buildable", params={"quantity": 1 + i % 20})
            samples.append(time.perf_counter() - started)
            errors += not r.is_success
            most, size = (r.json()["data"]["max_buildable"], len(r.content)) if r.is_success else (most, size)
            # The smallest read of the same API, interleaved: what the machine's load costs every request.
            started = time.perf_counter()
            client.get("/api/parts/get_part", params={"part_id": one_part})
            baseline.append(time.perf_counter() - started)
        out["buildable"] = {"requests": len(samples), "errors": errors, "max_buildable": most, "json_bytes": size,
                            **percentiles(samples)}  # fmt: skip
        out["baseline_get_part"] = {"requests": len(baseline), **percentiles(baseline)}
        starts, cancels, refused = [], [], 0
        for _ in range(args.build_requests):
            started = time.perf_counter()
            r = client.post(f"/api/projects/{project}/builds", json={"quantity": 1})
            starts.append(time.perf_counter() - started)
            if r.status_code != 201:  # the shelf cannot: the refusal (with its answer) is timed as well
                refused += 1
                continue
            started = time.perf_counter()
            client.post(f"/api/builds/{r.json()['data']['id']}/cancel")
            cancels.append(time.perf_counter() - started)
        out["start_build"] = {"requests": len(starts), "refused_short": refused, **percentiles(starts)}
        out["cancel_build"] = {"requests": len(cancels), **percentiles(cancels)}
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", type=int, default=100_000, help="parts to seed (default 100000)")
    parser.add_argument("--lines", type=int, default=200, help="BOM lines (default 200)")
    parser.add_argument("--open-builds", type=int, default=5, help="open builds reserving parts (default 5)")
    parser.add_argument("--requests", type=int, default=200, help="buildable requests (default 200)")
    parser.add_argument("--build-requests", type=int, default=30, help="start + cancel pairs (default 30)")
    parser.add_argument("--warmup", type=int, default=5, help="unrecorded requests first")
    parser.add_argument("--batch", type=int, default=5000, help="parts per seeding transaction")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "dev.toml", help="daemon config file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="mme-bench-builds-"))
    data_dir = work / "data"
    daemon: Daemon | None = None
    try:
        log(f"seeding {args.parts} parts into {data_dir}")
        seeded = seed(args, data_dir)["report"]
        project = write_project(args, data_dir)
        log(f"project written; in-process: {project['in_process']}")
        daemon = Daemon(args.config, data_dir, work / "daemon.log")
        daemon.wait_healthy()
        http = measure_http(daemon.url, project["project"], args)
        report = {
            "benchmark": "builds",
            "machine": machine(),
            "parameters": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "seeding": {"parts": seeded["parts"]},
            "in_process_buildable": project["in_process"],
            "http": http,
            "daemon_after_run": daemon.status(),
            "targets": {
                "buildable_p95_ms": {
                    "target": TARGET_P95_MS,
                    "measured": http["buildable"]["p95_ms"],
                    "met": http["buildable"]["p95_ms"] < TARGET_P95_MS,
                }
            },
        }
        print(json.dumps(report, indent=2))
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
