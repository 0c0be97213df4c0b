"""What happened lately (MakerMatrix's activity log), read from what this daemon already keeps.

No log of its own: the stock history (stock_movements) and the moves and edits (part_changes) are
the record, append-only, so the activity can neither disagree with them nor be cleaned away. Both
are read newest first by id and merged, so a look at the last few changes costs a few rows.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import sqlite_utils

from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import InvalidInput

MAX_LIMIT = 100
STATS_LIMIT = 1000  # MakerMatrix's stats look at the newest 1 000 activities of the window too
MAX_HOURS = 168
# What an admin's clear-everything writes: the reason of the movement that closes each part's stock, and
# the part_changes lines of what held no stock, lost its categories or its supplier data.
CLEARED = "all parts cleared"
CATEGORIES_CLEARED = "all categories deleted"
SUPPLIERS_CLEARED = "supplier data cleared"
CLEARED_CHANGES = frozenset({CLEARED, CATEGORIES_CLEARED, SUPPLIERS_CLEARED})

UNDO_REASON = "undo"  # a stock change undone on the phone ("undo on the phone page")
_MOVEMENTS = (
    "SELECT m.id, m.part_id, p.part_name, d.part_name AS kept_name, m.user_id, m.username, m.source, m.created_at, "
    "m.delta, m.quantity_after, m.reason, m.moved, m.from_location_id, m.to_location_id, lt.path AS to_path "
    "FROM stock_movements m LEFT JOIN parts p ON p.id = m.part_id LEFT JOIN deleted_parts d ON d.part_id = m.part_id "
    "LEFT JOIN locations lt ON lt.id = m.to_location_id "
    "WHERE m.created_at >= ? {who} ORDER BY m.id DESC LIMIT ?"
)
_CHANGES = (
    "SELECT c.id, c.part_id, p.part_name, d.part_name AS kept_name, c.user_id, c.username, c.source, c.created_at, "
    "c.what FROM part_changes c LEFT JOIN parts p ON p.id = c.part_id "
    "LEFT JOIN deleted_parts d ON d.part_id = c.part_id WHERE c.created_at >= ? {who} ORDER BY c.id DESC LIMIT ?"
)


class Activity(msgspec.Struct):
    """One entry in MakerMatrix's shape; details carry the stock numbers and a sentence for people."""

    id: str
    action: str
    entity_type: str
    entity_id: str | None
    entity_name: str | None
    username: str
    timestamp: str
    details: dict[str, Any]


class ActivityList(msgspec.Struct):
    activities: list[Activity]
    total: int


class ActivityStats(msgspec.Struct):
    total_activities: int
    by_action: dict[str, int]
    by_entity_type: dict[str, int]
    by_user: dict[str, int]
    most_active_hour: str | None  # "14:00" (UTC), the hour with the most activities


def _part(r: Any) -> str:
    """The part's name; a deleted part's as it was when deleted (deleted_parts; older deletions kept none)."""
    return r["part_name"] or (f"{r['kept_name']} (deleted)" if r["kept_name"] else "a deleted part")


def _movement(r: Any) -> Activity:
    who, n = r["username"] or r["source"], abs(r["delta"])
    part, reason = _part(r), r["reason"]
    if r["moved"]:
        action, said = "moved", f"{who} moved {r['moved']} × {part} to {r['to_path'] or 'another place'}"
    elif reason == "created":
        action, said = "created", f"{who} added {part} ({r['quantity_after']})"
    elif reason == "part deleted":
        action, said = "deleted", f"{who} deleted {r['kept_name'] or part}"
    elif reason.startswith(UNDO_REASON):
        undone = "taking" if r["delta"] > 0 else "adding"
        action, said = "undone", f"{who} undid {undone} {n} × {part}"
    elif reason == CLEARED:
        action, said = "cleared", f"{who} cleared all parts ({part} held {n})"
    elif r["source"] == "import":
        action, said = "imported", f"{who} received {n} × {part}"
    elif reason == "counted":
        action, said = "counted", f"{who} counted {r['quantity_after']} × {part}"
    elif r["delta"] < 0:
        action, said = "taken", f"{who} took {n} × {part}"
    else:
        action, said = "added", f"{who} added {n} × {part}"
    details = {
        "summary": said,
        "delta": r["delta"],
        "quantity_after": r["quantity_after"],
        "reason": reason,
        "source": r["source"],
        "moved": r["moved"],
        "from_location_id": r["from_location_id"],
        "to_location_id": r["to_location_id"],
    }
    return Activity(f"m{r['id']}", action, "part", r["part_id"], r["part_name"], who, r["created_at"], details)


