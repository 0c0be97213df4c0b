"""Decoding photos and uploads without running a Pi out of memory: bounded in pixels, bytes, concurrency and time.

A decoded picture costs its width x height x bytes per pixel (Pillow keeps RGB in 4 bytes), not
its file size: a 115 KB PNG can declare 6000x6600 pixels and take 151 MB once decoded. So every
decode is checked from the header first (`decoded_bytes`, after JPEG's `draft()` has picked a
reduced scale), only `DecodeGate.slots` run at once, later ones wait at most `wait_seconds` and
then get 503 with Retry-After, and after each the freed memory is handed back to the system.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import math
import weakref
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from PIL import Image

from makermatrix_edge.errors import Overloaded

T = TypeVar("T")

# One decode may take at most this much memory; with DECODE_SLOTS at once the daemon stays well
# under 300 MB on a 1 GB Pi. 48 MB: a 12 Mpx RGB PNG, a 40 Mpx grey one, a 4 Mpx WebP; JPEGs are
# decoded at a reduced scale (draft) and so fit whatever their size.
MAX_DECODE_BYTES = 48 * 1024**2
DECODE_SLOTS = 2  # a Pi has 4 slow cores; more at once only queue for the CPU and hold memory
# Photo requests at once, body included (a 10 MB photo is held two or three times while it is parsed).
PHOTO_REQUESTS = 4
DECODE_WAIT_SECONDS = 10.0  # beyond this a client gets 503 + Retry-After instead of a hung request
_ONE_BYTE_MODES = {"1", "L", "P"}


def decoded_bytes(image: Image.Image) -> int:
    """Memory it takes to decode `image` as it is opened now (after any draft()), measured, not hoped.

    Pillow holds the frame (RGB in 4 bytes a pixel); libwebp decodes into its own buffer, which is
    then copied, so a WebP costs about three frames; a palette or bilevel picture gets a grey copy
    of the same size before it can be reduced.
    """
    mode = image.mode
    pixels = image.width * image.height
    per_pixel = 1 if mode in _ONE_BYTE_MODES else 2 if mode.startswith("I;16") else 4
    frame = pixels * per_pixel
    if image.format == "WEBP":
        return 3 * frame
    return frame + pixels if mode in ("P", "1") else frame


def too_big_to_decode(image: Image.Image, limit: int = MAX_DECODE_BYTES) -> str | None:
    """Why `image` may not be decoded here, in words, or None when it fits."""
    need = decoded_bytes(image)
    if need <= limit:
        return None
    return (
        f"{image.width}x{image.height} {image.mode} would take {math.ceil(need / 1024**2)} MB to decode "
        f"(at most {limit // 1024**2} MB): send a JPEG or a smaller image"
    )


def reduction_for(size: tuple[int, int], max_side: int) -> int:
    """The integer factor that brings the long side of `size` to at most `max_side`."""
    return max(1, math.ceil(max(size) / max_side))


class _Malloc:
    """glibc's malloc, when there is one (musl, macOS: every call here does nothing)."""

    M_MMAP_THRESHOLD = -3

    def __init__(self) -> None:
        self._libc: ctypes.CDLL | None = None
        name = ctypes.util.find_library("c")
        try:
            libc = ctypes.CDLL(name) if name else None
        except OSError:
            libc = None
        if libc is not None and hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt"):
            self._libc = libc

    def trim(self) -> None:
        if self._libc is not None:
            self._libc.malloc_trim(0)

    def fix_mmap_threshold(self, size: int) -> None:
        if self._libc is not None:
            self._libc.mallopt(self.M_MMAP_THRESHOLD, size)


_MALLOC = _Malloc()
MMAP_THRESHOLD = 1024**2


def trim_memory() -> None:
    """Return free heap memory of every malloc arena to the OS (a no-op without glibc)."""
    _MALLOC.trim()


def keep_big_buffers_apart() -> None:
    """Once, in the daemon: buffers over 1 MB (decoded frames, request bodies) get their own mappings.

    glibc raises its mmap threshold up to 32 MB after the first big free, after which the 16 MB
    blocks Pillow decodes into land in the heap and stay in the RSS; a fixed threshold returns
    each one to the system the moment it is freed.
    """
    _MALLOC.fix_mmap_threshold(MMAP_THRESHOLD)


class _Slots:
    """A semaphore per event loop (the daemon has one; each test client has its own) with a bounded wait."""

    def __init__(self, size: int, wait_seconds: float, busy: str) -> None:
        self.size = size
        self.wait_seconds = wait_seconds
        self.busy = busy
        self._semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    async def acquire(self) -> asyncio.Semaphore:
        """Wait for a free slot; Overloaded (503 with Retry-After) after wait_seconds."""
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores[loop] = asyncio.Semaphore(self.size)
        try:
            async with asyncio.timeout(self.wait_seconds):
                await semaphore.acquire()
        except TimeoutError:
            retry = max(1, math.ceil(self.wait_seconds / 2))
            raise Overloaded(f"{self.busy}; try again in {retry} s", retry) from None
        return semaphore


class DecodeGate:
    """At most `slots` heavy decodes at once, and at most `requests` photo requests holding their body
    in memory; the rest wait up to `wait_seconds`, then Overloaded (503 with Retry-After).

    A decode slot is freed when the decoding thread ends, not when the request gives up: a client
    that disconnects mid-decode cannot make room for another decode while its own still holds memory.
    """

    def __init__(
        self, slots: int = DECODE_SLOTS, requests: int = PHOTO_REQUESTS, wait_seconds: float = DECODE_WAIT_SECONDS
    ) -> None:
        self._decodes = _Slots(slots, wait_seconds, "Busy decoding other images")
        self._requests = _Slots(requests, wait_seconds, "Busy receiving other images")
        self.running = 0

    @contextlib.asynccontextmanager
    async def admit(self) -> AsyncIterator[None]:
        """Held by a photo request from before its body is read until its answer is ready."""
        semaphore = await self._requests.acquire()
        try:
            yield
        finally:
            semaphore.release()

    async def run(self, fn: Callable[[], T]) -> T:
        """Run the blocking `fn` in a worker thread once a slot is free."""
        semaphore = await self._decodes.acquire()
        self.running += 1

        def work() -> T:
            try:
                return fn()
            finally:
                trim_memory()

        future = asyncio.get_running_loop().run_in_executor(None, work)

        def release(_: object) -> None:
            self.running -= 1
            semaphore.release()

        future.add_done_callback(release)
        return await asyncio.shield(future)
