"""Label benchmark: render + convert time per built-in template, and preview/print latency over HTTP.

    .venv/bin/python scripts/bench/labels.py [--repeat 50] [--requests 50] [--model QL-700]

Part 1 runs in-process: each built-in template is rendered (Pillow + qrcode, bundled DejaVu Sans)
and converted to QL raster bytes (brother_ql), --repeat times; median and p95 per template.
Part 2 starts `makermatrix-edge serve` on a free 127.0.0.1 port in a temp data dir with the
simulated printer ([printer] kind = "fake"), adds a part, and times --requests previews
(POST /api/printer/preview) and a few confirmed prints (wait=true) end to end over HTTP.
Prints ONE JSON object on stdout (progress on stderr). Target: 29x90 part label < 30 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from makermatrix_edge.devices.printer.media import label_size
from makermatrix_edge.labels.raster import to_instructions
from makermatrix_edge.labels.render import render
from makermatrix_edge.labels.templates import BUILTIN

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_SCRIPT = Path(sys.executable).parent / "makermatrix-edge"
PASSWORD = "bench-labels-password-1"
TARGET_29X90_MS = 30.0
VALUES = {
    "part_name": "Resistor 10k 0603 1% thick film",
    "part_number": "RC0603FR-0710KL",
    "location": "Drawer A2",
    "location_path": "Bench / Cabinet 1 / Drawer A2",
    "description": "General purpose chip resistor, 0.1 W, 75 V",
}
URL = "http://bench.local:8080/p/5b1f3c1e-1234-4c4d-8e8e-123456789abc"


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def stats_ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return {"median": round(statistics.median(ordered) * 1000, 2), "p95": round(p95 * 1000, 2)}


def in_process(repeat: int, model: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for template in BUILTIN:
        size = label_size(template.label_size)
        render(template, VALUES, URL)  # warm the font cache, as a running daemon has it
        renders, converts, totals = [], [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            image = render(template, VALUES, URL)
            t1 = time.perf_counter()
            to_instructions(image, size, model)
            t2 = time.perf_counter()
            renders.append(t1 - t0)
            converts.append(t2 - t1)
            totals.append(t2 - t0)
        out[template.id] = {
            "label": size.name,
            "dots": list(image.size),
            "render_ms": stats_ms(renders),
            "convert_ms": stats_ms(converts),
            "total_ms": stats_ms(totals),
        }
        log(f"{template.id}: {out[template.id]['total_ms']}")
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def over_http(requests: int, prints: int) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-labels-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKERMATRIX_EDGE_")}
        env.update(
            MAKERMATRIX_EDGE_ADMIN_PASSWORD=PASSWORD,
            MAKERMATRIX_EDGE_PRINTER__KIND="fake",
            MAKERMATRIX_EDGE_PRINTER__FAKE_MEDIA="29x90",
            MAKERMATRIX_EDGE_MDNS__ENABLED="false",
        )
        args = [str(CONSOLE_SCRIPT), "serve", "--config", str(ROOT / "config" / "makermatrix-edge.toml")]
        args += ["--data-dir", tmp, "--host", "127.0.0.1", "--port", str(port)]
        with (Path(tmp) / "daemon.log").open("wb") as daemon_log:
            proc = subprocess.Popen(args, stdout=daemon_log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
            try:
                return _measure(url, proc, requests, prints)
            finally:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()


def _measure(url: str, proc: subprocess.Popen[bytes], requests: int, prints: int) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    with httpx.Client(base_url=url, timeout=30) as http:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {proc.returncode}")
            try:
                if http.get("/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("daemon not healthy in time")
            time.sleep(0.05)
        token = http.post("/api/auth/login", json={"username": "admin", "password": PASSWORD}).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        part = http.post("/api/parts/add_part", json={"part_name": VALUES["part_name"], "part_number": "RC0603"})
        part_id = part.json()["data"]["id"]
        body = {"part_id": part_id, "label_size": "29x90"}
        http.post("/api/printer/preview", json=body)  # warm-up
        previews = []
        for _ in range(requests):
            t0 = time.perf_counter()
            answer = http.post("/api/printer/preview", json=body)
            previews.append(time.perf_counter() - t0)
            assert answer.status_code == 200, answer.text
        combined = []  # MakerMatrix's route: the same PNG, base64 in JSON
        for _ in range(requests):
            t0 = time.perf_counter()
            answer = http.post(f"/api/preview/part/combined/{part_id}", params={"label_size": "29x90"})
            combined.append(time.perf_counter() - t0)
            assert answer.status_code == 200 and answer.json()["success"], answer.text
        printed, states = [], []
        for _ in range(prints):
            t0 = time.perf_counter()
            answer = http.post(f"/api/parts/{part_id}/print", json={"label_size": "29x90", "wait": True})
            printed.append(time.perf_counter() - t0)
            states.append(answer.json()["data"]["state"])
        log(f"preview over HTTP: {stats_ms(previews)}; /api/preview/part/combined: {stats_ms(combined)}")
        log(f"confirmed print: {stats_ms(printed)}")
        return {
            "preview_29x90_ms": stats_ms(previews),
            "makermatrix_combined_preview_29x90_ms": stats_ms(combined),
            "confirmed_print_29x90_ms": stats_ms(printed),
            "print_states": states,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--prints", type=int, default=5)
    parser.add_argument("--model", default="QL-700")
    args = parser.parse_args()
    templates = in_process(args.repeat, args.model)
    http = over_http(args.requests, args.prints)
    part_29x90 = templates["part-29x90"]["total_ms"]["median"]
    report = {
        "benchmark": "labels",
        "machine": platform.machine(),
        "python": platform.python_version(),
        "model": args.model,
        "repeat": args.repeat,
        "templates": templates,
        "http": http,
        "target_29x90_ms": TARGET_29X90_MS,
        "part_29x90_render_convert_median_ms": part_29x90,
        "meets_target": part_29x90 < TARGET_29X90_MS,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