def _change(r: Any) -> Activity:
    who, part, what = r["username"] or r["source"], _part(r), r["what"]
    if what.startswith("moved to "):
        action, said = "moved", f"{who} moved {part} to {what.removeprefix('moved to ')}"
    elif what.startswith("moved from ") and " to " in what:  # a single move says where from too
        action, said = "moved", f"{who} moved {part} to {what.rsplit(' to ', 1)[1]}"
    elif what in CLEARED_CHANGES:
        action, said = "cleared", f"{who}: {what} ({part})"
    elif what.startswith("edited: "):
        action, said = "updated", f"{who} edited {part} ({what.removeprefix('edited: ')})"
    else:
        action, said = "updated", f"{who}: {part}, {what}"
    details = {"summary": said, "what": what, "source": r["source"]}
    return Activity(f"c{r['id']}", action, "part", r["part_id"], r["part_name"], who, r["created_at"], details)


def recent(
    db: sqlite_utils.Database, *, since: str, limit: int, user: str | None = None, entity_type: str | None = None
) -> list[Activity]:
    """Newest first; `user` is a user id or a user name (MakerMatrix's per-user filter)."""
    if entity_type not in (None, "part"):
        return []  # only parts have a history here
    who = "AND ({0}.user_id = ? OR {0}.username = ? COLLATE NOCASE)" if user else ""
    extra = [user, user] if user else []
    moves = db.execute(_MOVEMENTS.format(who=who.format("m")), [since, *extra, limit]).fetchall()
    edits = db.execute(_CHANGES.format(who=who.format("c")), [since, *extra, limit]).fetchall()
    merged = [_movement(r) for r in moves] + [_change(r) for r in edits]
    merged.sort(key=lambda a: (a.timestamp, a.id[0] == "m", int(a.id[1:])), reverse=True)
    return merged[:limit]


def stats(found: list[Activity]) -> ActivityStats:
    hours = Counter(a.timestamp[11:13] for a in found if len(a.timestamp) >= 13)
    busiest = f"{hours.most_common(1)[0][0]}:00" if hours else None
    return ActivityStats(
        total_activities=len(found),
        by_action=dict(Counter(a.action for a in found)),
        by_entity_type=dict(Counter(a.entity_type for a in found)),
        by_user=dict(Counter(a.username for a in found)),
        most_active_hour=busiest,
    )


class ActivityService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def _since(self, hours: int | None) -> str:
        if hours is None:
            return ""
        if not 1 <= hours <= MAX_HOURS:
            raise InvalidInput(f"must be between 1 and {MAX_HOURS}", "hours")
        then = datetime.fromtimestamp(self._clock(), UTC) - timedelta(hours=hours)
        return iso(then.timestamp())

    async def recent(
        self, *, limit: int, hours: int | None, user: str | None = None, entity_type: str | None = None
    ) -> list[Activity]:
        """The newest `limit` changes of the last `hours` (None: however old)."""
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(f"must be between 1 and {MAX_LIMIT}", "limit")
        since = self._since(hours)
        return await self._db.read(lambda db: recent(db, since=since, limit=limit, user=user, entity_type=entity_type))

    async def stats(self, hours: int) -> ActivityStats:
        since = self._since(hours)
        return stats(await self._db.read(lambda db: recent(db, since=since, limit=STATS_LIMIT)))
