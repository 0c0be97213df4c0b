"""The measuring tool behind the README's count of MakerMatrix's own tests (scripts/makermatrix_compat): what counts."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent.parent / "scripts" / "makermatrix_compat"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"compat_{name}", HERE / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_test_applies_only_when_it_spoke_http_and_reached_into_nothing() -> None:
    runner = _module("runner")
    results: dict[str, dict[str, Any]] = {
        "a::http_only": {"outcome": "passed", "http_calls": 3},
        "a::fails": {"outcome": "failed", "http_calls": 1},
        "a::cleanup_fixture": {"outcome": "passed", "http_calls": 2, "setup_touches": 4},  # applies, not strict
        "a::reaches_in": {"outcome": "passed", "http_calls": 2, "body_touches": 1},
        "a::fixture_reaches_in": {"outcome": "failed", "http_calls": 2, "touching_fixtures": ["db_user"]},
        "a::no_http": {"outcome": "passed", "http_calls": 0},
        "a::skipped": {"outcome": "skipped"},
        "b::<collection>": {"outcome": "collection_error", "http_calls": 0},
    }
    counts = runner.tally(results)
    assert (counts["applies"], counts["passed"], counts["failed"]) == (3, 2, 1)
    assert (counts["strict_applies"], counts["strict_passed"]) == (2, 1)
    assert (counts["reaches_in"], counts["no_http"], counts["skipped"], counts["collection_errors"]) == (2, 1, 1, 1)
    assert counts["passed_tests"] == ["a::http_only", "a::cleanup_fixture"] and counts["failed_tests"] == ["a::fails"]


def test_compare_lists_what_passes_on_makermatrix_and_not_here() -> None:
    compare = _module("compare")
    makermatrix = {"applies": 4, "passed_tests": ["t1", "t2", "t3"], "failed_tests": ["t4"]}
    here = {"applies": 5, "passed_tests": ["t1", "t4", "t5"], "failed_tests": ["t2"]}
    found = compare.compare(makermatrix, here)
    assert (found["reference_passed"], found["candidate_passed"], found["both_pass"]) == (3, 3, 1)
    assert found["only_reference_passes"] == [
        {"test": "t2", "here": "failed"},
        {"test": "t3", "here": "does not apply"},  # not in either list here: it reached in or made no call
    ]
    assert found["only_candidate_passes"] == 2
