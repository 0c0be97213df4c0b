"""Uploaded part/location images: judged by content with Pillow, stored as <uuid>.<ext>, smaller copies on demand.

Two smaller copies are made once and kept beside the originals: `thumbs/` (256 px, list cards) and
`page/` (a JPEG of at most 800 px and 150 KB, the part page). A 48 Mpx phone photo is 5-20 MB;
served as it is, every view of the part page downloaded all of it over the bench's Wi-Fi.

Blocking (Pillow and file I/O): callers on the event loop run these methods in a worker thread.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import tempfile
import uuid
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
from PIL import Image, ImageOps

from makermatrix_edge.errors import DomainError, NotFound
from makermatrix_edge.runtime import imaging
from makermatrix_edge.runtime.imaging import MAX_DECODE_BYTES, MAX_PIXELS, open_bounded

MAX_BYTES = 20 * 1024 * 1024  # a 48 Mpx phone photo; the same limit as a photo to scan ([scanner] max_image_bytes)
# Where a stored image is served: a part's image_url is this followed by the stored file name.
IMAGE_URL = "/api/utility/get_image/"
THUMB_SIZE = 256
PAGE_SIZE = 800  # the part page's photo: long side at most this ...
PAGE_MAX_BYTES = 150 * 1024  # ... and at most this many bytes (a smaller original is served as it is)
_PAGE_QUALITIES = (80, 65, 50, 35)
_ORIENTATION = 0x0112  # EXIF tag; values 5-8 swap width and height
_TEMP_PREFIX = ".upload-"


class ImageTooLarge(DomainError):
    """The file is bigger than the store accepts (HTTP 413)."""


class UnsupportedImage(DomainError):
    """Not a PNG, JPEG, GIF or WebP image, or a damaged or oversized one (HTTP 415)."""


class StoredImage(msgspec.Struct, frozen=True):
    image_id: str
    filename: str
    content_type: str
    width: int
    height: int


class _Kind(NamedTuple):
    ext: str
    content_type: str
    pillow_format: str


_KINDS: dict[str, _Kind] = {
    "PNG": _Kind("png", "image/png", "PNG"),
    "JPEG": _Kind("jpg", "image/jpeg", "JPEG"),
    "MPO": _Kind("jpg", "image/jpeg", "JPEG"),  # phone JPEGs with a multi-picture index; plain JPEG to a browser
    "GIF": _Kind("gif", "image/gif", "GIF"),
    "WEBP": _Kind("webp", "image/webp", "WEBP"),
}
_BY_EXT: dict[str, _Kind] = {kind.ext: kind for kind in _KINDS.values()}
# Exactly a lowercase UUID, optionally with one of our extensions; nothing else names a file here.
_REF = re.compile(
    r"(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\.(?P<ext>png|jpg|gif|webp))?"
)
_SAVE_MODES = {"JPEG": {"L", "RGB", "CMYK"}, "PNG": {"1", "L", "LA", "I", "I;16", "RGB", "RGBA"}}
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {"JPEG": {"quality": 85}, "WEBP": {"quality": 80}}


class ImageStore:
    """Images in one folder, thumbnails in its `thumbs/` subfolder."""

    def __init__(
        self,
        folder: Path,
        *,
        max_bytes: int = MAX_BYTES,
        max_pixels: int = MAX_PIXELS,
        thumb_size: int = THUMB_SIZE,
        max_decode_bytes: int = MAX_DECODE_BYTES,
    ) -> None:
        self.folder = folder
        self.max_decode_bytes = max_decode_bytes
        self.thumbs = folder / "thumbs"
        self.pages = folder / "page"
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.thumb_size = thumb_size

    def save(self, data: bytes) -> StoredImage:
        """Check the bytes are a supported image and store them unchanged under a new id."""
        if len(data) > self.max_bytes:
            raise ImageTooLarge(f"Image is larger than {self.limit_words()}")
        kind, width, height = self._inspect(data)
        image_id = str(uuid.uuid4())
        filename = f"{image_id}.{kind.ext}"
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.folder / filename, data)
        return StoredImage(image_id, filename, kind.content_type, width, height)

    def limit_words(self) -> str:
        return f"{self.max_bytes / (1024 * 1024):g} MB"

    def path_for(self, image_ref: str, *, thumb: bool = False, page: bool = False) -> tuple[Path, str]:
        """The file (and its content type) for '<uuid>.<ext>' or a bare '<uuid>'; a smaller copy is made once."""
        match = _REF.fullmatch(image_ref)  # before any filesystem access: nothing else can name a path
        if match is None:
            raise NotFound("Image not found")
        # The id names the image; a client that writes another extension (".png" for a JPEG, as
        # the document's URL form does) still gets it, with its true content type.
        exts = list(dict.fromkeys([match["ext"], *_BY_EXT])) if match["ext"] else list(_BY_EXT)
        for ext in exts:
            path = self.folder / f"{match['id']}.{ext}"
            if self._is_own_file(path, self.folder):
                kind = _BY_EXT[ext]
                if page:
                    return self._page_copy(path, kind)
                return (self._thumbnail(path, kind) if thumb else path), kind.content_type
        raise NotFound("Image not found")

    def sweep_temp_files(self) -> int:
        """Remove half-written files a crash left behind; call at startup only (it would race live uploads)."""
        removed = 0
        for folder in (self.folder, self.thumbs, self.pages):
            for path in folder.glob(f"{_TEMP_PREFIX}*") if folder.is_dir() else ():
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
        return removed

    def _inspect(self, data: bytes) -> tuple[_Kind, int, int]:
        """(kind, width, height as displayed) or UnsupportedImage; decodes the first frame in full.

        A JPEG is decoded at 1/8 scale where it can be: every byte is still read and checked.
        """
        bounds = open_bounded(
            data, reduce_to=1, verify=True, max_pixels=self.max_pixels, max_bytes=self.max_decode_bytes
        )
        try:
            with bounds as (image, (width, height)):
                kind = _KINDS[image.format or ""]
                orientation = image.getexif().get(_ORIENTATION)
        except imaging.ImageTooLarge as exc:
            raise UnsupportedImage(f"Image has too many pixels: {exc}") from None
        except Exception:  # unreadable, not one of ours, or EXIF that Pillow cannot parse
            raise UnsupportedImage("Not a PNG, JPEG, GIF or WebP image, or the image is damaged") from None
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        return kind, width, height

    def _thumbnail(self, original: Path, kind: _Kind) -> Path:
        target = self.thumbs / original.name
        if self._is_own_file(target, self.thumbs):
            return target
        try:  # judged again: a file in the folder is no proof it came through save()
            data = self._render_thumbnail(original, kind)
        except imaging.ImageRefused as exc:
            raise UnsupportedImage(f"No thumbnail: {exc}") from None
        self.thumbs.mkdir(parents=True, exist_ok=True)
        _write_atomically(target, data)  # a racing request writes the same bytes; last rename wins
        return target

    def _render_thumbnail(self, original: Path, kind: _Kind) -> bytes:
        # A JPEG is decoded at the smallest scale still twice the thumbnail, as Image.thumbnail would.
        with open_bounded(original, reduce_to=2 * self.thumb_size, max_bytes=self.max_decode_bytes) as (source, _):
            image: Image.Image = source  # GIF and WebP: the first frame only
            if image.mode == "P":
                image = image.convert("RGBA")  # resample in colour, not by palette index
            image.thumbnail((self.thumb_size, self.thumb_size))  # square box: fine before the EXIF turn
            image = ImageOps.exif_transpose(image)
            if image.mode not in _SAVE_MODES.get(kind.pillow_format, {image.mode}):
                image = image.convert("RGB" if kind.pillow_format == "JPEG" else "RGBA")
            out = io.BytesIO()
            options = dict(_SAVE_OPTIONS.get(kind.pillow_format, {}))
            if kind.pillow_format != "GIF" and source.info.get("icc_profile"):
                options["icc_profile"] = source.info["icc_profile"]
            image.save(out, kind.pillow_format, **options)
        return out.getvalue()

    def _page_copy(self, original: Path, kind: _Kind) -> tuple[Path, str]:
        """The part page's copy: the original when it is small already, else a JPEG made once."""
        target = self.pages / f"{original.stem}.jpg"
        if self._is_own_file(target, self.pages):
            return target, "image/jpeg"
        if original.stat().st_size <= PAGE_MAX_BYTES:
            return original, kind.content_type
        try:
            data = self._render_page(original)
        except imaging.ImageRefused as exc:
            raise UnsupportedImage(f"No page copy: {exc}") from None
        self.pages.mkdir(parents=True, exist_ok=True)
        _write_atomically(target, data)
        return target, "image/jpeg"

    def _render_page(self, original: Path) -> bytes:
        # A JPEG is decoded at the smallest scale still at least PAGE_SIZE (a 48 Mpx photo at 1/8).
        with open_bounded(original, reduce_to=PAGE_SIZE, max_bytes=self.max_decode_bytes) as (source, _):
            image: Image.Image = source
            if image.mode in ("P", "1"):
                image = image.convert("RGBA")
            image.thumbnail((PAGE_SIZE, PAGE_SIZE), Image.Resampling.LANCZOS)
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA") or "transparency" in image.info:
                flat = Image.new("RGB", image.size, "white")  # JPEG has no transparency: on white, as shown
                flat.paste(image, mask=image.convert("RGBA").getchannel("A"))
                image = flat
            elif image.mode != "RGB":
                image = image.convert("RGB")
            icc = source.info.get("icc_profile")
        out = b""
        for quality in _PAGE_QUALITIES:  # the first quality that fits the byte budget
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=quality, optimize=True, **({"icc_profile": icc} if icc else {}))
            out = buffer.getvalue()
            if len(out) <= PAGE_MAX_BYTES:
                break
        return out

    @staticmethod
    def _is_own_file(path: Path, folder: Path) -> bool:
        """A regular file (not a symlink) whose real location is directly in `folder`."""
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                return False
            return path.resolve(strict=True).parent == folder.resolve(strict=True)
        except (OSError, RuntimeError):
            return False


def _write_atomically(target: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, rename: a crash never leaves a half file under the final name."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=_TEMP_PREFIX)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    folder_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder_fd)  # make the rename itself durable
    finally:
        os.close(folder_fd)
