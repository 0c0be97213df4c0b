"""/api/utility/backup/* and /api/backup/*: create, list, download, status, export and restore backups (admin)."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody
from litestar.response import File, Stream

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.backups.export import export_json
from makermatrix_edge.backups.service import BackupEntry
from makermatrix_edge.backups.snapshot import COUNTED_TABLES
from makermatrix_edge.backups.task import PERMISSION
from makermatrix_edge.backups.writing import default_name
from makermatrix_edge.clock import iso
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.services import Services
from makermatrix_edge.tasks.models import TaskRequest

UPLOAD_LIMIT = 4 * 1024**3  # what a FAT32 drive can hold in one file


class CreatedBackup(msgspec.Struct):
    task_id: str
    task_type: str
    backup_name: str
    monitor_url: str
    expected_backup_location: str


class BackupList(msgspec.Struct):
    backups: list[BackupEntry]


class BackupListing(msgspec.Struct):
    """MakerMatrix's /api/backup/list shape."""

    backups: list[BackupEntry]
    total_count: int
    total_size_mb: float


class BackupStatus(msgspec.Struct, kw_only=True):
    database_size: int
    last_modified: str | None
    total_records: int
    parts_count: int
    locations_count: int
    categories_count: int
    last_backup_at: str | None
    last_attempt_at: str | None
    last_result: str
    last_error: str | None
    last_backup_file: str | None
    target: str
    drive: dict[str, Any]
    next_scheduled_run: str | None


class RestoreIn(msgspec.Struct, forbid_unknown_fields=True):
    backup_filename: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class RestoreUpload(msgspec.Struct):
    file: UploadFile


class RestoredBackup(msgspec.Struct):
    restored_from: str
    backup_created_at: str
    schema_version: str
    migrations_applied: list[str]
    folders_restored: list[str]
    safety_backup: str | None
    counts: dict[str, int]
    secrets_to_enter_again: list[str]  # set by an admin where the backup was made; backups carry no secrets


async def _start(services: Services, principal: Principal) -> CreatedBackup:
    name = default_name(services.clock())
    request = TaskRequest(
        task_type="backup_creation", name=f"Database Backup: {name}", input_data={"backup_name": name}
    )
    view = await services.tasks.create(request, principal)
    where = await asyncio.to_thread(services.backups.describe_target)
    return CreatedBackup(view.id, "backup_creation", name, f"/api/tasks/{view.id}", f"{where}/{name}.zip")


async def _zip_file(services: Services, name: str) -> File:
    path = await asyncio.to_thread(services.backups.find, name)  # listed backups only: no path in the name
    return File(path, filename=path.name, media_type="application/zip")


def _counts(db: Any) -> dict[str, int]:
    present = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {t: int(db.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0]) for t in COUNTED_TABLES if t in present}


async def _restored(services: Services, name: str, result: Any) -> Envelope[RestoredBackup]:
    # The restored database names the secrets an admin had set; this Pi's secrets file may lack them.
    await asyncio.to_thread(services.suppliers.load)
    missing = services.suppliers.secrets_to_enter_again()
    message = "Backup restored"
    if missing:
        message += f"; backups carry no secrets, so enter these again on the Suppliers page: {', '.join(missing)}"
    restored = RestoredBackup(
        name,
        result.manifest_created_at,
        result.schema_version,
        result.migrations_applied,
        result.folders_restored,
        result.safety_backup,
        result.counts,
        missing,
    )
    return ok(restored, message)


