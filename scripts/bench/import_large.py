"""The very large import part of scripts/bench/imports.py: people's writes during it, cancel, shutdown.

Against the running bench daemon: a LINES-line LCSC file imported alone, then under load (clients
adjusting stock and logging in the whole time), then two at once under load; the p50/p95/max of
`POST /api/parts/{id}/adjust` and `POST /api/auth/login` started while an import ran; a cancel at
15 % (how long it answered, how long until nothing was left, and that nothing was); and a stop
(SIGTERM) at 15 % and right after a large import, with the restart that takes the half-written
import back.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from backups import PASSWORD, log, p95

Progress = Callable[[dict[str, Any]], bool]


def upload(url: str, headers: dict[str, str], name: str, content: bytes) -> str:
    response = httpx.post(url + "/api/import/file", headers=headers, files={"file": (name, content)}, timeout=300)
    if response.status_code != 202:
        raise SystemExit(f"large import not queued: {response.status_code} {response.text[:300]}")
    return str(response.json()["data"]["task_id"])


def task(url: str, headers: dict[str, str], task_id: str) -> dict[str, Any]:
    return dict(httpx.get(f"{url}/api/tasks/{task_id}", headers=headers, timeout=60).json()["data"])


def wait(url: str, headers: dict[str, str], task_id: str, until: Progress, timeout: float = 1800) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = task(url, headers, task_id)
        if until(seen):
            return seen
        time.sleep(0.1)
    raise SystemExit(f"task {task_id} never got there")


def finished(t: dict[str, Any]) -> bool:
    return t["status"] in ("completed", "failed", "cancelled")


def at_15_percent(t: dict[str, Any]) -> bool:
    return finished(t) or t["progress_percentage"] >= 15


def stats(samples: list[float]) -> dict[str, Any]:
    if not samples:
        return {"requests": 0}
    ordered = sorted(samples)
    return {
        "requests": len(samples),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 1),
        "p95_ms": round(p95(samples), 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


class Writers:
    """One client adjusting a part's stock and one logging in, over and over, until stopped."""

    def __init__(self, url: str, headers: dict[str, str], part_id: str) -> None:
        self.samples: dict[str, list[tuple[float, float]]] = {"adjust": [], "login": []}
        self.failures = 0
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, args=("adjust", f"{url}/api/parts/{part_id}/adjust", headers)),
            threading.Thread(target=self._loop, args=("login", f"{url}/api/auth/login", {})),
        ]
        for t in self._threads:
            t.start()

    def _loop(self, kind: str, target: str, headers: dict[str, str]) -> None:
        body: dict[str, Any] = {"username": "admin", "password": PASSWORD}
        sign = 1
        with httpx.Client(headers=headers, timeout=120) as client:
            while not self._stop.is_set():
                if kind == "adjust":
                    body, sign = {"delta": sign, "reason": "bench"}, -sign
                t0 = time.perf_counter()
                ok = client.post(target, json=body).status_code == 200
                self.samples[kind].append((t0, time.perf_counter() - t0))
                self.failures += not ok
                self._stop.wait(0.2)  # a person, not a flood: a few writes a second

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join()

    def during(self, windows: list[tuple[float, float]]) -> dict[str, Any]:
        inside = {k: [dt for at, dt in v if any(a <= at <= b for a, b in windows)] for k, v in self.samples.items()}
        return {"adjust": stats(inside["adjust"]), "login": stats(inside["login"]), "failures": self.failures}


def imports(
    url: str, headers: dict[str, str], files: list[tuple[str, bytes]], part_id: str | None
) -> tuple[list[float], dict[str, Any] | None]:
    """Import the files at once (with the writers going if part_id is given); seconds of each, writes' figures."""
    writers = Writers(url, headers, part_id) if part_id else None
    time.sleep(0.5)
    t0 = time.perf_counter()
    ids = [upload(url, headers, name, content) for name, content in files]
    seconds = []
    for task_id in ids:
        done = wait(url, headers, task_id, finished)
        if done["status"] != "completed":
            raise SystemExit(f"large import {done['status']}: {done['error_message']}")
        seconds.append(round(time.perf_counter() - t0, 1))
    window = [(t0, time.perf_counter())]
    if writers is None:
        return seconds, None
    writers.stop()
    return seconds, writers.during(window)


