"""Backups: create (snapshot -> archive -> verify -> ledger -> retention), list, find, status, restore.

Everything here blocks (SQLite, zip, the drive): callers run it in a worker thread (the task
worker, asyncio.to_thread, or the CLI). One backup or restore at a time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import tempfile
import threading
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from makermatrix_edge import __version__
from makermatrix_edge.backups import archive as arc
from makermatrix_edge.backups import retention
from makermatrix_edge.backups.restore import FOLDERS, SECRET_KEY, RestoreResult, restore_archive
from makermatrix_edge.backups.snapshot import applied_migrations, counts, snapshot_database
from makermatrix_edge.backups.state import BackupState, load_state, save_state
from makermatrix_edge.backups.verify import BackupInvalid, verify_archive
from makermatrix_edge.backups.writing import NAME, claim, default_name, reason_of, run_niced, sweep_partials
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.devices.usbdrive import Drive, DriveUnavailable
from makermatrix_edge.errors import DeviceUnavailable, InvalidInput, NotFound
from makermatrix_edge.runtime.device_state import DeviceState
from makermatrix_edge.settings import BackupSettings, Settings, render_toml

Progress = Callable[[float, str], None]
FALLBACK_FOLDER = "backups"


class BackupFailed(DeviceUnavailable):
    """The backup could not be written or did not verify; the message says why."""


class BackupOptions(msgspec.Struct, kw_only=True):
    backup_name: str | None = None
    include_images: bool = True
    include_datasheets: bool = True
    scheduled: bool = False


class BackupResult(msgspec.Struct, kw_only=True):
    filename: str
    path: str
    target: str
    size_bytes: int
    created_at: str
    verified: bool
    counts: dict[str, int]
    pruned: list[str]
    fallback_reason: str | None = None


class BackupEntry(msgspec.Struct, kw_only=True):
    filename: str
    size_bytes: int
    size_mb: float
    created_at: str
    verified: bool
    target: str
    download_url: str


class BackupService:
    def __init__(self, settings: Settings, db: Database, drive: Drive, clock: Clock) -> None:
        self.settings = settings
        self.config: BackupSettings = settings.backup
        self.data_dir = settings.data_dir
        self.db = db
        self.drive = drive
        self.clock = clock
        self.state_path = self.data_dir / "backup_state.json"
        self._lock = threading.Lock()
        self._state = load_state(self.state_path)

    # -- where ---------------------------------------------------------------------------
    @property
    def fallback_dir(self) -> Path:
        return self.data_dir / FALLBACK_FOLDER

    def passphrase(self) -> str | None:
        if self.config.passphrase:
            return self.config.passphrase
        if self.config.passphrase_file:
            lines = self.settings.path(self.config.passphrase_file).read_text(encoding="utf-8").splitlines()
            return lines[0] if lines and lines[0] else None
        return None

    def _target(self) -> tuple[Path, int | None, str | None]:
        """(folder, largest file it holds, why the fallback is used)."""
        try:
            mount = self.drive.locate()
            return mount.mount_point, mount.max_file_bytes, None
        except DriveUnavailable as exc:
            if not self.config.fallback_to_data_dir:
                raise
            self.fallback_dir.mkdir(parents=True, exist_ok=True)
            return self.fallback_dir, None, exc.message

    def describe_target(self) -> str:
        try:
            return str(self.drive.locate().mount_point)
        except DriveUnavailable as exc:
            return str(self.fallback_dir) if self.config.fallback_to_data_dir else f"unavailable: {exc.message}"

    # -- create ----------------------------------------------------------------------------
    def create(self, options: BackupOptions, progress: Progress = lambda pct, step: None) -> BackupResult:
        name = options.backup_name or default_name(self.clock())
        if not NAME.fullmatch(name):
            raise InvalidInput("letters, digits, '_' and '-' only (at most 100)", "backup_name")
        with self._lock:
            started = iso(self.clock())
            try:
                result = run_niced(lambda: self._create(name, options, progress))
            except Exception as exc:
                message = exc.message if isinstance(exc, DeviceUnavailable) else str(exc)
                self._record(
                    BackupState(
                        **{
                            **msgspec.structs.asdict(self._state),
                            "last_attempt_at": started,
                            "last_result": "failed",
                            "last_error": message,
                        }
                    )
                )
                if isinstance(exc, OSError | sqlite3.Error | zipfile.BadZipFile):
                    raise BackupFailed(message) from exc
                raise  # domain errors as they are; a cancelled task stays cancelled
            self._record(
                BackupState(
                    last_attempt_at=started,
                    last_result="success",
                    last_error=None,
                    last_success_at=result.created_at,
                    last_backup_file=result.filename,
                    last_target=result.target,
                    fallback_reason=result.fallback_reason,
                )
            )
            return result

    def _record(self, state: BackupState) -> None:
        self._state = state
        save_state(self.state_path, state)

    def _manifest(self, name: str, created_at: str, db_copy: Path) -> dict[str, Any]:
        migrations = applied_migrations(db_copy)
        return {
            "app": "makermatrix-edge",
            "app_version": __version__,
            "created_at": created_at,
            "backup_name": name,
            "schema_version": migrations[-1] if migrations else "",
            "migrations": migrations,
            "counts": counts(db_copy),
            "encrypted": bool(self.passphrase()),
        }

    def _sources(self, db_copy: Path, options: BackupOptions) -> tuple[list[arc.Source], list[str]]:
        sources = [arc.Source(arc.DATABASE_MEMBER, path=db_copy)]
        included = []
        wanted = {"images": options.include_images, "datasheets": options.include_datasheets, "labels": True}
        for folder in FOLDERS:
            if wanted[folder]:
                included.append(folder)
                sources.extend(arc.tree(self.data_dir / folder, folder))
        if self.config.include_config:
            text = render_toml(self.settings, with_docs=False, redact=not self.config.include_secrets)
            sources.append(arc.Source("config/effective-config.toml", data=text.encode()))
        if self.config.include_secrets and (self.data_dir / SECRET_KEY).is_file():
            sources.append(arc.Source(SECRET_KEY, path=self.data_dir / SECRET_KEY))
        return sources, included

    def _create(self, name: str, options: BackupOptions, progress: Progress) -> BackupResult:
        folder, max_bytes, fallback = self._target()
        sweep_partials(folder, self._state.writing)
        work = Path(tempfile.mkdtemp(prefix=".backup-", dir=self.data_dir))
        try:
            progress(2, "Taking a snapshot of the database")
            db_copy = work / arc.DATABASE_MEMBER
            snapshot_database(self.db.path, db_copy, busy_timeout_ms=self.settings.storage.busy_timeout_ms)
            created_at = iso(self.clock())
            manifest = self._manifest(name, created_at, db_copy)
            sources, manifest["included"] = self._sources(db_copy, options)
            need = sum(s.size for s in sources)
            free = shutil.disk_usage(folder).free
            if need > free:
                raise BackupFailed(f"backup drive is full: the backup needs up to {need} bytes, {free} are free")
            try:
                taken = claim(folder, name)  # a name nobody else gets, not even a CLI backup beside us
            except OSError as exc:
                raise BackupFailed(reason_of(exc)) from exc
            path, filename = taken.final, taken.final.name
            try:
                self._record(msgspec.structs.replace(self._state, writing=filename))
                size = arc.write_archive(
                    path,
                    sources,
                    manifest,
                    passphrase=self.passphrase(),
                    max_file_bytes=max_bytes,
                    progress=lambda frac, step: progress(5 + 80 * frac, f"Writing {step}"),
                )
            except arc.ArchiveTooLarge as exc:
                raise BackupFailed(str(exc)) from None
            except OSError as exc:
                raise BackupFailed(reason_of(exc)) from exc
            finally:
                taken.release()
            progress(88, "Verifying the backup by reading it back")
            try:
                verify_archive(path, self.passphrase(), scratch=self.data_dir)
            except BackupInvalid as exc:
                path.unlink(missing_ok=True)
                raise BackupFailed(f"backup did not verify and was deleted: {exc}") from None
            entry = retention.LedgerEntry(
                created_at=created_at,
                size_bytes=size,
                verified=True,
                encrypted=bool(self.passphrase()),
                scheduled=options.scheduled,
            )
            retention.record(folder, filename, entry)
            progress(95, "Pruning old backups")
            c = self.config
            pruned = retention.prune(
                folder, daily=c.keep_daily, weekly=c.keep_weekly, monthly=c.keep_monthly, written=filename
            )
            progress(100, f"Backup {filename} written and verified")
            return BackupResult(
                filename=filename,
                path=str(path),
                target=str(folder),
                size_bytes=size,
                created_at=created_at,
                verified=True,
                counts=manifest["counts"],
                pruned=pruned,
                fallback_reason=fallback,
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)

    # -- list, find -----------------------------------------------------------------------
    def _folders(self) -> list[Path]:
        folders = []
        with contextlib.suppress(DriveUnavailable):
            folders.append(self.drive.locate().mount_point)
        if self.fallback_dir.is_dir() and self.fallback_dir not in folders:
            folders.append(self.fallback_dir)
        return folders

    def list(self) -> list[BackupEntry]:
        out: dict[str, BackupEntry] = {}
        for folder in self._folders():
            ledger = retention.live_entries(folder)  # a GET never writes the ledger
            for path in sorted(folder.glob("*.zip")):
                entry = ledger.get(path.name)
                if path.name in out or (entry is None and not retention.AUTO_NAME.fullmatch(path.name)):
                    continue
                info = own_file(path, folder)
                if info is None:  # a symlink, a folder, a fifo...: never listed, never served
                    continue
                created = entry.created_at if entry else iso(info.st_mtime)
                out[path.name] = BackupEntry(
                    filename=path.name,
                    size_bytes=info.st_size,
                    size_mb=round(info.st_size / 2**20, 2),
                    created_at=created,
                    verified=bool(entry and entry.verified),
                    target=str(folder),
                    download_url=f"/api/utility/backup/download/{path.name}",
                )
        return sorted(out.values(), key=lambda e: e.created_at, reverse=True)

    def find(self, filename: str) -> Path:
        """A listed backup's file; anything else (separators, '..', unknown names) is 404."""
        if "/" in filename or "\\" in filename or ".." in filename or "\x00" in filename:
            raise NotFound("Backup not found")
        for entry in self.list():
            if entry.filename == filename:
                path = Path(entry.target) / entry.filename
                if own_file(path, Path(entry.target)) is None:  # checked again right before serving
                    break
                return path.resolve(strict=True)  # the file checked, even if the name is swapped now
        raise NotFound("Backup not found")

    # -- status ----------------------------------------------------------------------------
    @property
    def last(self) -> BackupState:
        return self._state

    def device_state(self) -> DeviceState:
        """The drive as /api/health shows it, with the last backup's result; never blocks for long."""
        drive = self.drive.state()
        state = self._state
        details = {**drive.details, "last_result": state.last_result, "last_success_at": state.last_success_at}
        if state.last_result == "failed":
            details["last_error"] = state.last_error
            reason = f"last backup failed: {state.last_error}"
            if drive.state == "ready":
                return DeviceState(kind=drive.kind, state="error", reason=reason, details=details)
            return DeviceState(kind=drive.kind, state=drive.state, reason=f"{drive.reason}; {reason}", details=details)
        return DeviceState(kind=drive.kind, state=drive.state, reason=drive.reason, details=details)

    def status_fragment(self) -> str | None:
        """For the systemd STATUS line (and doctor): the last backup's outcome in a few words."""
        state = self._state
        if state.last_result == "failed":
            return f"BACKUP FAILED: {state.last_error}"
        if state.last_result == "success":
            return f"last backup {state.last_success_at} ok"
        return None

    # -- restore ---------------------------------------------------------------------------
    def restore(self, archive: Path, passphrase: str | None = None) -> RestoreResult:
        """Restore into the running daemon; a safety backup of the current data goes to data_dir/backups."""
        with self._lock:
            return restore_archive(
                archive,
                self.data_dir,
                passphrase=passphrase or self.passphrase(),
                db=self.db,
                safety_backup=self._safety_backup,
            )

    def restore_offline(self, archive: Path, passphrase: str | None = None) -> RestoreResult:
        """Restore while no daemon runs on this data dir (the CLI): also brings back secret.key."""
        with self._lock:
            has_data = self.db.path.exists()
            return restore_archive(
                archive,
                self.data_dir,
                passphrase=passphrase or self.passphrase(),
                safety_backup=self._safety_backup if has_data else lambda: None,
                restore_secret_key=True,
            )

    def _safety_backup(self) -> Path:
        folder = self.fallback_dir
        folder.mkdir(parents=True, exist_ok=True)
        name = datetime.fromtimestamp(self.clock(), UTC).strftime("safety_before_restore_%Y%m%d_%H%M%S")
        work = Path(tempfile.mkdtemp(prefix=".backup-", dir=self.data_dir))
        try:
            db_copy = work / arc.DATABASE_MEMBER
            snapshot_database(self.db.path, db_copy)
            created_at = iso(self.clock())
            manifest = self._manifest(name, created_at, db_copy)
            sources, manifest["included"] = self._sources(db_copy, BackupOptions())
            taken = claim(folder, name)  # two restores within one second keep both safety copies
            path = taken.final
            try:
                size = arc.write_archive(path, sources, manifest, passphrase=self.passphrase())
            finally:
                taken.release()
            entry = retention.LedgerEntry(created_at=created_at, size_bytes=size, verified=False)
            retention.record(folder, path.name, entry)
            return path
        finally:
            shutil.rmtree(work, ignore_errors=True)


def own_file(path: Path, folder: Path) -> os.stat_result | None:
    """The stat of `path` when it is a regular file (not a symlink) directly inside `folder`, else None."""
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            return None
        return st if path.resolve(strict=True).parent == folder.resolve(strict=True) else None
    except (OSError, RuntimeError):
        return None


class BackupDriveDevice:
    """The backup drive as a device for /api/health: its state plus the last backup's result."""

    def __init__(self, backups: BackupService) -> None:
        self._backups = backups

    def state(self) -> DeviceState:
        return self._backups.device_state()
