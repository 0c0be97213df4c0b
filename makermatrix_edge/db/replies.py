"""The first answer to each idempotent request, kept 24 h, and the requests being answered right now.

A request that carries a key (an API `Idempotency-Key`, a phone form's action id) is answered once
per (caller, key): the first one claims the key, runs, and its answer is stored before the client
sees its last byte; a repeat gets that stored answer. A repeat that arrives while the first is still
running waits for it here (a double tap must get the first answer, not an error), at most
`wait_seconds`. The claims are held in this process (the daemon is one process with one worker);
the answers are in the database, so a repeat after a restart is answered from there.

Each write a keyed request makes also writes, in the same transaction, a row saying "done, answer
to follow" (status PENDING): if the daemon dies after the change commits and before the answer is
kept, a repeat finds that row and is told the request was done, instead of doing it again.
"""

from __future__ import annotations

import asyncio
import json

import msgspec
import sqlite_utils

from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database, also_in_each_write
from makermatrix_edge.errors import KeyConflict

KEEP_SECONDS = 24 * 3600  # a key means the same request for a day (as payment APIs keep theirs)
MAX_BODY_BYTES = 256 * 1024  # larger answers are remembered without their body (see Reply.body)
WAIT_SECONDS = 30.0  # how long a repeat waits for the first request to finish
PENDING = 0  # the status of a "done, answer to follow" row (no HTTP status is 0)


class Reply(msgspec.Struct, frozen=True):
    """A stored answer. `body` is None when it was larger than MAX_BODY_BYTES (`body_bytes` says how large)."""

    fingerprint: str
    method: str
    path: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes | None
    body_bytes: int
    created_at: str


class DoneMark:
    """Run inside each write of a keyed request (see also_in_each_write): records that its change is done."""

    def __init__(
        self, scope: str, key: str, fingerprint: str, method: str, path: str, created_at: str, stale_before: str
    ) -> None:
        self._row = [scope, key, fingerprint, method, path, PENDING, created_at, stale_before]
        self.active = True  # off once the request has its answer: later writes in this context are not its own
        self.written = False

    def __call__(self, db: sqlite_utils.Database) -> None:
        if not self.active:
            return
        # A row under this key is this request's own mark (kept), or one expired before the key was
        # claimed (a lookup ignores it; the cleanup has not deleted it yet): replaced.
        db.execute(
            "INSERT INTO idempotent_replies (scope, key, fingerprint, method, path, status, headers, body, "
            "body_bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, '[]', NULL, 0, ?) ON CONFLICT (scope, key) DO UPDATE "
            "SET fingerprint = excluded.fingerprint, method = excluded.method, path = excluded.path, "
            "status = excluded.status, headers = '[]', body = NULL, body_bytes = 0, created_at = excluded.created_at "
            "WHERE idempotent_replies.created_at < ?",
            self._row,
        )
        self.written = True


def prune(db: sqlite_utils.Database, before: str) -> int:
    """Delete answers stored before `before` (ISO); for the database cleanup. Returns how many went."""
    return int(db.execute("DELETE FROM idempotent_replies WHERE created_at < ?", [before]).rowcount)


class ReplyStore:
    def __init__(self, db: Database, clock: Clock, *, wait_seconds: float = WAIT_SECONDS) -> None:
        self._db = db
        self._clock = clock
        self._wait_seconds = wait_seconds
        self._running: dict[tuple[str, str], asyncio.Event] = {}
        self.waiting = 0  # repeats waiting for their first request to finish (tests wait on it)

    async def begin(self, scope: str, key: str) -> Reply | None:
        """The stored answer for (scope, key), or None: then the caller holds the key and must release() it.

        While another request holds the key this waits for it to finish; past `wait_seconds` it is a
        Conflict in words (the first request never finished; nothing was done twice).
        """
        held = (scope, key)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_seconds
        while (running := self._running.get(held)) is not None:
            self.waiting += 1
            try:
                await asyncio.wait_for(running.wait(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise KeyConflict(
                    "The same request (same Idempotency-Key or form) is still being worked on; "
                    "nothing was done twice. Try again in a minute to get its answer."
                ) from None
            finally:
                self.waiting -= 1
        # Claimed before the lookup, with no await in between: no second request can slip past.
        self._running[held] = asyncio.Event()
        try:
            found = await self.find(scope, key)
        except BaseException:
            self.release(scope, key)
            raise
        if found is not None:
            self.release(scope, key)
        return found

    def release(self, scope: str, key: str) -> None:
        """Let the requests waiting for (scope, key) look again (they find the stored answer, or claim it)."""
        running = self._running.pop((scope, key), None)
        if running is not None:
            running.set()

    async def find(self, scope: str, key: str) -> Reply | None:
        since = iso(self._clock() - KEEP_SECONDS)

        def load(db: sqlite_utils.Database) -> Reply | None:
            row = db.execute(
                "SELECT fingerprint, method, path, status, headers, body, body_bytes, created_at "
                "FROM idempotent_replies WHERE scope = ? AND key = ? AND created_at >= ?",
                [scope, key, since],
            ).fetchone()
            if row is None:
                return None
            headers = [(str(k), str(v)) for k, v in json.loads(row[4])]
            body = bytes(row[5]) if row[5] is not None else None
            return Reply(row[0], row[1], row[2], int(row[3]), headers, body, int(row[6]), row[7])

        return await self._db.read(load)

    def mark_writes(self, scope: str, key: str, fingerprint: str, method: str, path: str) -> DoneMark:
        """For the rest of this request, each write also records that the request was done."""
        mark = DoneMark(scope, key, fingerprint, method, path, self.now(), iso(self._clock() - KEEP_SECONDS))
        also_in_each_write(mark)
        return mark

    async def unmark(self, scope: str, key: str) -> None:
        """Forget a "done" row whose answer is not kept (a 5xx: the retry may run, as it could before)."""
        await self._db.write(
            lambda db: db.execute(
                "DELETE FROM idempotent_replies WHERE scope = ? AND key = ? AND status = ?", [scope, key, PENDING]
            )
        )

    async def keep(self, scope: str, key: str, reply: Reply) -> None:
        """Store the first answer (replacing an expired one under the same key)."""

        def save(db: sqlite_utils.Database) -> None:
            db.execute(
                "INSERT OR REPLACE INTO idempotent_replies (scope, key, fingerprint, method, path, status, "
                "headers, body, body_bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    scope,
                    key,
                    reply.fingerprint,
                    reply.method,
                    reply.path,
                    reply.status,
                    json.dumps(reply.headers),
                    reply.body,
                    reply.body_bytes,
                    reply.created_at,
                ],
            )

        await self._db.write(save)

    def now(self) -> str:
        return iso(self._clock())
