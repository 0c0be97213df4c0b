"""The label benchmark runs end to end at a tiny size and prints its JSON (no timing is checked)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from daemon_process import ROOT

pytestmark = pytest.mark.bench  # run by the full suite; left out of the fast part

BENCH = ROOT / "scripts" / "bench" / "labels.py"


def test_labels_benchmark_prints_one_json_object() -> None:
    args = [sys.executable, str(BENCH), "--repeat", "2", "--requests", "2", "--prints", "1"]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["benchmark"] == "labels"
    assert report["templates"]["part-29x90"]["dots"] == [306, 991]
    assert {"median", "p95"} <= report["templates"]["part-29x90"]["total_ms"].keys()
    assert report["http"]["print_states"] == ["done"]
    assert "[bench]" in done.stderr and "[bench]" not in done.stdout
