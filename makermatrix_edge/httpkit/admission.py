"""Route middleware for photo uploads: a request waits for its turn before its body is read.

Litestar reads and parses a multipart body before the handler runs, and a 10 MB photo is held two
or three times while that happens; twenty at once would be the memory problem all over again. So
the turn is taken here, in front of the body (a larger body takes more turns: DecodeGate.admit), and
given back when the answer is ready. A request
that waits too long gets 503 with Retry-After through the face's own error mapping.
"""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from makermatrix_edge.services import Services


def photo_admission(app: ASGIApp) -> ASGIApp:
    async def admitted(scope: Scope, receive: Receive, send: Send) -> None:
        services: Services = scope["litestar_app"].state["services"]
        async with services.decode_gate.admit(_content_length(scope)):
            await app(scope, receive, send)

    return admitted


def _content_length(scope: Scope) -> int | None:
    """The body's declared size (a browser always sends it for a form); None when absent or odd."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() and len(value) <= 12 else None
    return None
