"""Doctor's storage checks: the data folder, the database, the backup drive and the last backup."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from makermatrix_edge.backups.state import load_state
from makermatrix_edge.clock import parse_iso
from makermatrix_edge.doctor import Check, Level
from makermatrix_edge.doctor.host import Host, access_problem, gib
from makermatrix_edge.runtime.diskspace import FULL_BELOW_BYTES, full_message

MIN_FREE_DATA = 200 * 1024**2  # below this SQLite and images fail soon
WARN_FREE_DATA = 1024**3
WARN_FREE_BACKUP = 1024**3
BACKUP_MAX_AGE = 2 * 86400  # nightly backups: more than two days means one was missed


def check_data_dir(host: Host) -> Check:
    data = host.data_dir
    if not data.exists():
        return Check("data directory", "warn", f"{data} does not exist yet", "start the daemon once; it makes it")
    problem = access_problem(data, host, 0o7)
    if problem:
        return Check(
            "data directory", "fail", problem,
            f"sudo chown -R {host.service_user}: {data}  (or run doctor as {host.service_user})",
        )  # fmt: skip
    free = shutil.disk_usage(data).free
    if free < FULL_BELOW_BYTES:  # the sentence the daemon answers with (507) and shows in health
        return Check("data directory", "fail", full_message(data, free), "free space on the SD card")
    if free < MIN_FREE_DATA:
        return Check("data directory", "fail", f"{data}: only {free // 1024**2} MB free", "free space on the SD card")
    if free < WARN_FREE_DATA:
        return Check("data directory", "warn", f"{data}: {gib(free)} free", "free space on the SD card soon")
    return Check("data directory", "ok", f"{data} writable, {gib(free)} free")


def check_database(host: Host) -> Check:
    path = host.data_dir / host.db_file
    if not path.exists():
        return Check("database", "warn", f"no database at {path} yet", "start the daemon once; it creates it")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return Check("database", "fail", f"{path} cannot be read: {exc}", "restore the last backup")
    if rows == ["ok"]:
        return Check("database", "ok", f"{path} passes quick_check")
    return Check("database", "fail", f"{path} is damaged: {'; '.join(rows[:3])}", "restore the last backup")


def _backup_mount(host: Host) -> Path | None:
    """Where the drive labelled backup_label is mounted, per proc/mounts and dev/disk/by-label."""
    label = host.path(f"/dev/disk/by-label/{host.backup_label}")
    device = os.path.realpath(label) if label.exists() or label.is_symlink() else None
    try:
        mounts = host.path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    for line in mounts:
        fields = line.split()
        if len(fields) < 2:
            continue
        source, target = fields[0], fields[1].replace("\\040", " ")
        as_device = os.path.realpath(host.path(source)) if source.startswith("/dev/") else source
        if (device and as_device == device) or Path(target).name == host.backup_label:
            return host.path(target)
    return None


def check_backup_drive(host: Host) -> list[Check]:
    mount = _backup_mount(host)
    if mount is None:
        return [
            Check(
                "backup drive", "warn", f"no drive labelled {host.backup_label} is mounted",
                f"plug in a USB drive whose filesystem is labelled {host.backup_label} "
                f"(e.g. sudo fatlabel /dev/sda1 {host.backup_label}) and mount it under /media or /mnt",
            )
        ]  # fmt: skip
    problem = access_problem(mount, host, 0o7)
    if problem:
        fix = f"mount it with uid={host.service_user} (see README, backups), or chown the folder"
        return [Check("backup drive", "fail", f"mounted, but {problem}", fix)]
    free = shutil.disk_usage(mount).free
    level: Level = "warn" if free < WARN_FREE_BACKUP else "ok"
    out = [
        Check("backup drive", level, f"{mount} writable, {gib(free)} free", "delete old backups or use a larger drive")
    ]
    out.append(check_last_backup(host, mount))
    return out


def check_last_backup(host: Host, mount: Path) -> Check:
    """The daemon's own record of the last backup when there is one, else the newest file on the drive."""
    state = load_state(host.data_dir / "backup_state.json")
    if state.last_result == "failed":
        return Check(
            "last backup",
            "fail",
            f"the last backup ({state.last_attempt_at}) failed: {state.last_error}",
            "fix what it names, then run one: makermatrix-edge backup",
        )
    if state.last_success_at:
        newest: float | None = parse_iso(state.last_success_at)
    else:
        newest = max((p.stat().st_mtime for p in mount.rglob("*") if p.is_file()), default=None)
    if newest is None:
        return Check("last backup", "warn", "no backup on the drive yet", "run one: makermatrix-edge backup")
    age = host.now() - newest
    if age > BACKUP_MAX_AGE:
        return Check("last backup", "warn", f"last backup {age / 86400:.0f} days ago", "check the nightly job")
    return Check("last backup", "ok", f"last backup {age / 3600:.0f} h ago")
