"""Live-update benchmark: N WebSocket clients watch tasks that report progress at a set total rate.

    .venv/bin/python scripts/bench/tasks.py [--clients 50] [--rate 200] [--seconds 10] [--tasks 4]

Starts `makermatrix-edge serve` (production defaults, test tasks on) on a free 127.0.0.1 port in a
temporary data dir, connects the clients to /ws/tasks, has each subscribe to every task, then
lets the tasks run. Each progress update carries the time it was reported at, so every client
measures update -> screen delay. Prints ONE JSON object on stdout (progress on stderr): delivered
update rate, updates lost by clients that kept up, p50/p95/p99 delay, daemon RSS and CPU.
Bounded: the run ends after --seconds plus a grace, the daemon gets SIGTERM, the temp dir goes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_SCRIPT = Path(sys.executable).parent / "makermatrix-edge"
PASSWORD = "bench-tasks-password-1"
TARGET_P95_MS = 50.0


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    return round(sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))], 2)


class Daemon:
    def __init__(self, data_dir: Path, log_path: Path, env_extra: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKERMATRIX_EDGE_")}
        env.update(env_extra)
        args = [str(CONSOLE_SCRIPT), "serve", "--config", str(ROOT / "config" / "makermatrix-edge.toml")]
        args += ["--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(self.port)]
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        self.ps = psutil.Process(self.proc.pid)

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.proc.returncode}")
            try:
                if httpx.get(self.url + "/api/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError("daemon not healthy in time")

    def usage(self) -> tuple[float, float]:
        """(cpu seconds so far, rss MB now)."""
        cpu = self.ps.cpu_times()
        return cpu.user + cpu.system, self.ps.memory_info().rss / 1024 / 1024

    def stop(self) -> int | None:
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None
        finally:
            self._log.close()


@dataclass
class Client:
    delays_ms: list[float] = field(default_factory=list)
    steps: dict[str, set[int]] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    closed: str | None = None  # close reason if the server cut it off
    first: float | None = None
    last: float | None = None


async def watch(ws: ClientConnection, client: Client, task_ids: list[str], deadline: float) -> None:
    wanted = set(task_ids)
    try:
        while client.done != wanted:
            raw = await asyncio.wait_for(ws.recv(), timeout=max(0.01, deadline - time.monotonic()))
            now = time.time()
            message = json.loads(raw)
            if message.get("type") != "task_update":
                continue
            data = message["data"]
            if data["status"] == "completed":
                client.done.add(data["id"])
                continue
            step = data.get("current_step") or ""
            if not step.startswith("step "):
                continue
            _, fraction, stamp = step.split()[:3]
            client.steps.setdefault(data["id"], set()).add(int(fraction.split("/")[0]))
            client.delays_ms.append((now - float(stamp[2:])) * 1000)
            client.first = client.first or now
            client.last = now
    except TimeoutError:
        pass
    except Exception as exc:  # closed by the server (too far behind) or the connection failed
        client.closed = f"{type(exc).__name__}: {exc}"


async def run_clients(args: argparse.Namespace, daemon: Daemon, token: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    url = f"ws://127.0.0.1:{daemon.port}/ws/tasks?token={token}"
    sockets = [await connect(url, max_size=2**20, compression=None) for _ in range(args.clients)]
    for ws in sockets:
        assert json.loads(await ws.recv())["type"] == "connection"
    steps = max(1, round(args.rate / args.tasks * args.seconds))
    interval_ms = round(1000 * args.tasks / args.rate)
    async with httpx.AsyncClient(base_url=daemon.url, headers=headers, timeout=10) as http:
        await http.post("/api/tasks/worker/stop")
        task_ids = []
        for _ in range(args.tasks):
            body = {"steps": steps, "interval_ms": interval_ms, "max_retries": 0}
            created = await http.post("/api/tasks/quick/test_progress", json=body)
            created.raise_for_status()
            task_ids.append(created.json()["data"]["id"])
        for ws in sockets:
            for task_id in task_ids:
                await ws.send(json.dumps({"type": "subscribe_task", "task_id": task_id, "exclusive": True}))
        await asyncio.sleep(0.5)  # let the acks and snapshots arrive before measuring
        clients = [Client() for _ in sockets]
        deadline = time.monotonic() + args.seconds + args.grace
        cpu_before, _ = daemon.usage()
        started = time.monotonic()
        watchers = [
            asyncio.create_task(watch(ws, c, task_ids, deadline)) for ws, c in zip(sockets, clients, strict=True)
        ]
        await http.post("/api/tasks/worker/start")
        rss_peak = 0.0
        while not all(w.done() for w in watchers):
            await asyncio.sleep(0.25)
            rss_peak = max(rss_peak, daemon.usage()[1])
        wall = time.monotonic() - started
        cpu_after, rss_now = daemon.usage()
        final = [(await http.get(f"/api/tasks/{t}")).json()["data"]["status"] for t in task_ids]
    for ws in sockets:
        await ws.close()
    produced = steps * args.tasks
    kept_up = [c for c in clients if c.closed is None]
    delays = sorted(d for c in clients for d in c.delays_ms)
    delivered = sum(len(c.delays_ms) for c in clients)
    span = max((c.last or 0) for c in clients) - min((c.first or 1e18) for c in clients) if delivered else 0
    lost = sum(produced - sum(len(s) for s in c.steps.values()) for c in kept_up)
    return {
        "parameters": {**vars(args), "steps_per_task": steps, "interval_ms": interval_ms},
        "updates_produced": produced,
        "tasks_final_status": final,
        "clients_connected": len(clients),
        "clients_cut_off": len(clients) - len(kept_up),
        "updates_delivered": delivered,
        "delivered_updates_per_second": round(delivered / span, 1) if span else None,
        "delivered_updates_per_second_per_client": round(delivered / span / len(clients), 1) if span else None,
        "lost_updates_clients_that_kept_up": lost,
        "delay_ms": {"p50": percentile(delays, 0.5), "p95": percentile(delays, 0.95), "p99": percentile(delays, 0.99)},
        "daemon": {
            "cpu_seconds": round(cpu_after - cpu_before, 2),
            "cpu_percent_of_one_core": round(100 * (cpu_after - cpu_before) / wall, 1),
            "rss_mb": round(rss_now, 1),
            "peak_rss_mb_during_run": round(rss_peak, 1),
        },
        "wall_seconds": round(wall, 2),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="WebSocket clients")
    parser.add_argument("--rate", type=float, default=200, help="progress updates per second, all tasks together")
    parser.add_argument("--seconds", type=float, default=10, help="how long the tasks report progress")
    parser.add_argument("--tasks", type=int, default=4, help="tasks running at once")
    parser.add_argument("--grace", type=float, default=15, help="extra seconds before giving up on a client")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="mme-bench-tasks-"))
    env = {
        "MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD,
        "MAKERMATRIX_EDGE_TASKS__ENABLE_TEST_TASKS": "true",
        "MAKERMATRIX_EDGE_TASKS__CONCURRENCY": str(args.tasks),
        "MAKERMATRIX_EDGE_TASKS__MAX_ACTIVE_PER_USER": str(args.tasks + 10),
        "MAKERMATRIX_EDGE_WEBSOCKET__MAX_CONNECTIONS": str(args.clients + 10),
        "MAKERMATRIX_EDGE_WEBSOCKET__MAX_PER_USER": str(args.clients + 10),  # every client is the one admin
        "MAKERMATRIX_EDGE_SCHEDULE__DATABASE_CLEANUP": "false",
        "MAKERMATRIX_EDGE_ACCOUNTS__BCRYPT_COST": "4",
    }
    daemon = None
    try:
        daemon = Daemon(work / "data", work / "daemon.log", env)
        daemon.wait_healthy()
        log(f"daemon up on {daemon.url}; {args.clients} clients, {args.rate:g} updates/s for {args.seconds:g} s")
        login = httpx.post(daemon.url + "/api/auth/login", json={"username": "admin", "password": PASSWORD})
        login.raise_for_status()
        result = asyncio.run(run_clients(args, daemon, login.json()["access_token"]))
        result["daemon"]["exit_status"] = daemon.stop()
        p95 = result["delay_ms"]["p95"]
        report = {
            "benchmark": "tasks_websocket",
            "machine": {"nproc": os.cpu_count(), "arch": platform.machine(), "python": platform.python_version()},
            **result,
            "targets": {
                "no_update_lost": result["lost_updates_clients_that_kept_up"] == 0,
                "p95_delay_under_ms": TARGET_P95_MS,
                "met": p95 is not None and p95 < TARGET_P95_MS and result["lost_updates_clients_that_kept_up"] == 0,
            },
        }
        print(json.dumps(report))
        log("done")
        return 0
    finally:
        if daemon is not None:
            daemon.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
