"""Downloaded datasheets: checked to be PDFs, size-capped, stored by content hash in data_dir/datasheets.

The file name is the SHA-256 of the bytes, so a datasheet's URL never names other bytes and the
same PDF fetched for two parts is stored once. Blocking: called from worker threads.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

import msgspec

from makermatrix_edge.errors import NotFound
from makermatrix_edge.inventory.images import _write_atomically
from makermatrix_edge.suppliers.models import SupplierError

API_URL = "/api/utility/static/datasheets/"
PAGE_URL = "/datasheets/"
_NAME = re.compile(r"[0-9a-f]{64}\.pdf")


class NotAPdf(SupplierError):
    """The datasheet link gave something other than a PDF (often an HTML page)."""


class StoredDatasheet(msgspec.Struct, frozen=True):
    filename: str
    sha256: str
    size_bytes: int


class DatasheetStore:
    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    def save(self, data: bytes) -> StoredDatasheet:
        if len(data) > self.max_bytes:
            raise SupplierError(f"The datasheet is larger than {self.max_bytes // (1024 * 1024)} MB")
        # A PDF starts with %PDF- (within the first KB, by the spec's leniency) and ends with %%EOF.
        if b"%PDF-" not in data[:1024] or b"%%EOF" not in data[-2048:]:
            raise NotAPdf("The datasheet link did not give a PDF (it is probably a web page)")
        digest = hashlib.sha256(data).hexdigest()
        filename = f"{digest}.pdf"
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / filename
        if not self._is_own_file(target):
            _write_atomically(target, data)
        return StoredDatasheet(filename, digest, len(data))

    def path_for(self, filename: str) -> Path:
        """The stored file for '<sha256>.pdf'; nothing else can name a path."""
        if _NAME.fullmatch(filename) is None:
            raise NotFound("Datasheet not found")
        path = self.folder / filename
        if not self._is_own_file(path):
            raise NotFound("Datasheet not found")
        return path

    def _is_own_file(self, path: Path) -> bool:
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                return False
            return path.resolve(strict=True).parent == self.folder.resolve(strict=True)
        except (OSError, RuntimeError):
            return False
