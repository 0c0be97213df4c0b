"""Start the real `makermatrix-edge` console script as a subprocess on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
CONSOLE_SCRIPT = Path(sys.executable).parent / "makermatrix-edge"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Daemon:
    def __init__(
        self,
        data_dir: Path,
        *,
        config: Path | None = None,
        env: dict[str, str] | None = None,
        extra_args: list[str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"daemon-{self.port}.log"
        args = [str(CONSOLE_SCRIPT), "serve", "--config", str(config or ROOT / "config" / "dev.toml")]
        args += ["--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(self.port), *(extra_args or [])]
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("MAKERMATRIX_EDGE_")}
        full_env.update({"MAKERMATRIX_EDGE_ACCOUNTS__BCRYPT_COST": "4", **(env or {})})
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, env=full_env, cwd=ROOT)

    def wait_healthy(self, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited with {self.proc.returncode}:\n{self.log()}")
            try:
                response = httpx.get(self.url + "/api/health", timeout=1.0)
                if response.status_code == 200:
                    return dict(response.json())
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"daemon not healthy within {timeout} s:\n{self.log()}")

    def health_details(self) -> dict[str, Any]:
        """/api/health as a logged-in admin sees it (devices, database): the `data` object."""
        password = (self.data_dir / "initial-admin-password").read_text().strip()
        login = httpx.post(self.url + "/api/auth/login", json={"username": "admin", "password": password})
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        response = httpx.get(self.url + "/api/health", headers=headers, timeout=2.0)
        assert response.status_code == 200, response.text
        return dict(response.json()["data"])

    def stop(self, timeout: float = 20.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")
