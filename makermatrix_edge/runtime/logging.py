"""Logging to stdout (journald adds the time): level, logger, message, key=value context."""

from __future__ import annotations

import logging
import sys
from typing import ClassVar

_FORMAT = "%(levelname)s %(name)s: %(message)s"


class _LevelPrefixFormatter(logging.Formatter):
    """Prefix each line with its syslog priority (<3>..<7>) so journald keeps the level."""

    _PRIORITY: ClassVar[dict[int, int]] = {
        logging.DEBUG: 7,
        logging.INFO: 6,
        logging.WARNING: 4,
        logging.ERROR: 3,
        logging.CRITICAL: 2,
    }

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return f"<{self._PRIORITY.get(record.levelno, 6)}>{text}"


def configure_logging(level: str, *, journald: bool) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_LevelPrefixFormatter(_FORMAT) if journald else logging.Formatter("%(asctime)s " + _FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level) if noisy != "uvicorn.access" else root.level)
