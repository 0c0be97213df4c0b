"""Live updates: /ws/tasks, /ws/admin and /ws/events.

Every socket needs credentials (`?token=<jwt or mme_ API key>`, or the usual headers); without
them the handshake is refused (close 4001, HTTP 403 on the wire; 4003 without the permission).
Each connection reads from its own bounded queue on the event bus and has one sender, so a
slow client only ever delays itself; one that falls `queue_size` messages behind is closed
with 1013 and a reason. One user holds at most `max_per_user` sockets, and the last
`admin_reserve` of `max_connections` are for admins; a handshake past a cap is refused in
words (a 403 with the reason as body under uvicorn, a 1013 close with it in-process).
Protocol pings (uvicorn, `heartbeat_seconds`) find dead connections; a `{"type": "ping"}`
message every `heartbeat_seconds` keeps idle ones alive through proxies.
A socket closes with 4001 and a reason when its user's sessions end (a SESSIONS signal on the
bus from the accounts service) or when the credential it opened with expires (a timer).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import WebSocket, websocket
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketException
from litestar.handlers.base import BaseRouteHandler
from litestar.types.asgi_types import WebSocketResponseBodyEvent, WebSocketResponseStartEvent

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.api.security import AUTHENTICATED, access, authorize, current_principal
from makermatrix_edge.api.ws_stats import system_stats
from makermatrix_edge.errors import DomainError, Forbidden, Unauthorized
from makermatrix_edge.runtime.events import BROADCAST, ENTITIES, TASKS, Event, Lagging, iso_ms, make_event
from makermatrix_edge.services import Services

log = logging.getLogger(__name__)
CLOSE_UNAUTHORIZED = 4001
CLOSE_FORBIDDEN = 4003
CLOSE_TRY_AGAIN = 1013  # too far behind, or too many connections
MAX_MESSAGE = 16_384


class BadMessage(DomainError):
    """A client message the server cannot act on; answered with {"type": "error"}."""


async def ws_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The API guard, with its refusals as WebSocket close codes."""
    try:
        await authorize(connection, handler)
    except Unauthorized as exc:
        raise WebSocketException(detail=exc.message[:120], code=CLOSE_UNAUTHORIZED) from None
    except Forbidden as exc:  # a close reason holds at most 123 bytes
        raise WebSocketException(detail=exc.message[:120], code=CLOSE_FORBIDDEN) from None


def _text(message: dict[str, Any]) -> str:
    message.setdefault("timestamp", iso_ms(time.time()))
    return msgspec.json.encode(message).decode()


class Connection:
    """One live client: who it is, what it wants, and its queue on the bus."""

    def __init__(self, socket: WebSocket[Any, Any, Any], channel: str, services: Services) -> None:
        self.socket = socket
        self.channel = channel
        self.services = services
        self.principal: Principal = current_principal(socket)
        self.sees_all = services.tasks.sees_all(self.principal)
        self.mode = "all"  # or "subscribed": only the tasks subscribed to
        self.subscribed: set[str] = set()
        self.muted: set[str] = set()
        self.sub = services.events.subscribe(
            channel=channel,
            user_id=self.principal.user_id,
            accept=self.accepts,
            maxsize=services.settings.websocket.queue_size,
        )

    def accepts(self, event: Event) -> bool:
        if event.topic == BROADCAST:
            return True
        if event.permission is not None and not self.principal.can(event.permission):
            return False
        if self.channel == "admin":
            return True
        if event.topic == ENTITIES:
            return self.channel == "events"
        if event.topic != TASKS or self.channel != "tasks":
            return False
        if event.key is None:  # worker status
            return True
        if not (self.sees_all or event.owner_id == self.principal.user_id) or event.key in self.muted:
            return False
        return self.mode == "all" or event.key in self.subscribed

    def reply(self, message: dict[str, Any]) -> None:
        self.sub.put(_text(message))

    def info(self) -> dict[str, Any]:
        data: dict[str, Any] = msgspec.structs.asdict(self.services.events.stats())
        data.pop("published", None)
        if self.channel == "tasks":
            data.update(mode=self.mode, subscriptions=sorted(self.subscribed))
        return {"type": "connection_info", "data": data}


async def _common(conn: Connection, kind: str, message: dict[str, Any]) -> bool:
    """Messages every channel understands; False if it is not one of them."""
    if kind == "ping":
        conn.reply({"type": "pong", "timestamp": message.get("timestamp", iso_ms(time.time()))})
    elif kind == "pong":
        pass
    elif kind == "get_connection_info":
        conn.reply(conn.info())
    else:
        return False
    return True


