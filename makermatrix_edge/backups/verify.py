"""Read a backup back: the manifest, every member's sha256, integrity_check and the database's contents."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import msgspec

from makermatrix_edge.backups.archive import DATABASE_MEMBER, FORMAT_VERSION, MANIFEST, open_zip
from makermatrix_edge.backups.checks import BackupInvalid, check_contents
from makermatrix_edge.backups.snapshot import integrity_problems

_CHUNK = 1024 * 1024


__all__ = ["BackupInvalid", "Verified", "safe_member", "verify_archive"]


@dataclass(frozen=True)
class Verified:
    manifest: dict[str, Any]
    members: list[str]
    counts: dict[str, int]


def safe_member(name: str) -> bool:
    """A relative path with no '..', no drive letter and no backslash: safe to extract."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name and ":" not in name


def _manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    try:
        raw = zf.read(MANIFEST)
    except KeyError:
        raise BackupInvalid("not a makermatrix-edge backup: manifest.json is missing") from None
    try:
        body = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise BackupInvalid("manifest.json is not valid JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("members"), dict):
        raise BackupInvalid("manifest.json does not list the members")
    if body.get("format_version", 0) > FORMAT_VERSION:
        raise BackupInvalid(f"backup format {body.get('format_version')} is newer than this daemon understands")
    return body


def _check(zf: zipfile.ZipFile, manifest: dict[str, Any], extract_db_to: Path | None) -> None:
    listed: dict[str, Any] = manifest["members"]
    present = [i.filename for i in zf.infolist() if i.filename != MANIFEST and not i.is_dir()]
    for name in present:
        if not safe_member(name):
            raise BackupInvalid(f"unsafe member name {name!r}")
    if sorted(present) != sorted(listed):
        extra = sorted(set(present) ^ set(listed))
        raise BackupInvalid(f"members differ from the manifest: {', '.join(extra[:5])}")
    if DATABASE_MEMBER not in listed:
        raise BackupInvalid("the archive holds no database")
    for name in present:
        digest = hashlib.sha256()
        out = extract_db_to.open("wb") if (name == DATABASE_MEMBER and extract_db_to is not None) else None
        try:
            with zf.open(name) as member:
                while chunk := member.read(_CHUNK):
                    digest.update(chunk)
                    if out is not None:
                        out.write(chunk)
        finally:
            if out is not None:
                out.close()
        if digest.hexdigest() != listed[name].get("sha256"):
            raise BackupInvalid(f"checksum of {name} does not match the manifest")


def verify_archive(path: Path, passphrase: str | None = None, *, scratch: Path | None = None) -> Verified:
    """Check everything; raises BackupInvalid saying what is wrong."""
    work = Path(tempfile.mkdtemp(prefix=".verify-", dir=scratch))
    try:
        db_copy = work / DATABASE_MEMBER
        try:
            with open_zip(path, "r", passphrase) as zf:
                manifest = _manifest(zf)
                _check(zf, manifest, db_copy)
        except BackupInvalid:
            raise
        except RuntimeError as exc:  # zipfile/pyzipper: encrypted without, or with a wrong, password
            raise BackupInvalid(f"cannot read the archive: {exc}") from None
        except Exception as exc:  # BadZipFile, zlib.error, EOFError, a bad CRC: all mean damaged
            raise BackupInvalid(f"damaged archive: {exc}") from None
        problems = integrity_problems(db_copy)
        if problems:
            raise BackupInvalid(f"database integrity check failed: {'; '.join(problems[:3])}")
        found = check_contents(db_copy, manifest)
        return Verified(manifest, sorted(manifest["members"]), found)
    finally:
        shutil.rmtree(work, ignore_errors=True)
