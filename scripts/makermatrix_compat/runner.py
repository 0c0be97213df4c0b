"""Run MakerMatrix's own API tests over HTTP against this daemon; print per-file counts and a JSON summary.

Standard library only (it runs before any venv exists). See README.md beside this file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
MIRROR = Path("/work/.mirror/ril3y+MakerMatrix/repo")
ADMIN = ("admin", "Admin123!")  # what MakerMatrix's tests log in with on a fresh database
TEST_DIRS = ("tests", "MakerMatrix/tests")
HTTP_HINTS = ("TestClient", "requests.", "httpx")
GUEST_TOKEN = Path("/tmp/guest_token.json")  # where MakerMatrix's security tests look for a guest's token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(url: str, body: dict[str, Any] | None = None, token: str | None = None) -> dict[str, Any]:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def extract(mirror: Path, commit: str, work: Path) -> list[Path]:
    """The mirror's test trees into work/; the test files that talk to an app at all."""
    archive = subprocess.run(
        ["git", "-C", str(mirror), "archive", commit, *TEST_DIRS, "pyproject.toml"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(work)], input=archive, check=True)
    files = sorted(p for d in TEST_DIRS for p in (work / d).rglob("test_*.py"))
    return [p for p in files if any(h in p.read_text(errors="replace") for h in HTTP_HINTS)]


def ensure_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    stamp = venv / ".requirements"
    wanted = (HERE / "requirements.txt").read_text()
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if not stamp.exists() or stamp.read_text() != wanted:
        print(f"installing the tests' requirements into {venv}", file=sys.stderr)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
             str(HERE / "requirements.txt")],
            check=True,
        )  # fmt: skip
        stamp.write_text(wanted)
    return python


