"""Two requests at once against the in-process app: the first held at the database writer until the second waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from makermatrix_edge.services import Services

WAIT = 20.0


def until(check: Callable[[], bool], what: str) -> None:
    """Wait for a condition another thread brings about (never a fixed sleep)."""
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.005)


def twice_at_once(services: Services, send: Callable[[], Any]) -> list[Any]:
    """Send the same request from two threads while the writer is held, so both are in flight together.

    The writer thread runs one write at a time: a write that waits on an event holds every other
    write back. One request claims the key and queues its write; the other must then be waiting for
    it (ReplyStore.waiting) before the writer is let go. Without the claim both writes would run.
    """
    go = threading.Event()
    with ThreadPoolExecutor(3) as pool:
        blocker = pool.submit(services.db.exclusive_sync, go.wait)
        futures = [pool.submit(send), pool.submit(send)]
        try:
            until(lambda: services.replies.waiting == 1, "the repeat to wait for the first request")
        finally:
            go.set()
        blocker.result()
        return [f.result(timeout=WAIT) for f in futures]
