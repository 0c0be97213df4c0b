"""Time as a dependency: services take a `Clock` so tests can move time without sleeping."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], float]
system_clock: Clock = time.time


def iso(ts: float) -> str:
    """A UTC timestamp as ISO 8601 with seconds, e.g. 2026-11-25T14:30:00Z."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
