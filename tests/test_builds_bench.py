"""The 'can I build N' benchmark runs end to end at a tiny size and prints its JSON (no timing is checked)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from daemon_process import ROOT

pytestmark = pytest.mark.bench  # run by the full suite; left out of the fast part

BENCH = ROOT / "scripts" / "bench" / "builds.py"


def test_builds_benchmark_prints_one_json_object() -> None:
    args = [sys.executable, str(BENCH), "--parts", "600", "--lines", "40", "--requests", "4", "--build-requests", "2"]
    done = subprocess.run([*args, "--warmup", "1"], capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["benchmark"] == "builds" and report["seeding"]["parts"] == 600
    assert report["in_process_buildable"]["requests"] == 4
    http = report["http"]
    assert http["buildable"]["requests"] == 4 and http["buildable"]["errors"] == 0
    assert http["start_build"]["requests"] == 2
    assert http["cancel_build"]["requests"] + http["start_build"]["refused_short"] == 2
    assert report["targets"]["buildable_p95_ms"]["target"] == 50.0
    assert "[bench]" in done.stderr and "[bench]" not in done.stdout
