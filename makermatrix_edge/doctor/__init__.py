"""`makermatrix-edge doctor` and /api/utility/diagnostics: what is wrong, in plain words, with a fix.

A report is a list of small checks; each says ok, warn or fail, one line of message and, when
something is wrong, one line of fix (here). The host checks need no running daemon: the
machine they look at (host.py), its storage (storage.py), its USB devices and clock (hardware.py)
and the services beside the daemon (network.py), in the order checks.py runs them. The API path
adds what the running daemon knows about its devices.
Exit codes: 0 all ok, 1 warnings only, 2 any failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import msgspec

from makermatrix_edge.runtime.device_state import Device

log = logging.getLogger(__name__)
Level = Literal["ok", "warn", "fail"]
_RANK: dict[str, int] = {"ok": 0, "warn": 1, "fail": 2}
_MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}


class Check(msgspec.Struct):
    name: str
    level: Level
    message: str
    fix: str | None = None


class Report(msgspec.Struct):
    level: Level
    exit_code: int
    checks: list[Check]


CheckFn = Callable[[], Check | list[Check]]


def run_checks(checks: Sequence[CheckFn]) -> Report:
    """Run every check; one that raises becomes a failure naming it, never a crash of the report."""
    results: list[Check] = []
    for check in checks:
        try:
            outcome = check()
        except Exception as exc:
            log.debug("doctor check %s crashed", getattr(check, "__name__", check), exc_info=exc)
            name = getattr(check, "__name__", "check").removeprefix("check_").replace("_", " ")
            outcome = Check(name, "fail", f"the check itself failed: {exc}", "report this as a bug")
        results.extend(outcome if isinstance(outcome, list) else [outcome])
    worst = max((_RANK[c.level] for c in results), default=0)
    level: Level = "fail" if worst == 2 else "warn" if worst == 1 else "ok"
    return Report(level=level, exit_code=worst, checks=results)


def device_checks(devices: Mapping[str, Device]) -> list[Check]:
    """What the running daemon's devices say about themselves (state() never blocks)."""
    out: list[Check] = []
    for name, device in devices.items():
        state = device.state()
        where = f" ({state.kind})" if state.kind not in ("disabled", "fake") else f" ({state.kind} device)"
        if state.state in ("ready", "busy"):
            out.append(Check(f"{name} device", "ok", f"{name} {state.state}{where}"))
        elif state.state == "disabled":
            out.append(Check(f"{name} device", "ok", f"{name} disabled in the config"))
        else:
            reason = state.reason or "no reason given"
            out.append(
                Check(
                    f"{name} device",
                    "warn",
                    f"{name} {state.state}: {reason}",
                    f"see the '{name}' lines of `makermatrix-edge doctor` on the Pi",
                )
            )
    return out


def render_text(report: Report) -> str:
    """One line per check, then an indented fix under each problem."""
    width = max((len(c.name) for c in report.checks), default=0)
    lines: list[str] = []
    for check in report.checks:
        lines.append(f"[{_MARK[check.level]}] {check.name.ljust(width)}  {check.message}")
        if check.fix and check.level != "ok":
            lines.append(f"       {''.ljust(width)}  fix: {check.fix}")
    summary = {"ok": "all is well", "warn": "warnings only", "fail": "something needs fixing"}[report.level]
    lines.append(f"-- {summary} (exit {report.exit_code})")
    return "\n".join(lines) + "\n"
