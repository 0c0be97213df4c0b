"""The suppliers this daemon talks to, their credentials (config file, or set by an admin) and their status.

Credentials set by an admin win over the config file. A secret one (DigiKey's client secret,
Mouser's key) is kept in `<data_dir>/supplier-secrets.json`, never in the database, so backups do
not carry it; its database row only says that an admin set it (the value is empty), which tells a
restore what must be entered again. No method here returns a credential's value to a caller
outside the clients, and nothing logs one.
"""

from __future__ import annotations

import asyncio
import threading
from functools import partial
from typing import Final

import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import InvalidInput, NotFound
from makermatrix_edge.runtime.secret_file import SecretFile
from makermatrix_edge.settings import SuppliersSettings
from makermatrix_edge.suppliers import catalogue
from makermatrix_edge.suppliers.base import SupplierClient
from makermatrix_edge.suppliers.http import SupplierHttp
from makermatrix_edge.suppliers.models import SupplierCapabilities, SupplierStatus
from makermatrix_edge.suppliers.outbound import OutboundPolicy

NAMES: Final = catalogue.KEYS
MAX_CREDENTIAL_LENGTH = 500


class SupplierRegistry:
    def __init__(
        self, settings: SuppliersSettings, db: Database, clock: Clock, *, daemon_port: int, secrets: SecretFile
    ) -> None:
        self.settings = settings
        self._db = db
        self._clock = clock
        self._secrets = secrets
        self._lock = threading.Lock()
        self._stored: dict[str, dict[str, str]] = {}
        self._unset: list[str] = []  # secrets an admin set that this Pi's secrets file does not hold
        s = settings
        origins = [url for supplier in catalogue.SUPPLIERS for url in s.section(supplier.key).origins()]
        policy = OutboundPolicy(origins, daemon_port=daemon_port)
        self.clients: dict[str, SupplierClient] = {}
        for supplier in catalogue.SUPPLIERS:
            section = s.section(supplier.key)
            http = SupplierHttp(
                supplier.short_name,
                per_minute=section.requests_per_minute,
                timeout=s.timeout_seconds,
                max_retries=s.max_retries,
                backoff=s.retry_backoff_seconds,
                max_retry_after=s.max_retry_after_seconds,
                offline_seconds=s.offline_seconds,
                policy=policy,
            )
            client_type = catalogue.load_class(supplier.client, SupplierClient)  # type: ignore[type-abstract]
            self.clients[supplier.key] = client_type(supplier, http, partial(self._credentials, supplier.key), section)

    # -- credentials ---------------------------------------------------------------------
    def load(self) -> None:
        """Read the stored credentials (blocking; at build time and after a change)."""

        def read(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
            rows = db.execute("SELECT supplier, key, value FROM supplier_credentials ORDER BY supplier, key")
            return [(r[0], r[1], r[2]) for r in rows]

        kept = self._secrets.read()
        stored: dict[str, dict[str, str]] = {}
        unset: list[str] = []
        for supplier, key, value in self._db.read_sync(read):
            client = self.clients.get(supplier)
            if client is not None and key in client.secret_keys:
                value = kept.get(supplier, {}).get(key, "")
                if not value:
                    unset.append(f"{client.display_name} {key}")
            if value:
                stored.setdefault(supplier, {})[key] = value
        with self._lock:
            self._stored = stored
            self._unset = unset

    def secrets_to_enter_again(self) -> list[str]:
        """Secrets an admin set (the database says so) that are not on this Pi, e.g. after a restore elsewhere."""
        with self._lock:
            return list(self._unset)

    def _credentials(self, name: str) -> dict[str, str]:
        """The config file's credentials of this supplier ([suppliers.<name>]), an admin's over them."""
        section = self.settings.section(name)
        merged = {key: str(getattr(section, key)) for key in self.clients[name].credential_keys}
        with self._lock:
            merged.update({k: v for k, v in self._stored.get(name, {}).items() if v})
        return merged

    def get(self, name: str) -> SupplierClient:
        client = self.clients.get(name.strip().lower())
        if client is None:
            raise NotFound(f"Unknown supplier '{name}'; known: {', '.join(NAMES)}")
        return client

    async def set_credentials(self, name: str, values: dict[str, str], actor: Principal) -> SupplierStatus:
        """Store (or, with an empty value, remove) an admin's credentials; answers the status, never the values."""
        client = self.get(name)
        if not client.credential_keys:
            raise InvalidInput(f"{client.display_name} needs no credentials", "supplier")
        unknown = [k for k in values if k not in client.credential_keys]
        if unknown:
            raise InvalidInput(f"{client.display_name} takes {', '.join(client.credential_keys)}", unknown[0])
        for key, value in values.items():
            if len(value) > MAX_CREDENTIAL_LENGTH or any(c in value for c in "\r\n\t"):
                raise InvalidInput("must be one line of at most 500 characters", key)
        now = iso(self._clock())

        secret = {k: v.strip() for k, v in values.items() if k in client.secret_keys}
        for key, value in secret.items():  # the file first: a row never claims a secret the file lacks
            await asyncio.to_thread(self._secrets.set, client.name, key, value)

        def write(db: sqlite_utils.Database) -> None:
            for key, value in values.items():
                if value.strip():
                    db.execute(
                        "INSERT INTO supplier_credentials (supplier, key, value, updated_at, updated_by) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (supplier, key) DO UPDATE SET value = excluded.value, "
                        "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                        [client.name, key, "" if key in secret else value.strip(), now, actor.username],
                    )
                else:
                    db.execute("DELETE FROM supplier_credentials WHERE supplier = ? AND key = ?", [client.name, key])

        await self._db.write(write)
        await asyncio.to_thread(self.load)
        client.credentials_changed()
        return self.status(client.name)

    # -- status ----------------------------------------------------------------------------
    def status(self, name: str) -> SupplierStatus:
        """Configured or not, and what is missing, in words (for the import and capability routes)."""
        client = self.get(name)
        missing = client.missing()
        with self._lock:
            stored = bool(self._stored.get(client.name))
        if not client.credential_keys:
            source, message = "none needed", f"{client.display_name} needs no credentials"
        elif missing:
            source = "missing"
            # Names the old flat spelling ([suppliers] mouser_api_key), which still works: an answer does not move.
            message = (
                f"{client.display_name} needs {' and '.join(missing)}: set [suppliers] "
                f"{', '.join(f'{client.name}_{k}' for k in missing)} in the config, "
                "or as an admin on the Suppliers page"
            )
        else:
            source = "set by an admin" if stored else "config file"
            message = f"{client.display_name} is configured ({source})"
        return SupplierStatus(
            name=client.name,
            display_name=client.display_name,
            configured=not missing,
            enabled=not missing,
            missing_credentials=missing,
            configuration_status="configured" if not missing else "not_configured",
            message=message,
            capabilities=list(client.capabilities),
            credentials_source=source,
        )

    def statuses(self) -> list[SupplierStatus]:
        return [self.status(n) for n in NAMES]

    def capabilities(self, name: str) -> SupplierCapabilities:
        st = self.status(name)
        return SupplierCapabilities(
            supplier_name=st.name,
            display_name=st.display_name,
            capabilities=st.capabilities,
            enrichment_available=st.configured,
            missing_credentials=st.missing_credentials,
            configuration_status=st.configuration_status,
            message=st.message,
            part_number_pattern=self.get(name).number_hint,
        )

    def close(self) -> None:
        for client in self.clients.values():
            client.http.close()
