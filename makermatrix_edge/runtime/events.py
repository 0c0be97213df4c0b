"""In-process event bus: services publish what happened, live connections subscribe.

`publish()` is thread-safe and never blocks: the message is encoded once, in the caller's
thread, and handed to the event loop, which offers it to every subscriber. Each subscriber
has its own bounded queue; one whose queue is full is marked lagging and gets nothing more,
so a slow or dead reader never holds up the others (its owner closes it with a reason).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import msgspec

from makermatrix_edge.clock import Clock, system_clock

log = logging.getLogger(__name__)

# Topics: which stream an event belongs to.
TASKS = "tasks"  # task_update, worker_status
ENTITIES = "entities"  # entity_created / entity_updated / entity_deleted (later: scans, printer state)
BROADCAST = "broadcast"  # notifications every connected client receives
SESSIONS = "sessions"  # a user's sessions ended (deactivated, password or roles changed): close their sockets

# Who may see an entity's events; "component" is a part on the ALORA face (integer id).
_ENTITY_PERMISSION = {
    "part": "parts:read",
    "component": "parts:read",
    "category": "categories:read",
    "location": "locations:read",
    "order": "parts:read",
    "tag": "tags:read",
    "tool": "tools:read",
}


def iso_ms(ts: float) -> str:
    """A UTC timestamp as ISO 8601 with milliseconds, e.g. 2026-11-25T14:30:00.123Z."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Event:
    """One message for live clients; `text` is its JSON, encoded once for every receiver."""

    type: str
    topic: str
    text: str
    owner_id: str | None = None  # who may see it besides holders of `admin_permission`
    permission: str | None = None  # needed to see it at all (None: any authenticated client)
    key: str | None = None  # what a client can subscribe to, e.g. a task id; the user id on SESSIONS
    reason: str | None = None  # on SESSIONS: why the user's connections close, shown to the client


def make_event(
    type: str,
    data: Any,
    *,
    topic: str,
    timestamp: float,
    owner_id: str | None = None,
    permission: str | None = None,
    key: str | None = None,
) -> Event:
    body = {"type": type, "data": data, "timestamp": iso_ms(timestamp)}
    return Event(type, topic, msgspec.json.encode(body).decode(), owner_id, permission, key)


class Actor(Protocol):
    @property
    def user_id(self) -> str: ...

    @property
    def username(self) -> str: ...


def entity_event(
    action: str,
    entity_type: str,
    entity_id: str | None,
    entity_name: str | None,
    actor: Actor | None,
    *,
    timestamp: float,
    changes: dict[str, Any] | None = None,
    entity_data: Any = None,
) -> Event:
    """`entity_<action>` for /ws/events, e.g. entity_event("created", "part", view.id, view.part_name, actor, ...)."""
    data = {
        "entity_type": entity_type,
        "entity_id": entity_id,
        "entity_name": entity_name,
        "action": action,
        "user_id": actor.user_id if actor else None,
        "username": actor.username if actor else None,
        "changes": changes,
        "entity_data": entity_data,
    }
    permission = _ENTITY_PERMISSION.get(entity_type)
    return make_event(f"entity_{action}", data, topic=ENTITIES, timestamp=timestamp, permission=permission)


def sessions_revoked_event(user_id: str, reason: str, *, timestamp: float) -> Event:
    """Not for clients: tells every live connection of `user_id` to close with `reason`."""
    text = msgspec.json.encode({"type": "sessions_revoked", "user_id": user_id, "timestamp": iso_ms(timestamp)})
    return Event("sessions_revoked", SESSIONS, text.decode(), key=user_id, reason=reason)


class Lagging(Exception):
    """The subscriber fell too far behind and was cut off."""


_CLOSED = object()