async def _tasks_message(conn: Connection, kind: str, message: dict[str, Any]) -> None:
    task_id = message.get("task_id")
    if kind not in ("subscribe_task", "unsubscribe_task"):
        raise BadMessage(f"Unknown message type '{kind}'")
    if not isinstance(task_id, str) or not task_id:
        raise BadMessage(f"{kind} needs a task_id")
    subscribe = kind == "subscribe_task"
    if task_id == "*":
        conn.mode = "all" if subscribe else "subscribed"
        conn.muted.clear()
        conn.subscribed.clear()
    elif subscribe:
        task = await conn.services.tasks.get(task_id, conn.principal)  # 404 for a task the user may not see
        conn.subscribed.add(task_id)
        conn.muted.discard(task_id)
        if message.get("exclusive"):
            conn.mode = "subscribed"
    else:
        conn.subscribed.discard(task_id)
        conn.muted.add(task_id)
    status = "subscribed" if subscribe else "unsubscribed"
    conn.reply({"type": "task_subscription", "task_id": task_id, "status": status, "mode": conn.mode})
    if subscribe and task_id != "*":
        conn.reply({"type": "task_update", "data": msgspec.to_builtins(task)})


async def _admin_message(conn: Connection, kind: str, message: dict[str, Any]) -> None:
    services = conn.services
    if kind == "get_system_stats":
        stats = await system_stats(services, conn.principal)
        conn.reply({"type": "system_stats", "data": stats})
    elif kind == "broadcast_notification":
        note = message.get("notification", message.get("message"))
        if isinstance(note, str):
            note = {"message": note}
        if not isinstance(note, dict) or len(msgspec.json.encode(note)) > 4000:
            raise BadMessage("broadcast_notification needs a notification object (or message text) under 4 kB")
        data = {**note, "from": conn.principal.username}
        recipients = services.events.stats().total_connections
        services.events.publish(make_event("notification", data, topic=BROADCAST, timestamp=time.time()))
        conn.reply({"type": "notification_sent", "recipients": recipients})
    else:
        raise BadMessage(f"Unknown message type '{kind}'")


async def _events_message(conn: Connection, kind: str, message: dict[str, Any]) -> None:
    if kind == "subscribe_activities":  # MakerMatrix clients send it; everything is on this stream already
        conn.reply({"type": "subscription", "status": "subscribed"})
        return
    raise BadMessage(f"Unknown message type '{kind}'")


async def _receive(conn: Connection, handle: Callable[[Connection, str, dict[str, Any]], Awaitable[None]]) -> None:
    while True:
        event = await conn.socket.receive()
        if event["type"] == "websocket.disconnect":
            return
        raw: str | bytes = event.get("text") or event.get("bytes") or ""  # type: ignore[assignment]
        try:
            if len(raw) > MAX_MESSAGE:
                raise BadMessage(f"Message too long (over {MAX_MESSAGE} bytes)")
            message = msgspec.json.decode(raw)
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                raise BadMessage('Each message must be a JSON object with a "type"')
            kind = message["type"]
            if not await _common(conn, kind, message):
                await handle(conn, kind, message)
        except msgspec.DecodeError:
            conn.reply({"type": "error", "message": "Invalid JSON format"})
        except DomainError as exc:
            conn.reply({"type": "error", "message": exc.message})
        except Exception:  # the connection outlives a bug in one message's handling
            log.exception("%s message failed", conn.channel)
            conn.reply({"type": "error", "message": "Internal server error; the daemon log has the details"})


async def _send(conn: Connection) -> None:
    while True:
        await conn.socket.send_text(await conn.sub.get())


