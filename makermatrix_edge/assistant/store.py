"""The assistant's table rows: the append-only agent log and the configuration changed through the API."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from makermatrix_edge.assistant.models import LogEntry
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database

MAX_LOG_PAGE = 500


class AssistantStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def log(
        self,
        kind: str,
        action: str,
        details: str,
        *,
        username: str | None,
        confidence: str | None = None,
        tools: list[str] | None = None,
    ) -> None:
        row = [iso(self._clock()), username, kind, action[:200], details[:4000], confidence, json.dumps(tools or [])]

        def insert(db: sqlite_utils.Database) -> None:
            db.execute(
                "INSERT INTO assistant_log (at, username, kind, action, details, confidence, tools) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )

        await self._db.write(insert)

    async def entries(self, limit: int, offset: int) -> tuple[list[LogEntry], int]:
        def run(db: sqlite_utils.Database) -> tuple[list[LogEntry], int]:
            total = int(db.execute("SELECT count(*) FROM assistant_log").fetchone()[0])
            rows = db.execute("SELECT * FROM assistant_log ORDER BY id DESC LIMIT ? OFFSET ?", [limit, offset])
            return [
                LogEntry(
                    id=r["id"],
                    at=r["at"],
                    username=r["username"],
                    kind=r["kind"],
                    action=r["action"],
                    details=r["details"],
                    confidence=r["confidence"],
                    tools=json.loads(r["tools"]),
                )
                for r in rows
            ], total

        return await self._db.read(run)

    async def overrides(self) -> dict[str, Any]:
        def run(db: sqlite_utils.Database) -> dict[str, Any]:
            row = db.execute("SELECT data FROM assistant_config WHERE id = 1").fetchone()
            return dict(json.loads(row[0])) if row else {}

        return await self._db.read(run)

    async def save_overrides(self, data: dict[str, Any], username: str | None) -> None:
        now = iso(self._clock())

        def run(db: sqlite_utils.Database) -> None:
            db.execute(
                "INSERT INTO assistant_config (id, data, updated_at, updated_by) VALUES (1, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at, "
                "updated_by = excluded.updated_by",
                [json.dumps(data), now, username],
            )

        await self._db.write(run)

    async def clear_overrides(self) -> None:
        await self._db.write(lambda db: db.execute("DELETE FROM assistant_config"))
