"""Replication benchmark: what Litestream costs the Pi (issue 27).

Starts the real daemon twice on 127.0.0.1 at the same time, one without and one with [replication]
to a folder standing in for the USB drive, and makes N stock changes in each, alternating between
them (POST /api/parts/{id}/adjust, one at a time, as a person at the bench makes them), so a busy
machine's noise falls on both alike; p50/p95 of each; the bytes the
daemon and the Litestream child wrote to storage (/proc/PID/io write_bytes: SD-card wear) per
1 000 changes; the child's CPU and RSS at idle (10 s) and during the changes. Prints one JSON object.

    .venv/bin/python scripts/bench/replication.py --changes 1000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "bench-admin-pw-1"
IDLE_SECONDS = 10.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def written(pid: int) -> int:
    """Bytes this process caused to be written to storage (not page-cache writes later dropped)."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


class Run:
    def __init__(self, work: Path, replica: Path | None) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="replicated-" if replica else "plain-", dir=work))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKERMATRIX_EDGE_")}
        env.update({"MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD, "MAKERMATRIX_EDGE_ACCOUNTS__BCRYPT_COST": "4"})
        if replica is not None:
            env["MAKERMATRIX_EDGE_REPLICATION__ENABLED"] = "true"
            env["MAKERMATRIX_EDGE_REPLICATION__REPLICAS"] = f'["file://{replica}"]'
        script = Path(sys.executable).parent / "makermatrix-edge"
        args = [str(script), "serve", "--data-dir", str(self.data_dir), "--host", "127.0.0.1"]
        self.log_file = (work / f"daemon-{self.port}.log").open("wb")
        self.proc = subprocess.Popen(
            [*args, "--port", str(self.port)], stdout=self.log_file, stderr=self.log_file, env=env
        )
        self.client = httpx.Client(base_url=self.url, timeout=10.0)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if self.client.get("/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        token = self.client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
        self.client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def child(self) -> psutil.Process | None:
        for proc in psutil.Process(self.proc.pid).children(recursive=True):
            if proc.name() == "litestream":
                return proc
        return None

    def wait_replicating(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = self.client.get("/api/health").json()["data"]["devices"]["replication"]
            if state["state"] == "ready":
                return
            time.sleep(0.2)
        raise SystemExit(f"replication never became ready: {state}")

    def prepare(self) -> None:
        part = self.client.post("/api/parts/add_part", json={"part_name": "Bench resistor", "quantity": 0})
        self.part_id = part.json()["data"]["id"]
        self.child_proc = self.child()
        self.written_before = (written(self.proc.pid), written(self.child_proc.pid) if self.child_proc else 0)
        self.cpu_before = sum(self.child_proc.cpu_times()[:2]) if self.child_proc else 0.0
        self.samples: list[float] = []
        self.started = time.perf_counter()

    def change(self, i: int) -> None:
        t0 = time.perf_counter()
        response = self.client.post(f"/api/parts/{self.part_id}/adjust", json={"delta": 1 if i % 2 else 2})
        self.samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.text

    def figures(self) -> dict[str, Any]:
        n, wall = len(self.samples), time.perf_counter() - self.started
        out: dict[str, Any] = {
            "write_p50_ms": round(statistics.median(self.samples), 2),
            "write_p95_ms": round(p95(self.samples), 2),
            "daemon_bytes_written_per_1000": round((written(self.proc.pid) - self.written_before[0]) * 1000 / n),
        }
        child = self.child_proc
        if child:
            out["litestream_bytes_written_per_1000"] = round((written(child.pid) - self.written_before[1]) * 1000 / n)
            out["litestream_cpu_percent_under_writes"] = round(
                (sum(child.cpu_times()[:2]) - self.cpu_before) / wall * 100, 1
            )
            out["litestream_rss_mb_under_writes"] = round(child.memory_info().rss / 2**20, 1)
        return out

    def idle(self) -> dict[str, Any]:
        child = self.child()
        if child is None:
            return {}
        before = sum(child.cpu_times()[:2])
        time.sleep(IDLE_SECONDS)
        return {
            "litestream_cpu_percent_idle": round((sum(child.cpu_times()[:2]) - before) / IDLE_SECONDS * 100, 2),
            "litestream_rss_mb_idle": round(child.memory_info().rss / 2**20, 1),
        }

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log_file.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--work", type=Path, default=None, help="folder on the disk to measure (default /var/tmp)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mm-bench-replication-", dir=args.work or "/var/tmp"))
    result: dict[str, Any] = {"machine": platform.machine(), "cpus": os.cpu_count(), "changes": args.changes}
    try:
        for round_ in range(1, args.rounds + 1):
            replica = work / f"usb-{round_}" / "makermatrix"
            replica.mkdir(parents=True)
            log(f"round {round_}: both daemons, one without and one with replication to a folder")
            plain, run = Run(work, None), Run(work, replica)
            try:
                run.wait_replicating()
                idle = run.idle()
                plain.prepare()
                run.prepare()
                # Paired and alternating: the noise of a busy machine falls on both alike.
                for i in range(args.changes):
                    first, second = (plain, run) if i % 2 else (run, plain)
                    first.change(i)
                    second.change(i)
                time.sleep(2.0)  # the last changes reach the replica before its writes are counted
                result[f"plain_{round_}"] = plain.figures()
                result[f"replicated_{round_}"] = {**idle, **run.figures()}
            finally:
                plain.stop()
                run.stop()
            result[f"replica_bytes_{round_}"] = sum(p.stat().st_size for p in replica.rglob("*") if p.is_file())
            result[f"p95_ratio_{round_}"] = round(
                result[f"replicated_{round_}"]["write_p95_ms"] / result[f"plain_{round_}"]["write_p95_ms"], 2
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
