"""Write a backup ZIP: members hashed as they are written, manifest.json last, `.partial` then rename.

The file is written under `<name>.zip.partial` in the target folder, flushed and fsynced, renamed
to its final name and the folder fsynced, so a pulled drive or a power cut never leaves a half
file under a backup's name. With a passphrase the members are AES-256 encrypted (WinZip AE-2,
via pyzipper), never ZipCrypto.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, cast

import msgspec
import pyzipper  # type: ignore[import-untyped]

MANIFEST = "manifest.json"
DATABASE_MEMBER = "makermatrix.db"
PARTIAL_SUFFIX = ".partial"
FORMAT_VERSION = 1
_CHUNK = 1024 * 1024
# Already-compressed files are stored as they are: deflating JPEGs costs a Pi's CPU for nothing.
_STORED_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf", ".zip", ".gz"})


class ArchiveTooLarge(Exception):
    """The backup would not fit in one file on this filesystem (FAT32: 4 GiB - 1)."""


@dataclass(frozen=True)
class Source:
    arcname: str  # always with "/" separators, never absolute, never ".."
    path: Path | None = None
    data: bytes | None = None

    @property
    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size


def tree(folder: Path, prefix: str, *, skip_prefix: str = ".") -> Iterator[Source]:
    """Every regular file under folder (symlinks and hidden temp files left out), sorted."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(skip_prefix) for part in rel.parts) or path.is_symlink() or not path.is_file():
            continue
        yield Source(f"{prefix}/{rel.as_posix()}", path=path)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_zip(path: Path | IO[bytes], mode: Literal["r", "w"], passphrase: str | None) -> zipfile.ZipFile:
    if passphrase:
        zf = pyzipper.AESZipFile(
            path,
            mode,
            compression=zipfile.ZIP_DEFLATED,
            encryption=pyzipper.WZ_AES if mode == "w" else None,
        )
        zf.setpassword(passphrase.encode())
        if mode == "w":
            zf.setencryption(pyzipper.WZ_AES, nbits=256)
        return cast(zipfile.ZipFile, zf)
    return zipfile.ZipFile(path, mode, compression=zipfile.ZIP_DEFLATED, allowZip64=True)


def _copy_member(zf: zipfile.ZipFile, source: Source) -> str:
    digest = hashlib.sha256()
    info = zipfile.ZipInfo(source.arcname, date_time=(2000, 1, 1, 0, 0, 0))
    suffix = Path(source.arcname).suffix.lower()
    info.compress_type = zipfile.ZIP_STORED if suffix in _STORED_SUFFIXES else zipfile.ZIP_DEFLATED
    # pyzipper's AES writer takes a name only (it deflates everything); plain zipfile takes the ZipInfo.
    target: zipfile.ZipInfo | str = source.arcname if isinstance(zf, pyzipper.AESZipFile) else info
    with zf.open(target, "w", force_zip64=source.size > 0x7FFFFFFF) as out:
        if source.data is not None:
            digest.update(source.data)
            out.write(source.data)
        else:
            assert source.path is not None
            with source.path.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
    return digest.hexdigest()


def write_archive(
    final: Path,
    sources: list[Source],
    manifest: dict[str, Any],
    *,
    passphrase: str | None = None,
    max_file_bytes: int | None = None,
    progress: Callable[[float, str], None] = lambda pct, step: None,
) -> int:
    """Write the archive atomically at `final`; returns its size in bytes."""
    total = sum(s.size for s in sources)
    # Stored size is at most the input plus headers; refusing on the input keeps the rule simple and safe.
    if max_file_bytes is not None and total + 1024 * (len(sources) + 16) > max_file_bytes:
        raise ArchiveTooLarge(
            f"backup of {total / 2**30:.2f} GiB cannot be one file on this drive (FAT32 holds at most 4 GiB per"
            " file); reformat the drive as exFAT or ext4, or leave images/datasheets out"
        )
    partial = final.with_name(final.name + PARTIAL_SUFFIX)
    members: dict[str, dict[str, Any]] = {}
    done = 0
    try:
        with partial.open("wb") as raw:
            with open_zip(raw, "w", passphrase) as zf:
                for source in sources:
                    members[source.arcname] = {"sha256": _copy_member(zf, source), "size": source.size}
                    done += source.size
                    progress(done / max(total, 1), source.arcname)
                body = {**manifest, "format_version": FORMAT_VERSION, "members": members}
                info = zipfile.ZipInfo(MANIFEST, date_time=(2000, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                name: zipfile.ZipInfo | str = MANIFEST if isinstance(zf, pyzipper.AESZipFile) else info
                zf.writestr(name, msgspec.json.format(msgspec.json.encode(body)))
            raw.flush()
            os.fsync(raw.fileno())
            # Drop our pages from the cache so the verification reads what reached the drive.
            with contextlib.suppress(OSError, AttributeError):
                os.posix_fadvise(raw.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        os.replace(partial, final)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    fsync_dir(final.parent)
    return final.stat().st_size