class BackupController(Controller):
    path = "/utility/backup"
    tags = ["backup"]

    @post("/create", opt=access(PERMISSION), status_code=200)
    async def create(
        self, principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[CreatedBackup]:
        created = await _start(services, principal)
        return ok(created, "Database backup task created successfully; monitor it via the task endpoints")

    @get("/download", opt=access(PERMISSION))
    async def legacy_download(
        self, principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[CreatedBackup]:
        """Deprecated: starts a backup task like POST /create; download it from /download/{name} when done."""
        created = await _start(services, principal)
        return ok(created, "Backup task started (deprecated endpoint: use POST /api/utility/backup/create)")

    @get("/list", opt=access(PERMISSION))
    async def list_backups(self, services: NamedDependency[Services]) -> Envelope[BackupList]:
        backups = await asyncio.to_thread(services.backups.list)
        return ok(BackupList(backups), f"{len(backups)} backups")

    @get("/download/{backup_filename:str}", opt=access(PERMISSION))
    async def download(self, backup_filename: FromPath[str], services: NamedDependency[Services]) -> File:
        return await _zip_file(services, backup_filename)

    @get("/status", opt=access(PERMISSION))
    async def status(self, services: NamedDependency[Services]) -> Envelope[BackupStatus]:
        backups = services.backups
        counts = await services.db.read(_counts)
        path = services.db.path
        stat = await asyncio.to_thread(path.stat)
        state = backups.last
        next_run = next((j["next_run_at"] for j in services.scheduler.jobs() if j["name"] == "backup"), None)
        body = BackupStatus(
            database_size=stat.st_size,
            last_modified=iso(stat.st_mtime),
            total_records=sum(counts.get(t, 0) for t in ("parts", "locations", "categories")),
            parts_count=counts.get("parts", 0),
            locations_count=counts.get("locations", 0),
            categories_count=counts.get("categories", 0),
            last_backup_at=state.last_success_at,
            last_attempt_at=state.last_attempt_at,
            last_result=state.last_result,
            last_error=state.last_error,
            last_backup_file=state.last_backup_file,
            target=await asyncio.to_thread(backups.describe_target),
            drive=msgspec.structs.asdict(backups.device_state()),
            next_scheduled_run=next_run,
        )
        return ok(body, "Backup status retrieved")

    @get("/export", opt=access(PERMISSION))
    async def export(self, services: NamedDependency[Services]) -> Stream:
        """Parts, locations, categories and orders as JSON, streamed page by page."""
        stamp = iso(services.clock())
        filename = f"makermatrix_export_{stamp[:19].replace('-', '').replace(':', '').replace('T', '_')}.json"
        return Stream(
            export_json(services.db, stamp),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @post("/restore", opt=access(PERMISSION), status_code=200)
    async def restore(self, data: JSONBody[RestoreIn], services: NamedDependency[Services]) -> Envelope[RestoredBackup]:
        """Restore a listed backup into the running daemon (a safety backup is taken first)."""
        path = await asyncio.to_thread(services.backups.find, data.backup_filename)
        async with services.replication.paused():  # the file is replaced under Litestream otherwise
            result = await asyncio.to_thread(services.backups.restore, path)
        return await _restored(services, path.name, result)

    @post("/restore/upload", opt=access(PERMISSION), status_code=200, request_max_body_size=UPLOAD_LIMIT)
    async def restore_upload(
        self,
        data: Annotated[RestoreUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        services: NamedDependency[Services],
    ) -> Envelope[RestoredBackup]:
        """Restore an uploaded backup ZIP into the running daemon."""
        folder = services.settings.data_dir
        fd, temp = tempfile.mkstemp(prefix=".upload-", suffix=".zip", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := await data.file.read(1024 * 1024):
                    await asyncio.to_thread(out.write, chunk)
            await data.file.close()
            if os.path.getsize(temp) == 0:
                raise InvalidInput("the uploaded file is empty", "file")
            async with services.replication.paused():
                result = await asyncio.to_thread(services.backups.restore, Path(temp))
        finally:
            Path(temp).unlink(missing_ok=True)
        return await _restored(services, data.file.filename or "upload.zip", result)


class BackupsController(Controller):
    """MakerMatrix's newer backup family (/api/backup/*) over the same backups as /api/utility/backup."""

    path = "/backup"
    tags = ["backup"]

    @get("/list", opt=access(PERMISSION))
    async def list_backups(self, services: NamedDependency[Services]) -> Envelope[BackupListing]:
        found = await asyncio.to_thread(services.backups.list)
        backups = [msgspec.structs.replace(b, download_url=f"/api/backup/download/{b.filename}") for b in found]
        total_mb = round(sum(b.size_bytes for b in backups) / 2**20, 2)
        return ok(BackupListing(backups, len(backups), total_mb), f"Found {len(backups)} backup files")

    @get("/download/{backup_filename:str}", opt=access(PERMISSION))
    async def download(self, backup_filename: FromPath[str], services: NamedDependency[Services]) -> File:
        """Only a listed backup: a name with a separator or '..' is not found, as on /api/utility/backup."""
        return await _zip_file(services, backup_filename)
