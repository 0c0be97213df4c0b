"""The places benchmark runs end to end at a tiny size and prints its JSON (no timing is checked)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from daemon_process import ROOT

pytestmark = pytest.mark.bench  # run by the full suite; left out of the fast part

FIGURES = {"part_places", "transfer", "search_by_location", "activity_recent_50", "activity_stats_24h",
           "dashboard_summary"}  # fmt: skip


def test_places_benchmark_prints_one_json_object() -> None:
    args = [sys.executable, str(ROOT / "scripts" / "bench" / "places.py"), "--parts", "60", "--movements", "50"]
    done = subprocess.run([*args, "--cassettes", "5", "--runs", "3"], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert (report["parts"], report["movements"], report["cassettes"]) == (60, 50, 5)
    assert report.keys() >= FIGURES
    assert all({"median_ms", "p95_ms"} == set(report[name]) for name in FIGURES)
    assert "5 cassettes" in done.stderr
