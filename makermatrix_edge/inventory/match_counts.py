"""Exact match counts remembered until the database changes.

Counting every match of a broad term ("capacitor" in 100 000 parts) costs more than finding a page
of them, and a client paging by the total asks the same count once per page. A count is kept per
reader connection together with that connection's PRAGMA data_version, which changes as soon as
any other connection commits: a remembered count is therefore never older than the data the same
read sees.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

MAX_ENTRIES = 256  # per reader connection; a few kB


class MatchCounts:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # id(connection) -> (connection, data_version, counts); the identity check guards reused ids
        self._by_conn: dict[int, tuple[sqlite3.Connection, int, OrderedDict[Hashable, int]]] = {}

    def count(self, conn: sqlite3.Connection, key: Hashable, compute: Callable[[], int]) -> int:
        version = int(conn.execute("PRAGMA data_version").fetchone()[0])
        with self._lock:
            held = self._by_conn.get(id(conn))
            if held is None or held[0] is not conn or held[1] != version:
                held = (conn, version, OrderedDict())
                self._by_conn[id(conn)] = held
            counts = held[2]
            if key in counts:
                counts.move_to_end(key)
                return counts[key]
        value = compute()
        with self._lock:
            counts[key] = value
            while len(counts) > MAX_ENTRIES:
                counts.popitem(last=False)
        return value
