"""The last backup's outcome, kept in data_dir/backup_state.json (written atomically)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import msgspec


class BackupState(msgspec.Struct, kw_only=True):
    last_attempt_at: str | None = None
    last_result: Literal["never", "success", "failed"] = "never"
    last_error: str | None = None
    last_success_at: str | None = None
    last_backup_file: str | None = None
    last_target: str | None = None
    fallback_reason: str | None = None
    writing: str | None = None  # the file being written now: its .partial is ours to sweep after a crash


def load_state(path: Path) -> BackupState:
    try:
        return msgspec.json.decode(path.read_bytes(), type=BackupState)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return BackupState()


def save_state(path: Path, state: BackupState) -> None:
    temp = path.with_name(path.name + ".tmp")
    with temp.open("wb") as out:
        out.write(msgspec.json.encode(state))
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)
