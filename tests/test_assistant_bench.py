"""The assistant benchmark runs end to end at a tiny size and prints its JSON (no timing is checked)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from daemon_process import ROOT

pytestmark = pytest.mark.bench  # run by the full suite; left out of the fast part

BENCH = ROOT / "scripts" / "bench" / "assistant.py"


def test_assistant_benchmark_prints_one_json_object() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--rounds", "1", "--probes", "5"], capture_output=True, text=True, cwd=ROOT,
        timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["parameters"]["questions"] == 3
    assert {"overhead_ms_p95", "daemon_cpu_ms_per_question", "fake_model_wait_ms_mean"} <= report["per_question"].keys()
    assert set(report["api_component_get"]) == {
        "idle", "question_waiting_on_model", "questions_back_to_back", "hostile_model_answering"
    }  # fmt: skip
    assert report["hostile_model"]["questions"] >= 1 and report["hostile_model"]["cut_off_every_time"] is True
    assert report["daemon"]["rss_mb_end"] > 0
    assert "[bench]" in done.stderr and "[bench]" not in done.stdout
