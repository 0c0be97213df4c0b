"""What an Idempotency-Key costs: a stock take without a key, with a fresh key, and a repeat (the replay).

    .venv/bin/python scripts/bench/idempotency.py [--requests 200]

Builds the daemon's services in a temporary data dir (production settings: synchronous FULL, real
bcrypt cost) and drives the app in-process (Litestar's TestClient: the whole ASGI stack, no socket),
so the figures are the mechanism's own cost: a fresh key adds one lookup and one stored answer (a
write through the one writer), a repeat skips the route and reads the stored answer. Prints ONE
JSON object on stdout: the median and p95 in ms of each kind of request.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from makermatrix_edge.app import create_app
from makermatrix_edge.daemon import build_services
from makermatrix_edge.settings import load_settings

PASSWORD = "bench-idempotency-pw-1"


def timed(send: Any, n: int) -> dict[str, float]:
    took = []
    for i in range(n):
        start = time.perf_counter()
        answer = send(i)
        took.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.text
    took.sort()
    return {"median_ms": round(statistics.median(took), 2), "p95_ms": round(took[int(len(took) * 0.95) - 1], 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=200)
    n = parser.parse_args().requests
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(None, env={}, overrides={"storage": {"data_dir": str(Path(folder) / "data")}})
        services = build_services(settings, admin_password=PASSWORD)
        try:
            with TestClient(create_app(services)) as client:
                token = client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
                headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
                made = client.post(
                    "/api/parts/add_part", json={"part_name": "BC547", "quantity": 10**6}, headers=headers
                )
                url = f"/api/parts/{made.json()['data']['id']}/adjust"
                body = {"delta": -1, "reason": "bench"}

                def keyed(key: str) -> dict[str, str]:
                    return {**headers, "Idempotency-Key": key}

                timed(lambda i: client.post(url, json=body, headers=headers), 20)  # warm-up
                figures = {
                    "no_key": timed(lambda i: client.post(url, json=body, headers=headers), n),
                    "fresh_key": timed(lambda i: client.post(url, json=body, headers=keyed(uuid.uuid4().hex)), n),
                    "repeat_replayed": timed(lambda i: client.post(url, json=body, headers=keyed("same")), n),
                }
        finally:
            services.close()
    report = {
        "benchmark": "idempotency",
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "parameters": {"requests": n, "synchronous": "FULL", "transport": "in-process ASGI (TestClient)"},
        "requests": figures,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