@dataclass(eq=False)
class Subscription:
    """A bounded queue of message texts for one live connection (use only on the loop thread)."""

    channel: str
    user_id: str | None
    accept: Callable[[Event], bool]
    maxsize: int
    lagged: asyncio.Event = field(default_factory=asyncio.Event)
    revoked: asyncio.Event = field(default_factory=asyncio.Event)  # set when the user's sessions ended
    revoke_reason: str = ""
    delivered: int = 0
    _queue: asyncio.Queue[object] = field(init=False)

    def __post_init__(self) -> None:
        self._queue = asyncio.Queue(self.maxsize + 1)  # +1: room for the close marker

    @property
    def lagging(self) -> bool:
        return self.lagged.is_set()

    def offer(self, event: Event) -> None:
        if event.topic == SESSIONS:  # a signal to the connection, never a message to send
            if event.key is not None and event.key == self.user_id:
                self.revoke_reason = event.reason or "Session ended; log in again"
                self.revoked.set()
            return
        if not self.lagging and self.accept(event):
            self.put(event.text)

    def put(self, text: str) -> None:
        """Queue a message; past `maxsize` the subscriber is lagging and its queue is dropped."""
        if self.lagging:
            return
        if self._queue.qsize() >= self.maxsize:
            self.lagged.set()
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(_CLOSED)
            return
        self._queue.put_nowait(text)

    async def get(self) -> str:
        item = await self._queue.get()
        if item is _CLOSED:
            raise Lagging(f"more than {self.maxsize} messages waiting")
        assert isinstance(item, str)
        self.delivered += 1
        return item


class BusStats(msgspec.Struct):
    total_connections: int
    by_type: dict[str, int]
    active_users: int
    published: int


class EventBus:
    """Publish from any thread; subscribe on the event loop the bus is bound to."""

    def __init__(self, clock: Clock = system_clock) -> None:
        self.clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._subs: list[Subscription] = []
        self.published = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Deliver on this loop from now on (called at app start, on the loop's thread)."""
        self._loop = loop
        self._loop_thread = threading.get_ident()

    def unbind(self) -> None:
        self._loop = None
        self._subs.clear()

    @property
    def listening(self) -> bool:
        """Anyone subscribed? Lets publishers skip building events nobody would receive."""
        return self._loop is not None and bool(self._subs)

    def publish(self, event: Event) -> None:
        """Hand an event to every subscriber that wants it; safe from any thread, never blocks."""
        loop = self._loop
        if loop is None:
            return  # no loop, no live connections (CLI, before start)
        if threading.get_ident() == self._loop_thread:
            self._dispatch(event)
            return
        try:
            loop.call_soon_threadsafe(self._dispatch, event)
        except RuntimeError:  # the loop closed while a worker thread was finishing
            log.debug("event %s dropped: event loop closed", event.type)

    def _dispatch(self, event: Event) -> None:
        self.published += 1
        for sub in self._subs:
            try:
                sub.offer(event)
            except Exception:  # one broken filter must not stop delivery to the rest
                log.exception("event filter of a %s connection failed", sub.channel)

    def entity(
        self,
        action: str,
        entity_type: str,
        entity_id: str | None,
        entity_name: str | None,
        actor: Actor | None,
        *,
        changes: dict[str, Any] | None = None,
        entity_data: Any = None,
    ) -> None:
        """Publish `entity_<action>` (created/updated/deleted) for /ws/events; call after the commit."""
        if not self.listening:
            return
        event = entity_event(
            action,
            entity_type,
            entity_id,
            entity_name,
            actor,
            timestamp=self.clock(),
            changes=changes,
            entity_data=entity_data,
        )
        self.publish(event)

    def subscribe(
        self, *, channel: str, user_id: str | None, accept: Callable[[Event], bool], maxsize: int
    ) -> Subscription:
        sub = Subscription(channel, user_id, accept, maxsize)
        self._subs.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)

    def connections_of(self, user_id: str) -> int:
        return sum(1 for s in self._subs if s.user_id == user_id)

    def stats(self) -> BusStats:
        by_type = Counter(s.channel for s in self._subs)
        users = {s.user_id for s in self._subs if s.user_id}
        return BusStats(len(self._subs), dict(by_type), len(users), self.published)