class Server:
    """This daemon on 127.0.0.1 with a fresh data dir and MakerMatrix's first admin password."""

    def __init__(self, daemon: Path, data_dir: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKERMATRIX_EDGE_")}
        env.update(MAKERMATRIX_EDGE_ADMIN_PASSWORD=ADMIN[1], MAKERMATRIX_EDGE_ACCOUNTS__BCRYPT_COST="4")
        # MakerMatrix has no login throttle and its tests try wrong admin passwords many times a minute, then log
        # in as admin from the same address: with this daemon's throttle every later test would get a 429.
        for key in ("LOGIN_MAX_FAILURES", "LOGIN_USER_MAX_FAILURES", "LOGIN_ADDRESS_MAX_FAILURES"):
            env[f"MAKERMATRIX_EDGE_ACCOUNTS__{key}"] = "100000"
        args = [str(daemon), "serve", "--config", str(REPO / "config" / "dev.toml"), "--data-dir", str(data_dir)]
        args += ["--host", "127.0.0.1", "--port", str(self.port)]
        self._log = log.open("wb")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=REPO)

    def wait(self, timeout: float = 240) -> None:  # a loaded 2-core machine takes 30 s and more
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.proc.returncode}")
            try:
                call(self.url + "/api/health")
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise RuntimeError("daemon not healthy in time")

    def api_key(self) -> str:
        token = call(self.url + "/api/auth/login", {"username": ADMIN[0], "password": ADMIN[1]})["access_token"]
        return str(call(self.url + "/api/api-keys/", {"name": "makermatrix-compat"}, token)["data"]["api_key"])

    def guest_login(self) -> dict[str, Any]:
        """MakerMatrix's security tests read a guest's login from /tmp/guest_token.json (its guest is a viewer;
        `access_token`, and `user` with its id and username); this daemon has no guest login, so it is a viewer
        user's."""
        token = call(self.url + "/api/auth/login", {"username": ADMIN[0], "password": ADMIN[1]})["access_token"]
        guest = {"username": "guest", "password": "guest-pass-123", "roles": ["viewer"]}
        call(self.url + "/api/users/register", guest, token)
        answer = call(self.url + "/api/auth/login", {"username": "guest", "password": guest["password"]})
        user = answer["user"]
        return {"access_token": answer["access_token"], "user": {"id": user["id"], "username": user["username"]}}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def run_file(python: Path, daemon: Path, work: Path, test: Path, timeout: int) -> dict[str, Any]:
    """One test file against a daemon of its own (a fresh database), as MakerMatrix's tests expect."""
    name = test.relative_to(work).as_posix()
    slug = name.replace("/", "_").removesuffix(".py")
    server = Server(daemon, work / "data" / slug, work / "logs" / f"{slug}.daemon.log")
    try:
        server.wait()
        if GUEST_TOKEN.name in test.read_text(errors="replace"):  # only files that read it: runs may overlap
            GUEST_TOKEN.write_text(json.dumps(server.guest_login()))
        env = {**os.environ, "MM_COMPAT_BASE_URL": server.url, "MAKERMATRIX_API_KEY": server.api_key(),
               "MM_COMPAT_REPORT": str(work / "reports" / f"{slug}.json"), "JWT_SECRET_KEY": "compat",
               "PYTHONDONTWRITEBYTECODE": "1"}  # fmt: skip
        args = [str(python), "-m", "pytest", name, "-q", "-p", "no:cacheprovider", "--no-header", "-rN",
                f"--junitxml={work / 'reports' / f'{slug}.xml'}"]  # fmt: skip
        with (work / "logs" / f"{slug}.pytest.log").open("wb") as log:
            try:
                rc = subprocess.run(args, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
                code = rc.returncode
            except subprocess.TimeoutExpired:
                log.write(f"\n*** timed out after {timeout} s\n".encode())
                code = -1
    finally:
        server.stop()
    report = work / "reports" / f"{slug}.json"
    results: dict[str, Any] = json.loads(report.read_text()) if report.exists() else {}
    if code in (2, 3, 4, -1) and not results:  # interrupted, internal error, usage error, timeout
        results[f"{name}::<collection>"] = {"outcome": "collection_error", "http_calls": 0}
    return results


def tally(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A test applies when it made HTTP calls and neither its body nor a fixture it asks for reached into
    MakerMatrix's own code (an autouse clean-up of MakerMatrix's database may)."""
    out: dict[str, Any] = {"collected": len(results), "skipped": 0, "collection_errors": 0, "no_http": 0,
                           "reaches_in": 0,
                           "applies": 0, "passed": 0, "failed": 0, "strict_applies": 0, "strict_passed": 0,
                           "passed_tests": [], "failed_tests": []}  # fmt: skip
    for node, r in results.items():
        if r.get("outcome") == "skipped":
            out["skipped"] += 1
        elif r.get("outcome") == "collection_error":  # the file does not import (also on MakerMatrix itself)
            out["collection_errors"] += 1
        elif not r.get("http_calls"):
            out["no_http"] += 1
        elif r.get("body_touches") or r.get("touching_fixtures"):
            out["reaches_in"] += 1
        else:
            out["applies"] += 1
            ok = r.get("outcome") == "passed"
            out["passed" if ok else "failed"] += 1
            out["passed_tests" if ok else "failed_tests"].append(node)
            if not r.get("setup_touches"):  # not even a fixture touched MakerMatrix's internals
                out["strict_applies"] += 1
                out["strict_passed"] += ok
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mirror", type=Path, default=MIRROR, help="MakerMatrix's git dir (bare is fine)")
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--venv", type=Path, default=Path("/tmp/makermatrix-compat-venv"))
    parser.add_argument("--daemon", type=Path, default=REPO / ".venv" / "bin" / "makermatrix-edge")
    parser.add_argument("--work", type=Path, help="where to extract and report (default: a new temp dir)")
    parser.add_argument("--json", type=Path, help="also write the JSON summary here")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per test file")
    parser.add_argument("only", nargs="*", help="run only test files whose path contains one of these")
    ns = parser.parse_args()
    if not ns.daemon.exists():
        print(f"{ns.daemon} not found: run ./scripts/test once to make .venv", file=sys.stderr)
        return 2
    work = ns.work or Path(tempfile.mkdtemp(prefix="makermatrix-compat-"))
    if ns.work and work.exists():
        shutil.rmtree(work)
    for sub in ("data", "logs", "reports"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    files = extract(ns.mirror, ns.commit, work)
    if ns.only:
        files = [f for f in files if any(o in f.as_posix() for o in ns.only)]
    shutil.copy(HERE / "shim_conftest.py", work / "conftest.py")
    (work / "pytest.ini").write_text("[pytest]\naddopts = -p no:randomly\nasyncio_mode = strict\n")
    python = ensure_venv(ns.venv)
    per_file: dict[str, Any] = {}
    everything: dict[str, dict[str, Any]] = {}
    for test in files:
        name = test.relative_to(work).as_posix()
        try:
            results = run_file(python, ns.daemon, work, test, ns.timeout)
        except RuntimeError as exc:  # this daemon did not start: say so and go on with the next file
            print(f"{name}: {exc}", file=sys.stderr)
            results = {f"{name}::<daemon>": {"outcome": "collection_error", "http_calls": 0, "error": str(exc)}}
        everything.update(results)
        counts = tally(results)
        per_file[name] = {k: v for k, v in counts.items() if not k.endswith("_tests")}
        print(f"{counts['passed']:4d} passed {counts['failed']:4d} failed of {counts['applies']:4d} applying "
              f"({counts['collected']} collected, {counts['no_http']} no HTTP, {counts['reaches_in']} reach in)  "
              f"{name}", flush=True)  # fmt: skip
    total = tally(everything)
    summary = {"server": "makermatrix-edge", "makermatrix_commit": ns.commit, "work_dir": str(work),
               **total, "files": per_file}  # fmt: skip
    text = json.dumps(summary, indent=1)
    print(text)
    if ns.json:
        ns.json.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
