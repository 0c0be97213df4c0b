"""Logging to stdout (journald adds the time): level, logger, message, key=value context."""

from __future__ import annotations

import logging
import sys
from typing import ClassVar

import msgspec

from makermatrix_edge.runtime.redact import RedactSecrets, redact

_FORMAT = "%(levelname)s %(name)s: %(message)s"


# Attributes every LogRecord has; anything else came from `extra=` and is printed as key=value.
_STANDARD = {*vars(logging.LogRecord("", 0, "", 0, "", None, None)), "message", "asctime", "color_message"}


def _context(record: logging.LogRecord) -> str:
    """`extra={"part_id": "…", "seconds": 1.5}` as ' part_id=… seconds=1.5' (scalars only)."""
    pairs = []
    for key, value in vars(record).items():
        if key in _STANDARD or key.startswith("_") or not isinstance(value, (str, int, float, bool)):
            continue
        text = str(value)
        pairs.append(f"{key}={msgspec.json.encode(text).decode() if (' ' in text or not text) else text}")
    return redact(" " + " ".join(pairs)) if pairs else ""


class _Formatter(logging.Formatter):
    """level logger: message key=value…; for journald, prefixed with the syslog priority (<3>..<7>)."""

    _PRIORITY: ClassVar[dict[int, int]] = {
        logging.DEBUG: 7,
        logging.INFO: 6,
        logging.WARNING: 4,
        logging.ERROR: 3,
        logging.CRITICAL: 2,
    }

    def __init__(self, fmt: str, *, journald: bool) -> None:
        super().__init__(fmt)
        self._journald = journald

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = _context(record)
        if context:
            first, newline, rest = text.partition("\n")  # after the message, before any traceback
            text = first + context + newline + rest
        return f"<{self._PRIORITY.get(record.levelno, 6)}>{text}" if self._journald else text


def configure_logging(level: str, *, journald: bool) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_Formatter(_FORMAT if journald else "%(asctime)s " + _FORMAT, journald=journald))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler.addFilter(RedactSecrets())  # no secret in journald, whichever library logs it
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level) if noisy != "uvicorn.access" else root.level)
