"""The import benchmark runs end to end at a tiny size and prints its JSON (no timing is checked)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from daemon_process import ROOT

pytestmark = pytest.mark.bench  # run by the full suite; left out of the fast part

BENCH = ROOT / "scripts" / "bench" / "imports.py"


def test_imports_benchmark_prints_one_json_object() -> None:
    args = [sys.executable, str(BENCH), "--sizes", "10,40", "--parts", "200", "--idle-seconds", "0.5", "--large", "400"]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["benchmark"] == "imports" and report["parameters"]["sizes"] == [10, 40]
    # Every fifth line is a part the bench already had: those add stock, the others are new parts.
    assert [(i["lines"], i["created"], i["added"]) for i in report["imports"]] == [(10, 8, 2), (40, 32, 8)]
    # The same sizes were imported alone first (other orders, so not refused as repeats).
    assert [(i["lines"], i["created"], i["added"]) for i in report["imports_alone"]] == [(10, 8, 2), (40, 32, 8)]
    assert report["daemon"]["exit_status"] == 0 and report["daemon"]["rss_growth_mb"] >= 0
    assert report["api"]["idle_requests"] > 0
    large = report["large_import"]
    assert large["lines"] == 400 and large["writes_during_one_import"]["failures"] == 0
    assert large["cancel_at_15_percent"]["parts_left_over"] in (0, 320)  # taken back, or done before the cancel
    assert large["stop_at_15_percent"]["parts_left_over"] == 0 and large["stop_at_15_percent"]["exit_status"] == 0
    assert set(report["targets"]) == {
        "500_lines_under_2s",
        "5000_lines_under_15s",
        "rss_growth_under_50mb",
        "api_p95_under_2x_idle",
    }
