"""Times on the pages: stored as UTC ISO strings, shown in the Pi's own time zone and as "3 min ago"."""

from __future__ import annotations

from datetime import UTC, datetime


def parse(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def local(stamp: str | None, with_seconds: bool = False) -> str:
    """'2026-12-03T01:50:00Z' as '2026-12-03 02:50' where the Pi's zone is UTC+1 (the stored text when unreadable)."""
    when = parse(stamp)
    if when is None:
        return stamp or ""
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def short(stamp: str | None) -> str:
    """'10:42' today, '2026-12-03 10:42' before, in the Pi's own time zone."""
    when = parse(stamp)
    if when is None:
        return stamp or ""
    here = when.astimezone()
    return here.strftime("%H:%M" if here.date() == datetime.now().astimezone().date() else "%Y-%m-%d %H:%M")


def clock_time(stamp: str | None) -> str:
    when = parse(stamp)
    return when.astimezone().strftime("%H:%M:%S") if when else (stamp or "")


def ago(stamp: str | None, now: float) -> str:
    when = parse(stamp)
    if when is None:
        return "some time ago"
    seconds = max(0, int(now - when.timestamp()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"on {local(stamp)}"


def zone() -> str:
    return datetime.now().astimezone().strftime("%Z (UTC%z)")
