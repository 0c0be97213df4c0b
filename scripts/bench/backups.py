"""Backup benchmark: time to back up N parts + M images, and API p95 during the backup / idle p95.

Seeds a data dir (parts straight into SQLite through the gateway, images as incompressible JPEGs),
starts the real daemon (`makermatrix-edge serve`) on 127.0.0.1 with a folder standing in for the
USB drive, measures API latency idle, then again while a backup task runs. Prints one JSON object.

    .venv/bin/python scripts/bench/backups.py --parts 100000 --images 500
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from makermatrix_edge.db.gateway import Database  # noqa: E402

PASSWORD = "bench-admin-pw-1"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def seed(data_dir: Path, parts: int, images: int) -> dict[str, float]:
    started = time.perf_counter()
    db = Database(data_dir / "makermatrix.db", synchronous="NORMAL")
    db.open()
    now = "2026-01-01T00:00:00Z"
    batch = 5000
    try:
        for start in range(0, parts, batch):
            rows = [
                (str(uuid.uuid4()), f"Part {i:06d}", f"PN-{i:06d}", f"Bench part number {i}", now, now)
                for i in range(start, min(parts, start + batch))
            ]

            def write(d: Any, rows: list[tuple[str, ...]] = rows) -> None:
                d.conn.executemany(
                    "INSERT INTO parts (id, part_name, part_number, description, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )

            db.write_sync(write)
    finally:
        db.close()
    parts_seconds = time.perf_counter() - started
    folder = data_dir / "images"
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    started = time.perf_counter()
    for _ in range(images):
        noise = Image.frombytes("RGB", (160, 120), rng.randbytes(160 * 120 * 3))
        out = io.BytesIO()
        noise.save(out, "JPEG", quality=90)
        (folder / f"{uuid.uuid4()}.jpg").write_bytes(out.getvalue())
    return {"parts_seconds": round(parts_seconds, 2), "images_seconds": round(time.perf_counter() - started, 2)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_daemon(data_dir: Path, drive: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    config = data_dir.parent / "bench.toml"
    config.write_text(
        f'[server]\nhost = "127.0.0.1"\nport = {port}\n\n[storage]\ndata_dir = "{data_dir}"\n\n'
        f'[backup]\ntarget = "{drive}"\nenabled = false\n\n[logging]\nlevel = "WARNING"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKERMATRIX_EDGE_")}
    env.update({"MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD, "MAKERMATRIX_EDGE_ACCOUNTS__BCRYPT_COST": "4"})
    script = Path(sys.executable).parent / "makermatrix-edge"
    with log_path.open("wb") as out:
        return subprocess.Popen([str(script), "serve", "--config", str(config)], stdout=out, stderr=out, env=env)


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log_path: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise SystemExit(f"daemon exited with {proc.returncode}:\n{tail}")
        try:
            if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("daemon did not become healthy")


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000 if ordered else 0.0


def measure(
    url: str, headers: dict[str, str], clients: int, until: threading.Event, parts: int
) -> list[tuple[float, float]]:
    """(started at, seconds) of every request until `until` is set."""
    samples: list[tuple[float, float]] = []
    lock = threading.Lock()

    def worker(seed_: int) -> None:
        rng = random.Random(seed_)
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            while not until.is_set():
                page = rng.randint(1, max(1, parts // 20))
                path = f"/api/parts/get_all_parts?page={page}&page_size=20"
                if rng.random() < 0.3:
                    path = f"/api/parts/get_part?part_name=Part {rng.randrange(max(parts, 1)):06d}"
                t0 = time.perf_counter()
                client.get(path)
                with lock:
                    samples.append((t0, time.perf_counter() - t0))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=100_000)
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mm-bench-backup-") as tmp:
        data_dir, drive = Path(tmp) / "data", Path(tmp) / "drive"
        data_dir.mkdir()
        drive.mkdir()
        log(f"seeding {args.parts} parts and {args.images} images")
        seeding = seed(data_dir, args.parts, args.images)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = Path(tmp) / "daemon.log"
        proc = start_daemon(data_dir, drive, port, log_path)
        try:
            wait_healthy(url, proc, log_path)
            token = httpx.post(url + "/api/auth/login", json={"username": "admin", "password": PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            stop = threading.Event()
            threading.Timer(args.idle_seconds, stop.set).start()
            log("measuring idle latency")
            idle = [dt for _, dt in measure(url, headers, args.clients, stop, args.parts)]

            during_stop = threading.Event()
            timed: list[tuple[float, float]] = []
            load = threading.Thread(
                target=lambda: timed.extend(measure(url, headers, args.clients, during_stop, args.parts))
            )
            load.start()
            time.sleep(0.5)
            log("backing up under load")
            t0 = time.perf_counter()
            created = httpx.post(url + "/api/utility/backup/create", headers=headers, timeout=30).json()["data"]
            while True:
                task = httpx.get(f"{url}/api/tasks/{created['task_id']}", headers=headers, timeout=30).json()["data"]
                if task["status"] in ("completed", "failed", "cancelled"):
                    break
                time.sleep(0.05)
            backup_seconds = time.perf_counter() - t0
            during_stop.set()
            load.join()
            during = [dt for at, dt in timed if t0 <= at <= t0 + backup_seconds]  # only while it ran
            if task["status"] != "completed":
                raise SystemExit(f"backup failed: {task['error_message']}")
            result = task["result_data"]
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        db_bytes = (data_dir / "makermatrix.db").stat().st_size
    ratio = p95(during) / p95(idle) if idle and during else None
    report = {
        "benchmark": "backups",
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
        },
        "parameters": {"parts": args.parts, "images": args.images, "clients": args.clients},
        "seeding": seeding,
        "backup": {
            "seconds": round(backup_seconds, 2),
            "archive_bytes": result["size_bytes"],
            "database_bytes": db_bytes,
            "verified": result["verified"],
            "counts": result["counts"],
        },
        "latency_ms": {
            "idle_p95": round(p95(idle), 2),
            "during_backup_p95": round(p95(during), 2),
            "idle_requests": len(idle),
            "during_requests": len(during),
        },
        "p95_ratio_during_over_idle": round(ratio, 2) if ratio else None,
        "targets": {"p95_ratio_under": 2.0, "met": bool(ratio is not None and ratio < 2.0)},
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
