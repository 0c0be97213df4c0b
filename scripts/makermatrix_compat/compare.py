"""Compare two summaries of runner.py: which tests that pass on one server (MakerMatrix) fail on the other (ours).

    python3 scripts/makermatrix_compat/compare.py makermatrix.json makermatrix-edge.json

Standard library only. Prints the counts and every test that passes on the first and not on the second, with
its outcome there ("failed", or "does not apply" when it reached into MakerMatrix's code or made no HTTP call).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def load(path: str) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads(Path(path).read_text())
    return summary


def compare(reference: dict[str, Any], candidate: dict[str, Any]) -> dict[str, Any]:
    passed_there = set(reference["passed_tests"])
    passed_here = set(candidate["passed_tests"])
    failed_here = set(candidate["failed_tests"])
    missing = sorted(passed_there - passed_here)
    return {
        "reference_applies": reference["applies"],
        "reference_passed": len(passed_there),
        "candidate_applies": candidate["applies"],
        "candidate_passed": len(passed_here),
        "both_pass": len(passed_there & passed_here),
        "only_reference_passes": [
            {"test": t, "here": "failed" if t in failed_here else "does not apply"} for t in missing
        ],
        "only_candidate_passes": len(passed_here - passed_there),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(compare(load(argv[1]), load(argv[2])), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
