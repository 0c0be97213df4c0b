"""Assistant benchmark: our overhead per question (the model's time excluded), daemon RSS, API p95 during questions.

    .venv/bin/python scripts/bench/assistant.py [--rounds 20] [--probes 300]

Starts a fake Ollama on 127.0.0.1 (tests/fake_ollama.py: the real wire protocol, a model that
answers at once from the tool results) and `makermatrix-edge serve` with production defaults and
the demo bench. Asks the three questions of alora-api.md --rounds times each; the daemon reports
per question the time it waited on the model and its own overhead (tools, guard, prompts). Then
measures GET /alora/components/{id} p95 idle, while a question waits on a model that is still
"thinking" (the Pi case), while questions run back to back (the worst case for our CPU), and while
a hostile model answers every question with a 50 MB stream (the daemon reads max_reply_bytes of it,
hangs up and answers from the inventory): how much of each flood got through, and the daemon's RSS.
Prints ONE JSON object on stdout (progress on stderr). Nothing is asserted: the figures go to the README.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT / "tests")]

from tasks import CONSOLE_SCRIPT, Daemon, free_port, log, percentile  # noqa: E402

from assistant_support import DOC_QUESTIONS, DOC_SCRIPTS  # noqa: E402
from fake_ollama import FakeOllama, Hold, running  # noqa: E402

PASSWORD = "bench-assistant-password-1"
TARGET_OVERHEAD_MS = 50.0


def ask_all(http: httpx.Client, fake: FakeOllama, rounds: int) -> tuple[list[float], list[float], list[float]]:
    """(our overhead ms, model wait ms, end-to-end ms) per question."""
    overhead, model, total = [], [], []
    for _ in range(rounds):
        for question, script in zip(DOC_QUESTIONS, DOC_SCRIPTS, strict=True):
            with fake.lock:
                fake.script = list(script)
            started = time.perf_counter()
            response = http.post("/api/ai/chat", json={"message": question})
            total.append((time.perf_counter() - started) * 1000)
            data = response.json()["data"]
            if data["degraded"] or data["confidence"] != "HIGH":
                raise RuntimeError(f"unexpected answer: {data}")
            overhead.append(data["overhead_ms"])
            model.append(data["model_seconds"] * 1000)
    return overhead, model, total


def probe(http: httpx.Client, count: int, part: int) -> dict[str, float | None]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        http.get(f"/alora/components/{part}").raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": percentile(times, 0.5), "p95_ms": percentile(times, 0.95), "max_ms": round(times[-1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20, help="times each of the three questions is asked")
    parser.add_argument("--probes", type=int, default=300, help="API requests per p95 measurement")
    args = parser.parse_args()
    with running() as (fake, url), tempfile.TemporaryDirectory(prefix="bench-assistant-") as tmp:
        env = {"MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD, "MAKERMATRIX_EDGE_ASSISTANT__OLLAMA_URL": url}
        daemon = DemoDaemon(Path(tmp) / "data", Path(tmp) / "daemon.log", env)
        try:
            daemon.wait_healthy()
            _, rss_start = daemon.usage()
            login = httpx.post(daemon.url + "/api/auth/login", json={"username": "admin", "password": PASSWORD})
            token = login.json()["access_token"]
            with httpx.Client(base_url=daemon.url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
                if http.post("/api/ai/test").json()["data"]["ok"] is not True:
                    raise RuntimeError("the fake Ollama is not seen")
                part = _component_id(http, "BC857B")
                log(f"asking {3 * args.rounds} questions")
                ask_all(http, fake, 2)  # warm up: first imports, first connections
                cpu_before, _ = daemon.usage()
                overhead, model, total = ask_all(http, fake, args.rounds)
                cpu_after, rss_after = daemon.usage()
                log("API p95: idle, a question waiting on the model, questions back to back")
                idle = probe(http, args.probes, part)
                held = _while_held(daemon.url, token, fake, http, args.probes, part)
                busy = _while_busy(daemon.url, token, fake, http, args.probes, part)
                log("API p95 while a hostile model floods every answer")
                hostile = _while_hostile(daemon, token, http, args.probes, part)
                _, rss_end = daemon.usage()
        finally:
            daemon.stop()
    overhead.sort()
    report: dict[str, Any] = {
        "benchmark": "assistant",
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpu": platform.machine()},
        "parameters": {"rounds": args.rounds, "questions": len(overhead), "probes": args.probes},
        "per_question": {
            "overhead_ms_p50": percentile(overhead, 0.5),
            "overhead_ms_p95": percentile(overhead, 0.95),
            "overhead_ms_max": round(overhead[-1], 2),
            "fake_model_wait_ms_mean": round(statistics.mean(model), 2),
            "end_to_end_ms_mean": round(statistics.mean(total), 2),
            "daemon_cpu_ms_per_question": round((cpu_after - cpu_before) * 1000 / len(overhead), 2),
        },
        "daemon": {
            "rss_mb_start": round(rss_start, 1),
            "rss_mb_after_questions": round(rss_after, 1),
            "rss_mb_end": round(rss_end, 1),
        },
        "api_component_get": {
            "idle": idle,
            "question_waiting_on_model": held,
            "questions_back_to_back": busy,
            "hostile_model_answering": hostile.pop("probe"),
        },
        "hostile_model": hostile,
        "targets": {"overhead_ms_p95_below": TARGET_OVERHEAD_MS},
    }
    report["targets"]["met"] = (report["per_question"]["overhead_ms_p95"] or 0) < TARGET_OVERHEAD_MS
    print(json.dumps(report, indent=2))


def _component_id(http: httpx.Client, marking: str) -> int:
    found = http.get("/alora/components/", params={"marking": marking}).json()
    return int(found[0]["id"])


class DemoDaemon(Daemon):
    """The tasks benchmark's daemon process, with the demo bench loaded at start (serve --demo)."""

    def __init__(self, data_dir: Path, log_path: Path, env_extra: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKERMATRIX_EDGE_")}
        env.update(env_extra)
        args = [str(CONSOLE_SCRIPT), "serve", "--config", str(ROOT / "config" / "makermatrix-edge.toml"), "--demo"]
        args += ["--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(self.port)]
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        self.ps = psutil.Process(self.proc.pid)


def _while_held(url: str, token: str, fake: FakeOllama, http: httpx.Client, probes: int, part: int) -> dict[str, Any]:
    hold = Hold()
    with fake.lock:
        fake.script = [hold]
    asker = threading.Thread(
        target=lambda: httpx.post(url + "/api/ai/chat", json={"message": DOC_QUESTIONS[1]},
                                  headers={"Authorization": f"Bearer {token}"}, timeout=120),
    )  # fmt: skip
    asker.start()
    hold.arrived.wait(30)
    try:
        return probe(http, probes, part)
    finally:
        hold.release.set()
        asker.join()


def _while_busy(url: str, token: str, fake: FakeOllama, http: httpx.Client, probes: int, part: int) -> dict[str, Any]:
    stop = threading.Event()

    def loop() -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as own:
            while not stop.is_set():
                ask_all(own, fake, 1)

    asker = threading.Thread(target=loop)
    asker.start()
    try:
        return probe(http, probes, part)
    finally:
        stop.set()
        asker.join()


def _while_hostile(daemon: DemoDaemon, token: str, http: httpx.Client, probes: int, part: int) -> dict[str, Any]:
    """Questions back to back, each answered by a model streaming 50 MB (hostile_ollama.py, its own process)."""
    hostile = subprocess.Popen(
        [sys.executable, str(HERE / "hostile_ollama.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert hostile.stdin is not None and hostile.stdout is not None
    http.put("/api/ai/config", json={"api_url": hostile.stdout.readline().strip()}).raise_for_status()
    stop = threading.Event()
    answers: list[int] = []
    rss: list[float] = []
    cpu: list[float] = []

    def ask(own: httpx.Client) -> None:
        cpu_before, _ = daemon.usage()
        response = own.post("/api/ai/chat", json={"message": DOC_QUESTIONS[1]})
        cpu.append(daemon.usage()[0] - cpu_before)
        if not response.json()["data"]["degraded"]:
            raise RuntimeError(f"the flood was not set aside: {response.text[:300]}")
        answers.append(len(response.content))
        rss.append(daemon.usage()[1])

    def loop() -> None:
        with httpx.Client(base_url=daemon.url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as own:
            while not (answers and stop.is_set()):  # at least one, however few probes
                ask(own)

    asker = threading.Thread(target=loop)
    asker.start()
    try:
        measured = probe(http, probes, part)
    finally:
        stop.set()
        asker.join()
    try:
        cpu.clear()  # the daemon's CPU per hostile question, without probes to share it
        with httpx.Client(base_url=daemon.url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as own:
            for _ in range(5):
                ask(own)
    finally:
        summary, _ = hostile.communicate("", timeout=60)
        http.post("/api/ai/reset").raise_for_status()
    return {
        "probe": measured,
        "questions": len(answers),
        **json.loads(summary),
        "answer_bytes_max": max(answers),
        "daemon_cpu_ms_per_question": round(statistics.mean(cpu) * 1000, 1),
        "daemon_rss_mb_max": round(max(rss), 1),
    }


if __name__ == "__main__":
    main()
