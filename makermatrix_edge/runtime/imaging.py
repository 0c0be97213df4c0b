"""Decoding photos and uploads without running a Pi out of memory: bounded in pixels, bytes, concurrency and time.

`open_bounded` is the daemon's one image decoder: every picture from outside (uploads, phone
photos, scans, supplier pictures, thumbnails) is opened there and nowhere else. A decoded picture
costs its width x height x bytes per pixel (Pillow keeps RGB in 4 bytes), not its file size: a
115 KB PNG can declare 6000x6600 pixels and take 151 MB once decoded, and a 465 KB progressive
JPEG of that size needs 227 MB of coefficients before its first pixel comes out. So the cost is
worked out from the headers first (`too_big_to_decode`, after JPEG's `draft()` has picked a reduced
scale) and a picture that would take more than `MAX_DECODE_BYTES` is refused undecoded. Only
`DecodeGate.slots` decodes run at once, later ones wait at most `wait_seconds` and then get 503
with Retry-After, and after each the freed memory is handed back to the system.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import io
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import NamedTuple, TypeVar

from PIL import Image

from makermatrix_edge.errors import Overloaded
from makermatrix_edge.runtime.jpeg_scans import coefficient_bytes, first_scan_components

T = TypeVar("T")

# One decode may take at most this much memory; with DECODE_SLOTS at once the daemon stays well
# under 300 MB on a 1 GB Pi. 48 MB: a 12 Mpx RGB PNG, a 40 Mpx grey one, a 4 Mpx WebP, a 12 Mpx
# progressive JPEG at 4:2:0 (not at 4:4:4); baseline JPEGs are decoded at a reduced scale (draft)
# and so fit whatever their size.
MAX_DECODE_BYTES = 48 * 1024**2
MAX_PIXELS = 50_000_000  # a 48-50 Mpx phone photo; well under Pillow's own bomb limit (~89 Mpx)
# Only these decoders ever see bytes from outside: their cost is worked out here; that of the
# dozens of others Pillow can read (TIFF, PSD, ICO, ...) is not.
WEB_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
DECODE_SLOTS = 2  # a Pi has 4 slow cores; more at once only queue for the CPU and hold memory
# Photo requests at once, body included (a photo is held two or three times while it is parsed): four of
# up to PHOTO_UNIT each; a larger one takes as many turns as it has PHOTO_UNITs (a 20 MB photo two),
# so at most about 40 MB of photos are in memory at once, whatever their sizes.
PHOTO_REQUESTS = 4
PHOTO_UNIT = 10 * 1024**2
DECODE_WAIT_SECONDS = 10.0  # beyond this a client gets 503 + Retry-After instead of a hung request
_ONE_BYTE_MODES = {"1", "L", "P"}


class ImageRefused(ValueError):
    """Not decoded; the message says why in a person's words (never Pillow's)."""


class UnreadableImage(ImageRefused):
    """Not an image in one of the allowed formats, or a damaged one."""


class ImageTooLarge(ImageRefused):
    """Too many pixels, or it would take more than the decode budget."""


def decoded_bytes(image: Image.Image) -> int:
    """Memory the frame of `image` takes as it is opened now (after any draft()), measured, not hoped.

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


def jpeg_buffer_bytes(image: Image.Image, data: bytes) -> int:
    """The whole-image coefficient buffer libjpeg needs for `image` (0 when it decodes row by row).

    Call before draft(): the buffer is at full size whatever the output scale.
    """
    layers: list[tuple[int, int, int, int]] = getattr(image, "layer", [])
    if image.format not in ("JPEG", "MPO") or not layers:
        return 0
    scans = first_scan_components(data)
    if not image.info.get("progressive") and scans is not None and scans >= len(layers):
        return 0  # baseline, all components interleaved in one scan
    return coefficient_bytes(image.size, [(h, v) for _, h, v, _ in layers])


def too_big_to_decode(
    image: Image.Image, limit: int = MAX_DECODE_BYTES, buffer: int = 0, size: tuple[int, int] | None = None
) -> str | None:
    """Why `image` may not be decoded here, in words, or None when it fits.

    `buffer`: jpeg_buffer_bytes; `size`: as the file declares it (before any draft()).
    """
    need = decoded_bytes(image) + buffer
    if need <= limit:
        return None
    if buffer:
        what = "progressive JPEG" if image.info.get("progressive") else "JPEG in separate scans"
        advice = "a baseline JPEG or a smaller image"
    else:
        what, advice = image.mode, "a JPEG or a smaller image"
    width, height = size or image.size
    return (
        f"{width}x{height} {what} would take {math.ceil(need / 1024**2)} MB to decode "
        f"(at most {limit // 1024**2} MB): send {advice}"
    )


class Decoded(NamedTuple):
    image: Image.Image  # decoded, perhaps at a reduced scale
    size: tuple[int, int]  # as the file declares it


