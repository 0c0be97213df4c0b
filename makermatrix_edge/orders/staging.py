"""Uploaded order files kept on disk between a preview and its confirm, or until a task imports them."""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path

from makermatrix_edge.clock import Clock
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.orders.importers.base import UnreadableFile


class StagedUploads:
    """Files under random 128-bit names in <data_dir>/imports; whoever holds the name may import it."""

    def __init__(self, folder: Path, clock: Clock) -> None:
        self.folder = folder
        self._clock = clock

    def _path(self, token: str) -> Path:
        if len(token) != 32 or not token.isalnum():
            raise InvalidInput("not a staged file", "staged")
        return self.folder / f"{token}.upload"

    def stage(self, content: bytes) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex
        self._path(token).write_bytes(content)
        return token

    def read(self, token: str) -> bytes:
        try:
            return self._path(token).read_bytes()
        except FileNotFoundError:
            raise UnreadableFile("The uploaded file is gone (already imported, or left too long)") from None

    def discard(self, token: str) -> None:
        with contextlib.suppress(InvalidInput):  # a made-up name: nothing to discard
            self._path(token).unlink(missing_ok=True)

    def sweep(self, older_than_seconds: float = 86400) -> None:
        """Uploads left by a crash or an abandoned phone preview (blocking; at start)."""
        if not self.folder.is_dir():
            return
        cutoff = self._clock() - older_than_seconds
        for path in self.folder.glob("*.upload"):
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
