"""The live-update benchmark runs end to end at a tiny size and prints its JSON (no timing is checked)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from daemon_process import ROOT

pytestmark = pytest.mark.bench  # run by the full suite; left out of the fast part

BENCH = ROOT / "scripts" / "bench" / "tasks.py"


def test_tasks_benchmark_prints_one_json_object() -> None:
    args = [sys.executable, str(BENCH), "--clients", "3", "--rate", "40", "--seconds", "1", "--tasks", "2"]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["benchmark"] == "tasks_websocket" and report["clients_connected"] == 3
    assert report["updates_produced"] == 40 and report["tasks_final_status"] == ["completed", "completed"]
    assert report["updates_delivered"] == 120 and report["lost_updates_clients_that_kept_up"] == 0
    assert {"p50", "p95", "p99"} <= report["delay_ms"].keys()
    assert {"cpu_seconds", "cpu_percent_of_one_core", "rss_mb", "exit_status"} <= report["daemon"].keys()
    assert report["daemon"]["exit_status"] == 0
    assert "[bench]" in done.stderr and "[bench]" not in done.stdout
