"""Exactly once per intent: a request repeated with the same key gets the first answer and changes nothing.

Two pieces, mounted on the /api, /alora and page routers so every route there is covered:
- `settle()` runs in each face's guard, after the caller is known: it fingerprints the request
  (method, path, query, body) and either replays the stored answer (raise `Replay`), refuses a key
  reused for another request (409 in words), waits for a twin still running, or claims the key.
- `RecordReplies`, a middleware around each route, keeps the answer of a claimed request (status,
  headers, body) in the database before the client gets its last byte, then releases the claim.
  Meanwhile each write the request makes records "done" in its own transaction (`DoneMark`), so a
  crash between that commit and the kept answer cannot let a retry do it again.
Answers of 5xx, 401, 403, 408 and 429 are not kept: a retry may succeed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import zlib
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType, ScopeType
from litestar.handlers.base import BaseRouteHandler
from litestar.response.base import ASGIResponse
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.db.replies import MAX_BODY_BYTES, PENDING, DoneMark, Reply, ReplyStore
from makermatrix_edge.errors import BadRequest, KeyConflict
from makermatrix_edge.httpkit.body import readable_form

log = logging.getLogger(__name__)
HEADER = "idempotency-key"
REPLAYED = "idempotent-replayed"
MAX_KEY_CHARS = 255
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KEY = re.compile(rf"[\x21-\x7e]{{1,{MAX_KEY_CHARS}}}")  # printable ASCII, no spaces
_CLAIM = "idempotency_claim"  # scope state: the key this request holds
_NOT_KEPT = frozenset({401, 403, 408, 429})  # a retry may succeed (so may any 5xx)
# Not kept with the answer: recomputed (length, date) or about the first connection only.
_DROPPED = frozenset(
    {"content-length", "date", "server", "content-encoding", "transfer-encoding", "connection", "vary"}
)


SECRET_ANSWER = {"answer_holds_secret": True}  # a route's opt: its answer (a new API key) is never stored


@dataclass(frozen=True)
class Claim:
    store: ReplyStore
    scope: str
    key: str
    fingerprint: str
    method: str
    path: str
    keep_body: bool = True
    done: DoneMark | None = None  # None only where a test builds a claim by hand


class Replay(Exception):
    """The request was answered before: the answer is this stored one (mapped to `replayed()` in app.py)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__("replayed")
        self.reply = reply


