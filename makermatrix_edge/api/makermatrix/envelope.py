"""The MakerMatrix answer shape: {status, message, data} (+ page, page_size, total_parts)."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

import msgspec

T = TypeVar("T")


class Envelope(msgspec.Struct, Generic[T], omit_defaults=True):
    status: Literal["success", "error", "warning"]
    message: str
    data: T
    page: int | None = None
    page_size: int | None = None
    total_parts: int | None = None


def ok(data: T, message: str = "OK") -> Envelope[T]:
    return Envelope(status="success", message=message, data=data)


def paged(data: T, message: str, *, page: int, page_size: int, total: int) -> Envelope[T]:
    return Envelope(status="success", message=message, data=data, page=page, page_size=page_size, total_parts=total)


def error_body(message: str, data: Any = None) -> dict[str, Any]:
    """`detail` repeats the message where FastAPI clients (MakerMatrix's front end among them) read it."""
    return {"status": "error", "message": message, "data": data, "detail": message}