async def _heartbeat(conn: Connection, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        conn.reply({"type": "ping"})


async def _until(services: Services, expires_at: float | None) -> None:
    """Return when the credential expires (by the services' clock); never for one without expiry."""
    if expires_at is None:
        await asyncio.Future()  # waits until cancelled
    else:
        await asyncio.sleep(max(0.0, expires_at - services.clock()))


def _refusal(services: Services, principal: Principal) -> str | None:
    """Why this user may not open another socket now, or None: a cap per user, and room kept for admins."""
    settings = services.settings.websocket
    mine = services.events.connections_of(principal.user_id)
    if mine >= settings.max_per_user:
        return f"Too many live connections of yours: {mine} open (limit {settings.max_per_user}); close one first"
    total = services.events.stats().total_connections
    if total >= settings.max_connections:
        return f"Too many live connections on this daemon (limit {settings.max_connections}); try again later"
    if total >= settings.max_connections - settings.admin_reserve and not principal.can(ADMIN):
        return f"Too many live connections: the last {settings.admin_reserve} are kept for admins; try again later"
    return None


async def _refuse(socket: WebSocket[Any, Any, Any], reason: str) -> None:
    """Refuse the handshake in words: a 403 with the reason as its body where the server can send one
    (uvicorn's denial response), else a close frame (1013) carrying it."""
    if "websocket.http.response" in (socket.scope.get("extensions") or {}):
        body = reason.encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
        start: WebSocketResponseStartEvent = {
            "type": "websocket.http.response.start",
            "status": 403,
            "headers": headers,
        }
        await socket.send(start)
        end: WebSocketResponseBodyEvent = {"type": "websocket.http.response.body", "body": body, "more_body": False}
        await socket.send(end)
    else:
        await socket.close(CLOSE_TRY_AGAIN, reason[:120])


async def serve(
    socket: WebSocket[Any, Any, Any],
    services: Services,
    channel: str,
    handle: Callable[[Connection, str, dict[str, Any]], Awaitable[None]],
) -> None:
    settings = services.settings.websocket
    refusal = _refusal(services, current_principal(socket))
    if refusal is not None:
        log.info("refused a %s connection of %s: %s", channel, current_principal(socket).username, refusal)
        await _refuse(socket, refusal)
        return
    # Subscribing takes the slot before the first await, so two handshakes at once cannot both
    # pass the count above.
    conn = Connection(socket, channel, services)
    principal = conn.principal
    try:
        await socket.accept()
    except BaseException:
        services.events.unsubscribe(conn.sub)
        raise
    conn.reply({"type": "connection", "status": "connected", "connection_type": channel, "user": principal.username})
    jobs: list[asyncio.Task[Any]] = [asyncio.create_task(_receive(conn, handle)), asyncio.create_task(_send(conn))]
    jobs.append(asyncio.create_task(conn.sub.lagged.wait()))
    # The account's sessions ending (deactivated, password or roles changed) or the credential
    # expiring closes the socket: a signal on the bus and a timer, never a database poll.
    jobs.append(asyncio.create_task(conn.sub.revoked.wait()))
    expiry = asyncio.create_task(_until(services, principal.expires_at))
    jobs.append(expiry)
    if settings.heartbeat_seconds > 0:
        jobs.append(asyncio.create_task(_heartbeat(conn, settings.heartbeat_seconds)))
    try:
        await asyncio.wait(jobs, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for job in jobs:
            job.cancel()
        results = await asyncio.gather(*jobs, return_exceptions=True)
        services.events.unsubscribe(conn.sub)
    failures = [r for r in results if isinstance(r, Exception) and not isinstance(r, asyncio.CancelledError | Lagging)]
    ended = conn.sub.revoke_reason if conn.sub.revoked.is_set() else None
    if ended is None and expiry.done() and not expiry.cancelled():
        ended = "Your login expired; log in again and reconnect"
    if ended is not None:
        log.info("closing %s connection of %s: %s", channel, principal.username, ended)
        with contextlib.suppress(Exception, TimeoutError):
            await asyncio.wait_for(socket.close(CLOSE_UNAUTHORIZED, ended[:120]), 2.0)
    elif conn.sub.lagging:
        reason = f"Too far behind: more than {settings.queue_size} messages waiting; reconnect"
        log.info("closing %s connection of %s: %s", channel, principal.username, reason)
        with contextlib.suppress(Exception, TimeoutError):  # a stuck socket may not take even the close frame
            await asyncio.wait_for(socket.close(CLOSE_TRY_AGAIN, reason), 2.0)
    elif failures:
        log.debug("%s connection of %s ended: %r", channel, principal.username, failures[0])


@websocket("/ws/tasks", opt=access("tasks:read"), guards=[ws_guard])
async def tasks_socket(socket: WebSocket[Any, Any, Any], services: NamedDependency[Services]) -> None:
    await serve(socket, services, "tasks", _tasks_message)


@websocket("/ws/admin", opt=access(ADMIN), guards=[ws_guard])
async def admin_socket(socket: WebSocket[Any, Any, Any], services: NamedDependency[Services]) -> None:
    await serve(socket, services, "admin", _admin_message)


@websocket("/ws/events", opt=access(AUTHENTICATED), guards=[ws_guard])
async def events_socket(socket: WebSocket[Any, Any, Any], services: NamedDependency[Services]) -> None:
    await serve(socket, services, "events", _events_message)


WEBSOCKET_HANDLERS = [tasks_socket, admin_socket, events_socket]
