"""The BOM and value-search benchmarks run end to end at a tiny size and print their JSON (no timing is checked)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from daemon_process import ROOT

pytestmark = pytest.mark.bench  # run by the full suite; left out of the fast part

BENCH = ROOT / "scripts" / "bench"


def _run(script: str, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args], capture_output=True, text=True, cwd=ROOT, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, object] = json.loads(done.stdout)
    return report


def test_bom_benchmark_prints_one_json_object() -> None:
    report = _run("bom.py", "--parts", "300", "--lines", "40", "--rounds", "1")
    assert {"benchmark", "machine", "bom", "preview", "import", "read_lines", "target"} <= report.keys()
    assert report["bom"]["lines"] == 40  # type: ignore[index]


def test_search_values_benchmark_prints_one_json_object() -> None:
    report = _run("search_values.py", "--parts", "300", "--rounds", "1")
    queries = report["queries"]
    assert isinstance(queries, dict) and set(queries["10 kOhm"]) == {"before", "after"}
