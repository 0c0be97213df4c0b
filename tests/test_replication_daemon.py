"""The real daemon with the real Litestream replicating to a folder: kill -9 at a random point, restore.

Every change acknowledged more than sync_interval + 1 s before the kill must come back from the
replica, and nothing may come back half-applied (a part's quantity is the sum of its movements).
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from daemon_process import Daemon
from replication_support import (
    half_applied,
    litestream_or_skip,
    movement_reasons,
    part_names,
    replication_env,
    restore_cli,
    wait_for,
)

pytestmark = pytest.mark.daemon
SYNC_INTERVAL = 1.0


class Writer(threading.Thread):
    """Adds parts and takes stock through the API until stopped; remembers when each was acknowledged."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=5.0)
        self.acked: list[tuple[float, str, str]] = []  # (when, "part"|"move", name or reason)
        self.progress = threading.Condition()
        self.halt = threading.Event()

    def run(self) -> None:
        i = 0
        try:
            while not self.halt.is_set():
                name = f"R{i:04d}"
                made = self.client.post("/api/parts/add_part", json={"part_name": name})
                if made.status_code != 200:
                    return
                self._ack("part", name)
                reason = f"took-{i}"
                moved = self.client.post(
                    f"/api/parts/{made.json()['data']['id']}/adjust", json={"delta": 3, "reason": reason}
                )
                if moved.status_code != 200:
                    return
                self._ack("move", reason)
                i += 1
        except httpx.HTTPError:
            return  # the daemon was killed under us: what was acknowledged is recorded

    def _ack(self, kind: str, what: str) -> None:
        with self.progress:
            self.acked.append((time.time(), kind, what))
            self.progress.notify_all()


def _replica_state(daemon: Daemon) -> dict[str, Any]:
    return dict(daemon.health_details()["devices"]["replication"])


def test_kill_nine_at_a_random_point_then_restore_from_the_folder_replica(tmp_path: Path) -> None:
    litestream_or_skip()
    folder = tmp_path / "usb" / "makermatrix"
    folder.mkdir(parents=True)
    url = f"file://{folder}"
    daemon = Daemon(tmp_path / "data", env=replication_env(url, sync_interval_seconds=str(SYNC_INTERVAL)))
    try:
        daemon.wait_healthy(timeout=60)
        wait_for("the replica to report a sync", lambda: _replica_state(daemon)["state"] == "ready")
        state = _replica_state(daemon)
        assert state["details"]["replicas"][0]["url"] == url
        child = state["details"]["pid"]
        password = (daemon.data_dir / "initial-admin-password").read_text().strip()
        token = httpx.post(daemon.url + "/api/auth/login", json={"username": "admin", "password": password})
        writer = Writer(daemon.url, token.json()["access_token"])
        writer.start()
        # A random point, but one with changes older than the bound before it, or the test proves nothing.
        at_least = random.randint(20, 60)
        with writer.progress:
            writer.progress.wait_for(
                lambda: len(writer.acked) >= at_least and time.time() - writer.acked[0][0] > SYNC_INTERVAL + 1.5,
                timeout=60,
            )
        psutil.Process(child).kill()
        daemon.kill()
        killed_at = time.time()
        writer.halt.set()
        writer.join(timeout=10)
    finally:
        daemon.kill()
    bound = killed_at - (SYNC_INTERVAL + 1.0)
    must = [(kind, what) for when, kind, what in writer.acked if when < bound]
    assert len(must) >= 2, "the writer acknowledged too little before the bound for the test to mean anything"

    fresh = tmp_path / "new-sd-card"
    done = restore_cli(fresh, "--from-replica", url)
    assert done.returncode == 0, done.stderr
    assert "restored from the replica" in done.stdout and "counts: " in done.stdout
    restored = fresh / "makermatrix.db"
    names, reasons = part_names(restored), movement_reasons(restored)
    missing = [what for kind, what in must if what not in (names if kind == "part" else reasons)]
    assert missing == [], f"acknowledged {SYNC_INTERVAL + 1} s before the kill but not restored: {missing}"
    assert half_applied(restored) == []
    # Nothing invented: every restored test part was acknowledged or in flight (at most one more).
    written = {what for _, kind, what in writer.acked if kind == "part"}
    assert len({n for n in names if n.startswith("R")} - written) <= 1

    # The new card serves the restored data and carries on replicating into the same replica.
    (fresh / "initial-admin-password").write_text((tmp_path / "data" / "initial-admin-password").read_text())
    again = Daemon(fresh, env=replication_env(url, sync_interval_seconds=str(SYNC_INTERVAL)))
    try:
        again.wait_healthy(timeout=60)
        wait_for("the replica to report a sync", lambda: _replica_state(again)["state"] == "ready")
        password = (fresh / "initial-admin-password").read_text().strip()
        token = httpx.post(again.url + "/api/auth/login", json={"username": "admin", "password": password})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        made = httpx.post(again.url + "/api/parts/add_part", json={"part_name": "after the new card"}, headers=headers)
        assert made.status_code == 200, made.text
        assert again.stop(timeout=30) == 0  # the writers stop, then Litestream's last sync takes the change
        assert "did not stop within" not in again.log()
    finally:
        again.kill()
    check = tmp_path / "check"
    assert restore_cli(check, "--from-replica", url).returncode == 0
    assert "after the new card" in part_names(check / "makermatrix.db")


def test_a_dead_litestream_is_started_again_and_ends_with_a_killed_daemon(tmp_path: Path) -> None:
    litestream_or_skip()
    folder = tmp_path / "usb" / "makermatrix"
    folder.mkdir(parents=True)
    daemon = Daemon(tmp_path / "data", env=replication_env(f"file://{folder}"))
    try:
        daemon.wait_healthy(timeout=60)
        first = wait_for("litestream to run", lambda: _replica_state(daemon)["details"]["pid"])
        psutil.Process(first).kill()
        again = wait_for(
            "litestream to be started again",
            lambda: (s := _replica_state(daemon))["details"]["restarts"] == 1 and s["state"] == "ready" and s,
        )
        second = again["details"]["pid"]
        assert second != first
        daemon.kill()  # -9: no orphan is left holding the database (it gets SIGTERM through --pdeathsig)
        wait_for("litestream to end with the daemon", lambda: not _alive(second), timeout=15)
    finally:
        daemon.kill()


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
