"""The package built as a wheel, offline, from a copy of the tree (the shared checkout stays untouched)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from daemon_process import ROOT


def build_wheel(work: Path) -> Path:
    src = work / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "makermatrix_edge", src / "makermatrix_edge", ignore=shutil.ignore_patterns("__pycache__"))
    args = ["pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(work), str(src)]
    subprocess.run([sys.executable, "-m", *args], check=True, capture_output=True, timeout=120)
    return next(work.glob("makermatrix_edge-*.whl"))
