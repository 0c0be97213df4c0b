"""Exact full-text match counts that stay current across edits at the cost of the edited rows.

Counting every part that matches a broad word ("capacitor" in 100 000 parts: some 45 000 matches)
takes about 40 ms; a bench edits parts all day, and a count thrown away at every edit would be made
again at the next search. So a count is kept with the set of parts it counted (one bit per part)
and the position in `parts_fts_changes`, the log that triggers write beside every change of the
index (migration 0015). The next search reads the changes since that position, asks the index
whether just those rows match now, and corrects the bits and the count.

Correctness does not depend on snapshots lining up: the position is read before the rows are
looked at, so a row changed in between is looked at again next time; looking at a row is
idempotent (its bit becomes what the index says now).

Kept per reader connection (each is used by one thread at a time); a restore opens new
connections, so nothing remembered survives a swapped file.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import sqlite_utils

MAX_TERMS = 64  # per connection; a term costs one bit per part (12.5 kB at 100 000 parts)
MAX_CATCH_UP = 2048  # more changes than this since a count: count afresh (an import, a restore)
# The log keeps its newest 8192 entries (trigger parts_fts_changes_trim), more than MAX_CATCH_UP,
# so the entries a catch-up needs are always there.


@dataclass
class _Matches:
    position: int
    count: int
    bits: bytearray


@dataclass
class Stats:
    """How counts were served, for tests and the benchmark."""

    fresh: int = 0
    caught_up: int = 0
    remembered: int = 0


def _position(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT coalesce(max(id), 0) FROM parts_fts_changes").fetchone()[0])


def _is_set(bits: bytearray, seq: int) -> bool:
    return (seq >> 3) < len(bits) and bool(bits[seq >> 3] & (1 << (seq & 7)))


def _put(bits: bytearray, seq: int, on: bool) -> None:
    if (seq >> 3) >= len(bits):
        bits.extend(bytes((seq >> 3) + 1 - len(bits)))
    if on:
        bits[seq >> 3] |= 1 << (seq & 7)
    else:
        bits[seq >> 3] &= ~(1 << (seq & 7)) & 0xFF


class TextMatchCounts:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_db: weakref.WeakKeyDictionary[sqlite_utils.Database, OrderedDict[str, _Matches]] = (
            weakref.WeakKeyDictionary()
        )
        self.stats = Stats()

    def count(self, db: sqlite_utils.Database, match: str) -> int:
        """How many parts the FTS5 expression `match` finds now."""
        with self._lock:
            terms = self._by_db.setdefault(db, OrderedDict())
            held = terms.get(match)
            if held is not None:
                terms.move_to_end(match)
        position = _position(db)
        if held is None or not 0 <= position - held.position <= MAX_CATCH_UP:
            held = self._fresh(db, match, position)
            self.stats.fresh += 1
        elif position != held.position:
            self._catch_up(db, match, held, position)
            self.stats.caught_up += 1
        else:
            self.stats.remembered += 1
        with self._lock:
            terms[match] = held
            while len(terms) > MAX_TERMS:
                terms.popitem(last=False)
        return held.count

    @staticmethod
    def _fresh(db: sqlite_utils.Database, match: str, position: int) -> _Matches:
        # The matching rows in one string built by SQLite and parsed by numpy: a Python loop over
        # 45 000 rows would cost twice the count itself.
        sql = "SELECT group_concat(rowid) FROM parts_fts WHERE parts_fts MATCH ?"
        listed = db.execute(sql, [match]).fetchone()[0]
        if not listed:
            return _Matches(position, 0, bytearray())
        seqs = np.fromstring(listed, dtype=np.int64, sep=",")
        flags = np.zeros(int(seqs.max()) + 1, dtype=bool)
        flags[seqs] = True
        return _Matches(position, len(seqs), bytearray(np.packbits(flags, bitorder="little").tobytes()))

    @staticmethod
    def _catch_up(db: sqlite_utils.Database, match: str, held: _Matches, position: int) -> None:
        since = [held.position, position]
        changed = [
            r[0] for r in db.execute("SELECT DISTINCT seq FROM parts_fts_changes WHERE id > ? AND id <= ?", since)
        ]
        matching = {
            r[0]
            for r in db.execute(
                "SELECT rowid FROM parts_fts WHERE parts_fts MATCH ? AND rowid IN "
                "(SELECT seq FROM parts_fts_changes WHERE id > ? AND id <= ?)",
                [match, *since],
            )
        }
        for seq in changed:
            now, before = seq in matching, _is_set(held.bits, seq)
            if now != before:
                _put(held.bits, seq, now)
                held.count += 1 if now else -1
        held.position = position
