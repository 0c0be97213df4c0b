"""Secrets an admin entered on the phone page, kept in a file beside the database and not in it.

Backups carry the database to a USB drive; this file (`<data_dir>/supplier-secrets.json`, 0600)
stays on the Pi. It holds {supplier: {key: value}}, written whole and atomically.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from pathlib import Path

SUPPLIER_SECRETS = "supplier-secrets.json"
Secrets = dict[str, dict[str, str]]


class SecretFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def read(self) -> Secrets:
        """What the file holds; an absent (or mangled) file holds nothing: the admin enters them again."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        if not isinstance(raw, dict):
            return {}
        return {
            str(supplier): {str(k): v for k, v in values.items() if isinstance(v, str)}
            for supplier, values in raw.items()
            if isinstance(values, dict)
        }

    def set(self, supplier: str, key: str, value: str | None) -> None:
        """Store one value (None or "" removes it)."""
        with self._lock:
            data = self.read()
            values = data.setdefault(supplier, {})
            if value:
                values[key] = value
            else:
                values.pop(key, None)
            if not values:
                data.pop(supplier, None)
            self._write(data)

    def clear(self) -> None:
        """Forget every value (the file stays, empty, with its 0600 mode)."""
        with self._lock:
            if self.read():
                self._write({})

    def _write(self, data: Secrets) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".secrets-", dir=self.path.parent)  # mkstemp makes it 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


def secrets_missing(db_path: Path, secrets: SecretFile) -> list[str]:
    """ "supplier key" of each secret the database says an admin set (an empty value) that the file lacks."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT supplier, key FROM supplier_credentials WHERE value = '' ORDER BY 1, 2").fetchall()
    finally:
        conn.close()
    kept = secrets.read()
    return [f"{supplier} {key}" for supplier, key in rows if not kept.get(supplier, {}).get(key)]