def parts_count(url: str, headers: dict[str, str]) -> int:
    return int(httpx.get(url + "/api/utility/get_counts", headers=headers, timeout=60).json()["data"]["parts"])


def cancel_at_15(url: str, headers: dict[str, str], name: str, content: bytes) -> dict[str, Any]:
    before = parts_count(url, headers)
    task_id = upload(url, headers, name, content)
    at = wait(url, headers, task_id, at_15_percent)["progress_percentage"]
    t0 = time.perf_counter()
    answer = httpx.post(f"{url}/api/tasks/{task_id}/cancel", headers=headers, timeout=120)
    answered = time.perf_counter() - t0
    end = wait(url, headers, task_id, finished)
    return {
        "at_percent": at,
        "answer_seconds": round(answered, 3),
        "answer_status": answer.status_code,
        "until_nothing_left_seconds": round(time.perf_counter() - t0, 1),
        "final_status": end["status"],
        "parts_left_over": parts_count(url, headers) - before,
    }


def stop_daemon(proc: subprocess.Popen[bytes]) -> float:
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=300)
    return round(time.perf_counter() - t0, 2)


def stop_and_restart(
    url: str, headers: dict[str, str], start: Callable[[], subprocess.Popen[bytes]], content: bytes
) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """Stop the daemon at 15 % of an import, start it again (it takes the half-written import back first),
    and see the import, queued again by the stop, land exactly once; returns the new daemon and figures."""
    proc = start()
    before = parts_count(url, headers)
    task_id = upload(url, headers, "LCSC_Exported__20270106_120000.csv", content)
    at = wait(url, headers, task_id, at_15_percent)["progress_percentage"]
    log(f"stopping the daemon at {at} % of an import")
    figures: dict[str, Any] = {"at_percent": at, "stop_seconds": stop_daemon(proc), "exit_status": proc.returncode}
    t0 = time.perf_counter()
    proc = start()
    figures["restart_until_serving_seconds"] = round(time.perf_counter() - t0, 1)
    again = wait(url, headers, task_id, finished)
    created = again["result_data"]["created_count"] if again["status"] == "completed" else 0
    figures["requeued_import"] = again["status"]
    figures["parts_left_over"] = parts_count(url, headers) - before - created
    return proc, figures


def run(
    url: str, headers: dict[str, str], proc: subprocess.Popen[bytes], make: Callable[[int], bytes], lines: int
) -> dict[str, Any]:
    """Everything but the stop (imports.py restarts the daemon for that); the file names differ per order."""
    part = httpx.post(
        url + "/api/parts/add_part", json={"part_name": "Bench adjust part", "quantity": 1000}, headers=headers
    ).json()["data"]["id"]
    log(f"{lines} lines alone")
    alone, _ = imports(url, headers, [("LCSC_Exported__20270101_120000.csv", make(31))], None)
    log(f"{lines} lines under load")
    loaded, during = imports(url, headers, [("LCSC_Exported__20270102_120000.csv", make(32))], part)
    log(f"two imports of {lines} lines at once under load")
    files = [("LCSC_Exported__20270103_120000.csv", make(33)), ("LCSC_Exported__20270104_120000.csv", make(34))]
    parallel, during_two = imports(url, headers, files, part)
    log("cancel at 15 %")
    cancel = cancel_at_15(url, headers, "LCSC_Exported__20270105_120000.csv", make(35))
    return {
        "lines": lines,
        "alone_seconds": alone[0],
        "under_load_seconds": loaded[0],
        "writes_during_one_import": during,
        "two_at_once_seconds": parallel,
        "writes_during_two_imports": during_two,
        "cancel_at_15_percent": cancel,
    }
