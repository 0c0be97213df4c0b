"""The inventory benchmark runs end to end at a tiny size and prints its JSON (no timing is checked)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from daemon_process import ROOT

pytestmark = pytest.mark.bench  # run by the full suite; left out of the fast part

BENCH = ROOT / "scripts" / "bench" / "inventory.py"
SCENARIOS = {
    "search_text",
    "search_filtered",
    "search_location_subtree",
    "get_all_parts_page_1",
    "get_all_parts_page_500",
    "get_part",
    "add_part",
    "update_part",
    "alora_parametric",
    "api_parametric",
    "alora_get_component",
    "alora_cost",
    "suggest",
}
PARAMETRIC_MIXES = {"pnp_sot23", "nmos_low_rds_on", "diode_low_vf", "category_in_stock", "category_in_stock_60v"}


def test_inventory_benchmark_prints_one_json_object() -> None:
    args = [sys.executable, str(BENCH), "--parts", "300", "--requests", "3", "--requests-8", "8", "--warmup", "1"]
    args += ["--cost-requests", "3", "--cost-requests-8", "8"]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert {"benchmark", "machine", "parameters", "seeding", "daemon", "scenarios", "targets"} <= report.keys()
    assert {"nproc", "cpu_model", "python", "sqlite"} <= report["machine"].keys()
    assert report["parameters"]["parts"] == 300 and report["seeding"]["parts"] == 300
    assert report["seeding"]["parts_seconds"] >= 0 and report["seeding"]["bins"] > 100
    assert report["seeding"]["spec_parts"] > 0 and report["seeding"]["specs_seconds"] >= 0
    # every filter mix ran, and both faces found the same parts for the same search spelt in other units
    assert report["parametric_matches"].keys() == PARAMETRIC_MIXES
    assert all(found["alora"] == found["api"] for found in report["parametric_matches"].values())
    assert report["daemon"]["exit_status"] == 0
    assert {"rss_mb", "cpu_seconds"} <= report["daemon"]["after_run"].keys()
    assert {(s["scenario"], s["clients"]) for s in report["scenarios"]} == {
        (name, clients) for name in SCENARIOS for clients in (1, 8)
    }
    for scenario in report["scenarios"]:
        assert {"requests", "errors", "p50_ms", "p95_ms", "p99_ms", "rps"} <= scenario.keys()
        assert scenario["errors"] == 0, scenario
        assert scenario["requests"] == (3 if scenario["clients"] == 1 else 8)
    assert {"search_p95_ms_at_1_client", "parametric_p95_ms_at_1_client", "daemon_rss_mb"} <= report["targets"].keys()
    parametric = next(s for s in report["scenarios"] if s["scenario"] == "alora_parametric" and s["clients"] == 1)
    assert set(parametric["by_query"]) <= PARAMETRIC_MIXES  # 3 requests: the first three mixes
    assert "[bench]" in done.stderr and "[bench]" not in done.stdout  # progress on stderr only