class _StoredAnswer(Response[bytes]):
    """The stored status, headers (every Set-Cookie of them) and body, byte for byte."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.body or b"", status_code=reply.status)
        self.reply = reply

    def to_asgi_response(self, app: Any, request: Any, **_: Any) -> ASGIResponse:
        reply = self.reply
        return ASGIResponse(
            body=reply.body or b"",
            status_code=reply.status,
            headers=[*reply.headers, (REPLAYED, "true")],
        )


def replayed(_: Request[Any, Any, Any], exc: Replay) -> Response[Any]:
    return _StoredAnswer(exc.reply)


def caller_scope(principal: Principal) -> str:
    """Whose keys these are: an API key's own, else the user's (a token, the page session)."""
    return f"key:{principal.key_id}" if principal.key_id else f"user:{principal.user_id}"


def _part(h: Any, data: bytes) -> None:
    h.update(len(data).to_bytes(8, "big"))
    h.update(data)


async def fingerprint(request: Request[Any, Any, Any]) -> str:
    """sha256 of what the request asks: method, path, query, media type and body.

    A form is hashed field by field (a file by its name and bytes), not as raw bytes: two browser
    (or curl -F) posts of the same form differ only in their multipart boundary.
    """
    h = hashlib.sha256()
    media = request.content_type[0]
    for piece in (request.method, request.url.path, request.url.query or "", media):
        _part(h, piece.encode())
    if media == RequestEncodingType.MULTI_PART:
        await readable_form(request)
    if media in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
        form = await request.form()
        for name, value in form.multi_items():
            _part(h, name.encode())
            if isinstance(value, UploadFile):
                _part(h, (value.filename or "").encode())
                while chunk := await value.read(1024 * 1024):
                    h.update(chunk)
                await value.seek(0)
            else:
                _part(h, str(value).encode())
    else:
        _part(h, await request.body())
    return h.hexdigest()


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise BadRequest(
            f"The Idempotency-Key header must be 1 to {MAX_KEY_CHARS} printable ASCII characters without "
            "spaces (a UUID is a good key)"
        )
    return key


async def settle(
    request: Request[Any, Any, Any], store: ReplyStore, scope: str, key: str, *, form: bool = False
) -> None:
    """Before the route runs: replay the first answer, refuse another request under this key, or claim it.

    `form`: the key is a phone form's action id, and the refusals are worded for the person at the page.
    """
    mark = await fingerprint(request)
    found = await store.begin(scope, key)
    if found is None:
        secret = bool(request.route_handler.opt.get("answer_holds_secret"))
        done = store.mark_writes(scope, key, mark, request.method, request.url.path)
        claim = Claim(store, scope, key, mark, request.method, request.url.path, keep_body=not secret, done=done)
        request.scope.setdefault("state", {})[_CLAIM] = claim
        return
    if found.fingerprint != mark:
        if form:
            raise KeyConflict("This form was already sent with other values; nothing was done twice. Reload the page.")
        raise KeyConflict(
            f"This Idempotency-Key was used {found.created_at} for a different request ({found.method} "
            f"{found.path} with other values); nothing was done. Use a new key for a new request."
        )
    if found.status == PENDING:
        if form:
            raise KeyConflict(
                "This form was already sent and done, but its answer was lost (the daemon stopped, or could not "
                "save it); nothing was done twice. Reload the page to see the result."
            )
        raise KeyConflict(
            f"This request was already done {found.created_at}, but its answer was lost (the daemon stopped, or "
            "could not save it), so it is not sent again and nothing was done twice. Read the result with a GET."
        )
    if found.body is None:
        raise KeyConflict(
            f"This request was already done {found.created_at} (status {found.status}); its answer was not "
            f"kept ({found.body_bytes} bytes: too large, or it held a secret such as a new API key), so it is "
            "not sent again and nothing was done twice. Read the result with a GET."
        )
    raise Replay(found)


async def idempotency_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """The API faces' guard, after `authorize`: honours Idempotency-Key on every unsafe method.

    Without a caller (a public route such as login) the key is not used: nothing scopes it.
    """
    if not isinstance(connection, Request) or connection.method not in UNSAFE:
        return
    key = connection.headers.get(HEADER)
    principal = connection.scope.get("state", {}).get("principal")
    if key is None or not isinstance(principal, Principal):
        return
    check_key(key)
    store: ReplyStore = connection.app.state["services"].replies
    await settle(connection, store, caller_scope(principal), f"api:{key}")


def _unzipped(body: bytes) -> bytes | None:
    """A gzip answer (the compression middleware sits inside this one) as plain bytes; None past the cap."""
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        plain = inflate.decompress(body, MAX_BODY_BYTES + 1)
    except zlib.error:
        return None
    return plain if len(plain) <= MAX_BODY_BYTES else None


class RecordReplies:
    """Keeps the answer of a request that claimed a key (see `settle`), then releases the key."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope.get("method") not in UNSAFE:
            await self.app(scope, receive, send)
            return
        status = 0
        headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []
        size = 0

        async def capture(message: Message) -> None:
            nonlocal status, size
            claim: Claim | None = scope.get("state", {}).get(_CLAIM)
            if claim is not None:
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    headers[:] = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])]
                elif message["type"] == "http.response.body":
                    body = bytes(message.get("body", b""))
                    size += len(body)
                    if size <= MAX_BODY_BYTES * 4:  # gzip rarely shrinks a page more than that
                        chunks.append(body)
                    if not message.get("more_body", False):
                        if claim.done is not None:
                            claim.done.active = False  # the answer's own write (and any later) is not the change
                        try:
                            await _keep(claim, status, headers, b"".join(chunks), size)
                        except Exception as exc:  # the answer still goes out; a repeat would run again
                            log.warning("answer to %s %s not kept for replay: %s", claim.method, claim.path, exc)
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            claim = scope.get("state", {}).get(_CLAIM)
            if claim is not None:
                if claim.done is not None:
                    claim.done.active = False
                claim.store.release(claim.scope, claim.key)


async def _keep(claim: Claim, status: int, headers: list[tuple[str, str]], body: bytes, size: int) -> None:
    if status >= 500 or status in _NOT_KEPT:
        if claim.done is not None and claim.done.written:
            await claim.store.unmark(claim.scope, claim.key)
        return
    zipped = any(k.lower() == "content-encoding" and v.lower() == "gzip" for k, v in headers)
    plain: bytes | None = body if size <= MAX_BODY_BYTES and not zipped else None
    if zipped and size <= MAX_BODY_BYTES * 4:
        plain = _unzipped(body)
    if not claim.keep_body:
        plain = None
    kept = [(k, v) for k, v in headers if k.lower() not in _DROPPED]
    reply = Reply(
        claim.fingerprint,
        claim.method,
        claim.path,
        status,
        kept,
        plain,
        len(plain) if plain is not None else size,
        claim.store.now(),
    )
    await claim.store.keep(claim.scope, claim.key, reply)