@contextlib.contextmanager
def open_bounded(
    source: bytes | Path,
    *,
    formats: tuple[str, ...] = WEB_FORMATS,
    max_pixels: int = MAX_PIXELS,
    max_bytes: int = MAX_DECODE_BYTES,
    reduce_to: int | None = None,
    mode: str | None = None,
    verify: bool = False,
) -> Iterator[Decoded]:
    """The first frame of `source`, decoded, or ImageRefused before anything is decoded.

    `reduce_to`: a JPEG may be decoded smaller, down to this long side (1/2 to 1/8 scale);
    `mode`: "L" lets a JPEG decode straight to grey; `verify`: check the file's structure (PNG
    checksums) first. Blocking: run it in a worker thread, under a DecodeGate slot.
    """
    data = source if isinstance(source, bytes) else source.read_bytes()
    try:
        if verify:
            with Image.open(io.BytesIO(data), formats=formats) as probe:
                _check_pixels(probe.size, max_pixels)
                probe.verify()
        image = Image.open(io.BytesIO(data), formats=formats)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge(f"it has more than {max_pixels:,} pixels") from None
    except Exception:  # Pillow raises many kinds (OSError, SyntaxError, ValueError, ...) on hostile bytes
        raise UnreadableImage("not a readable image, or a damaged one") from None
    with image:
        size = image.size
        _check_pixels(size, max_pixels)
        buffer = jpeg_buffer_bytes(image, data)  # at full size: before draft()
        if reduce_to is not None or mode is not None:
            factor = reduction_for(size, reduce_to) if reduce_to else 1
            image.draft(mode, (max(1, size[0] // factor), max(1, size[1] // factor)))
        problem = too_big_to_decode(image, max_bytes, buffer, size)
        if problem:
            raise ImageTooLarge(problem)
        try:
            image.load()  # truncated or corrupt data fails here (verify() does not check JPEG data)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageTooLarge(f"it has more than {max_pixels:,} pixels") from None
        except Exception:
            raise UnreadableImage("not a readable image, or a damaged one") from None
        yield Decoded(image, size)


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    if size[0] * size[1] > max_pixels:
        raise ImageTooLarge(f"{size[0]}x{size[1]} is more than {max_pixels:,} pixels")


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
    """`size` slots shared by coroutines (on any event loop) and worker threads, each wait bounded.

    One count for both: a supplier picture decoded in a task thread takes a slot the same way a
    photo request on the event loop does. A release wakes every waiter, which then tries again.
    """

    def __init__(self, size: int, wait_seconds: float, busy: str) -> None:
        self.size = size
        self.wait_seconds = wait_seconds
        self.busy = busy
        self._lock = threading.Lock()
        self._free = size
        self._wakers: set[Callable[[], None]] = set()

    def _take_or_wait_with(self, wake: Callable[[], None], n: int = 1) -> bool:
        with self._lock:
            if self._free >= n:
                self._free -= n
                return True
            self._wakers.add(wake)
            return False

    def _forget(self, wake: Callable[[], None]) -> None:
        with self._lock:
            self._wakers.discard(wake)

    def release(self, n: int = 1) -> None:
        with self._lock:
            self._free += n
            wakers = list(self._wakers)
        for wake in wakers:
            wake()

    def _overloaded(self) -> Overloaded:
        retry = max(1, math.ceil(self.wait_seconds / 2))
        return Overloaded(f"{self.busy}; try again in {retry} s", retry)

    async def acquire(self, n: int = 1) -> None:
        """Wait for `n` free slots (at most `size`); Overloaded (503 with Retry-After) after wait_seconds."""
        n = min(max(1, n), self.size)
        loop = asyncio.get_running_loop()
        woken = asyncio.Event()

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # that loop is already closed: nobody waits there
                loop.call_soon_threadsafe(woken.set)

        try:
            async with asyncio.timeout(self.wait_seconds):
                while not self._take_or_wait_with(wake, n):
                    try:
                        await woken.wait()
                    finally:
                        self._forget(wake)
                    woken.clear()
        except TimeoutError:
            raise self._overloaded() from None

    def acquire_blocking(self) -> None:
        """acquire() for a worker thread."""
        deadline = time.monotonic() + self.wait_seconds
        woken = threading.Event()
        while not self._take_or_wait_with(woken.set):
            try:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not woken.wait(remaining):
                    raise self._overloaded()
            finally:
                self._forget(woken.set)
            woken.clear()


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

    @contextlib.asynccontextmanager
    async def admit(self, body_bytes: int | None = None) -> AsyncIterator[None]:
        """Held by a photo request from before its body is read until its answer is ready.

        `body_bytes`: the request's Content-Length; a body of several PHOTO_UNITs takes as many turns
        (unknown: all of them).
        """
        turns = self._requests.size if body_bytes is None else math.ceil(max(1, body_bytes) / PHOTO_UNIT)
        turns = min(max(1, turns), self._requests.size)
        await self._requests.acquire(turns)
        try:
            yield
        finally:
            self._requests.release(turns)

    async def run(self, fn: Callable[[], T]) -> T:
        """Run the blocking `fn` in a worker thread once a slot is free."""
        await self._decodes.acquire()
        try:
            future = asyncio.get_running_loop().run_in_executor(None, self._work, fn)
        except BaseException:
            self._decodes.release()  # the work never started
            raise
        return await asyncio.shield(future)

    def run_blocking(self, fn: Callable[[], T]) -> T:
        """run() for a caller already in a worker thread (a task): waits for a slot, runs `fn` here."""
        self._decodes.acquire_blocking()
        return self._work(fn)

    def _work(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        finally:
            trim_memory()
            self._decodes.release()
