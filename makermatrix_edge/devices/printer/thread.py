"""The one thread that talks to the printer, with a deadline on every call.

A call that overruns its deadline (a USB stack or usblp read that never returns) is abandoned:
the caller gets TimeoutError and later calls go to a fresh thread. Threads are daemons so an
abandoned one never holds up the process's exit.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
_STOP = object()


class DeviceThread:
    def __init__(self, name: str = "printer") -> None:
        self.name = name
        self.abandoned = 0
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._start()

    def _start(self) -> None:
        self._queue = queue.SimpleQueue()
        thread = threading.Thread(target=self._run, args=(self._queue,), name=self.name, daemon=True)
        thread.start()

    @staticmethod
    def _run(jobs: queue.SimpleQueue[Any]) -> None:
        while True:
            item = jobs.get()
            if item is _STOP:
                return
            fn, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

    async def call(self, fn: Callable[[], T], timeout: float) -> T:
        future: Future[T] = Future()
        self._queue.put((fn, future))
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
        except TimeoutError:
            if future.running():  # stuck inside the device call: leave that thread, start another
                self.abandoned += 1
                log.error("printer call overran %.0f s; abandoning its thread", timeout)
                self._queue.put(_STOP)
                self._start()
            raise

    def stop(self) -> None:
        self._queue.put(_STOP)
