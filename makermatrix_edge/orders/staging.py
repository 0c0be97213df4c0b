"""Uploaded order files kept on disk between a preview and its confirm, or until a task imports them.

A phone's previews are bounded: each user keeps at most `preview_max_files_per_user` files and
`preview_max_bytes_per_user` bytes (a new preview drops that user's oldest: they have moved on to
the newer file), and all users together `preview_max_files` / `preview_max_bytes` (past that a new
preview is refused in words: another user's preview is not ours to drop). Previews older than
`preview_keep_hours` are dropped whenever one is staged, and at start.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from makermatrix_edge.clock import Clock
from makermatrix_edge.errors import InvalidInput, Overloaded
from makermatrix_edge.orders.importers.base import UnreadableFile

PREVIEWS = "previews"


@dataclass(frozen=True)
class PreviewLimits:
    files_per_user: int
    bytes_per_user: int
    files: int
    total_bytes: int
    keep_seconds: float


class StagedUploads:
    """Files under random 128-bit names in <data_dir>/imports; whoever holds the name may import it."""

    def __init__(self, folder: Path, clock: Clock, limits: PreviewLimits) -> None:
        self.folder = folder
        self._clock = clock
        self.limits = limits
        self._lock = threading.Lock()  # staging counts then writes: two at once must not both fit

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

    def sweep(self, older_than_seconds: float | None = None) -> None:
        """Uploads left by a crash or an abandoned phone preview (blocking; at start)."""
        if not self.folder.is_dir():
            return
        cutoff = self._clock() - (self.limits.keep_seconds if older_than_seconds is None else older_than_seconds)
        for path in [*self.folder.glob("*.upload"), *self.folder.glob(f"{PREVIEWS}/*/*.upload")]:
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)

    # -- a phone's previews, per user ------------------------------------------------------
    def _user_folder(self, owner: str) -> Path:
        return self.folder / PREVIEWS / hashlib.sha256(owner.encode()).hexdigest()[:32]

    def _preview_path(self, token: str, owner: str) -> Path:
        if len(token) != 32 or not token.isalnum():
            raise InvalidInput("not a staged file", "staged")
        return self._user_folder(owner) / f"{token}.upload"

    def stage_preview(self, content: bytes, owner: str) -> str:
        """Keep a previewed file for its confirm (blocking); drops the owner's oldest past their limits."""
        limits = self.limits
        if len(content) > limits.bytes_per_user:
            raise InvalidInput(f"a preview may keep at most {limits.bytes_per_user // 1_000_000} MB", "file")
        with self._lock:
            cutoff = self._clock() - limits.keep_seconds
            kept: list[tuple[float, int, Path]] = []
            for path in (self.folder / PREVIEWS).glob("*/*.upload"):
                with contextlib.suppress(FileNotFoundError):
                    info = path.stat()
                    if info.st_mtime < cutoff:
                        path.unlink(missing_ok=True)
                    else:
                        kept.append((info.st_mtime, info.st_size, path))
            folder = self._user_folder(owner)
            mine = sorted(k for k in kept if k[2].parent == folder)
            while mine and (
                len(mine) + 1 > limits.files_per_user
                or sum(size for _, size, _ in mine) + len(content) > limits.bytes_per_user
            ):
                oldest = mine.pop(0)
                oldest[2].unlink(missing_ok=True)
                kept.remove(oldest)
            if len(kept) + 1 > limits.files or sum(size for _, size, _ in kept) + len(content) > limits.total_bytes:
                raise Overloaded(
                    f"The daemon already keeps {len(kept)} previews ({sum(k[1] for k in kept) // 1_000_000} MB) "
                    "waiting to be confirmed, its limit: import the file directly, or preview it again later",
                    retry_after=600,
                )
            folder.mkdir(parents=True, exist_ok=True)
            token = uuid.uuid4().hex
            self._preview_path(token, owner).write_bytes(content)
            return token

    def read_preview(self, token: str, owner: str) -> bytes:
        """The previewed file; only its owner may confirm it."""
        try:
            return self._preview_path(token, owner).read_bytes()
        except FileNotFoundError:
            raise UnreadableFile(
                "The previewed file is gone (already imported, replaced by a newer preview, or left too long): "
                "choose the file again"
            ) from None

    def discard_preview(self, token: str, owner: str) -> None:
        with contextlib.suppress(InvalidInput):
            self._preview_path(token, owner).unlink(missing_ok=True)
