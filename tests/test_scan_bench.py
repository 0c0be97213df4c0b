"""The scanning benchmark runs end to end at a tiny size and prints its JSON (no timing is checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench  # run by the full suite; left out of the fast part

ROOT = Path(__file__).resolve().parent.parent


def test_scanning_benchmark_prints_one_json_object() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench" / "scanning.py"), "--quick", "--cpu-size", "640x480"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {"decode_ms", "frame_to_event_ms", "scan_loop_cpu", "targets"} <= report.keys()
    assert report["decode_ms"]["640x480_datamatrix"]["codes_found"] == 1
    assert report["decode_ms"]["1280x720_none"]["codes_found"] == 0
    assert report["frame_to_event_ms"]["events"] == 4
    assert report["scan_loop_cpu"]["default_10fps"]["frames"] > 0
    assert "[bench]" in done.stderr and "[bench]" not in done.stdout
