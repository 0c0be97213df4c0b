"""The enrichment benchmark runs end to end at a tiny size and prints its JSON (no timing is checked)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from daemon_process import ROOT

pytestmark = pytest.mark.bench  # run by the full suite; left out of the fast part

BENCH = ROOT / "scripts" / "bench" / "enrichment.py"


def test_enrichment_benchmark_prints_one_json_object() -> None:
    args = [sys.executable, str(BENCH), "--parts", "6", "--probes", "5", "--rate", "6000"]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert {"rate_limited", "unlimited", "targets"} <= report.keys()
    limited = report["rate_limited"]
    assert limited["task"] == {"total": 6, "enriched": 6, "unchanged": 0, "failed": 0}
    assert limited["rate_floor_seconds"] == 0.12 and limited["api_idle"]["n"] == 5
    for run in report["unlimited"]["with_files"], report["unlimited"]["no_files"]:
        assert run["task"]["enriched"] == 6 and run["ours_ms_per_part"] > 0
    assert "[bench]" in done.stderr and "[bench]" not in done.stdout
