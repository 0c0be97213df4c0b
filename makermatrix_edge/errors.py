"""Domain errors raised by services; each API face maps them to HTTP in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base: the message is shown to a person as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    """A duplicate or a state that forbids the change (e.g. the last admin)."""


class KeyConflict(Conflict):
    """An Idempotency-Key (or a form's action id) reused for another request, or its first request still running.

    HTTP 409 on every face, ALORA included (whose other conflicts are 400 by its contract).
    """


class BadRequest(DomainError):
    """The request cannot be read at all (e.g. malformed JSON)."""


class MalformedBody(BadRequest):
    """The request body is not valid JSON (the MakerMatrix face answers it as FastAPI does, with 422)."""


class InvalidInput(DomainError):
    """Well-formed but unacceptable input; `field` names what is wrong."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


class BeyondLimit(InvalidInput):
    """Input past a hard limit (a number past bounds.MAX_INT, JSON nested too deep): 422 on both faces."""


class ControlCharacter(InvalidInput):
    """Text holding a control character (NUL, ESC, ...) where none may be stored: 422 on both faces."""


class Unauthorized(DomainError):
    """No valid credentials."""


class Forbidden(DomainError):
    """Valid credentials without the right to do this."""


class TooManyRequests(DomainError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class DeviceUnavailable(DomainError):
    """A device (printer, camera, LLM, drive) is offline; the message says why."""


class Gone(DomainError):
    """An endpoint or resource that existed once and was removed on purpose."""


class Overloaded(DeviceUnavailable):
    """Too much heavy work at once (photos being decoded); HTTP 503 with Retry-After."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class DiskFull(DomainError):
    """The disk holding the data directory is full; nothing was written (HTTP 507)."""


class Refused(DomainError):
    """A well-formed request the item's state forbids (a system tag deleted, a tool already out): HTTP 400."""
