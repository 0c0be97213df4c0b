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
from typing import Final, NamedTuple

import msgspec
import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import InvalidInput, NotFound
from makermatrix_edge.inventory.activity import SUPPLIERS_CLEARED
from makermatrix_edge.runtime.secret_file import SecretFile
from makermatrix_edge.settings import SuppliersSettings
from makermatrix_edge.suppliers import catalogue
from makermatrix_edge.suppliers.base import SupplierClient
from makermatrix_edge.suppliers.http import SupplierHttp
from makermatrix_edge.suppliers.models import SupplierCapabilities, SupplierStatus
from makermatrix_edge.suppliers.outbound import OutboundPolicy

NAMES: Final = catalogue.KEYS
MAX_CREDENTIAL_LENGTH = 500
MIN_RATE, MAX_RATE = 0.1, 600.0  # requests per minute an admin may set; suppliers allow far fewer than the top


class SettingChange(NamedTuple):
    supplier: str
    enabled: bool | None = None
    requests_per_minute: float | None = None


def upsert(db: sqlite_utils.Database, table: str, row: list[str]) -> None:
    """Store (supplier, key, value, updated_at, updated_by) in supplier_credentials or supplier_settings."""
    db.execute(
        f"INSERT INTO {table} (supplier, key, value, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (supplier, key) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        row,
    )


def record_change(db: sqlite_utils.Database, supplier: str, action: str, detail: str, who: str, now: str) -> None:
    """One line in the supplier change log, in the caller's transaction (key names only, never a value)."""
    db.execute(
        "INSERT INTO supplier_changes (supplier, action, detail, username, created_at) VALUES (?, ?, ?, ?, ?)",
        [supplier, action, detail, who, now],
    )


class SuppliersCleared(msgspec.Struct):
    """What DELETE /api/utility/clear_suppliers removed (MakerMatrix's names where they mean the same)."""

    supplier_configs: int  # settings an admin changed (enabled, requests per minute)
    supplier_credentials: int  # credentials an admin set (the config file's still apply)
    supplier_offers: int  # prices, stock and supplier numbers fetched for parts
    parts_supplier_cleared: int  # parts that named a supplier or had offers


class SupplierRegistry:
    def __init__(
        self, settings: SuppliersSettings, db: Database, clock: Clock, *, daemon_port: int, secrets: SecretFile
    ) -> None:
        self.settings = settings
        self._db = db
        self._clock = clock
        self._secrets = secrets
        self._lock = threading.Lock()
        # Credentials live in two places (the secrets file, the database): a save and a clear each hold this
        # across both steps, so a clear never empties the file under a row a save has just written.
        self._credentials_lock = asyncio.Lock()
        self._stored: dict[str, dict[str, str]] = {}
        self._unset: list[str] = []  # secrets an admin set that this Pi's secrets file does not hold
        self._changed: dict[str, dict[str, str]] = {}  # settings an admin changed (supplier_settings)
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

        def read_settings(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
            rows = db.execute("SELECT supplier, key, value FROM supplier_settings")
            return [(r[0], r[1], r[2]) for r in rows]

        changed: dict[str, dict[str, str]] = {}
        for supplier, key, value in self._db.read_sync(read_settings):
            changed.setdefault(supplier, {})[key] = value
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
            self._changed = changed
        for name, client in self.clients.items():  # an admin's budget wins over the config file's
            client.http.limiter.set_rate(self.requests_per_minute(name))

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
        if not values:
            raise InvalidInput(
                f"no credentials given; {client.display_name} takes {', '.join(client.credential_keys)}", "credentials"
            )
        unknown = [k for k in values if k not in client.credential_keys]
        if unknown:
            raise InvalidInput(f"{client.display_name} takes {', '.join(client.credential_keys)}", unknown[0])
        for key, value in values.items():
            if len(value) > MAX_CREDENTIAL_LENGTH or any(c in value for c in "\r\n\t"):
                raise InvalidInput("must be one line of at most 500 characters", key)
        now = iso(self._clock())

        secret = {k: v.strip() for k, v in values.items() if k in client.secret_keys}
        async with self._credentials_lock:
            await self._store_credentials(client, values, secret, actor, now)
        await asyncio.to_thread(self.load)
        client.credentials_changed()
        return self.status(client.name)

    async def _store_credentials(
        self, client: SupplierClient, values: dict[str, str], secret: dict[str, str], actor: Principal, now: str
    ) -> None:
        for key, value in secret.items():  # the file first: a row never claims a secret the file lacks
            await asyncio.to_thread(self._secrets.set, client.name, key, value)

        def write(db: sqlite_utils.Database) -> None:
            for key, value in values.items():
                if value.strip():
                    upsert(
                        db,
                        "supplier_credentials",
                        [client.name, key, "" if key in secret else value.strip(), now, actor.username],
                    )
                else:
                    db.execute("DELETE FROM supplier_credentials WHERE supplier = ? AND key = ?", [client.name, key])
            set_keys = sorted(k for k, v in values.items() if v.strip())
            cleared = sorted(k for k, v in values.items() if not v.strip())
            detail = "; ".join(
                part
                for part in (
                    f"set {', '.join(set_keys)}" if set_keys else "",
                    f"cleared {', '.join(cleared)}" if cleared else "",
                )
                if part
            )
            record_change(db, client.name, "credentials", detail or "nothing", actor.username, now)

        await self._db.write(write)

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
        enabled = self.enabled(client.name)
        if not enabled:
            message += "; disabled by an admin (enrichment does not use it)"
        return SupplierStatus(
            name=client.name,
            display_name=client.display_name,
            configured=not missing,
            enabled=enabled and not missing,
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

    # -- settings an admin changes at runtime -----------------------------------------------
    def enabled(self, name: str) -> bool:
        with self._lock:
            return self._changed.get(name, {}).get("enabled", "1") == "1"

    def default_rate(self, name: str) -> float:
        """The config file's requests per minute ([suppliers.<name>] requests_per_minute)."""
        return self.settings.section(name).requests_per_minute

    def requests_per_minute(self, name: str) -> float:
        with self._lock:
            stored = self._changed.get(name, {}).get("requests_per_minute")
        return float(stored) if stored else self.default_rate(name)

    def rate_source(self, name: str) -> str:
        with self._lock:
            return "set by an admin" if "requests_per_minute" in self._changed.get(name, {}) else "config file"

    async def change_settings(self, changes: list[SettingChange], actor: Principal) -> None:
        """Enable/disable suppliers or change their request budgets: every change checked first, then stored in
        one transaction (it outlives a restart), logged with who and the old value, and applied at once."""
        if len(changes) > 20:
            raise InvalidInput("at most 20 supplier changes at once", "suppliers")
        rows: list[tuple[str, str, str, str]] = []  # supplier, key, old, new
        for change in changes:
            client = self.get(change.supplier)
            rate = change.requests_per_minute
            if rate is not None and rate != self.default_rate(client.name) and not MIN_RATE <= rate <= MAX_RATE:
                raise InvalidInput(
                    f"{client.display_name}: must be between {MIN_RATE:g} and {MAX_RATE:g} requests per minute",
                    "requests_per_minute",
                )
            if change.enabled is not None:
                old = "1" if self.enabled(client.name) else "0"
                rows.append((client.name, "enabled", old, "1" if change.enabled else "0"))
            if rate is not None:
                rows.append(
                    (client.name, "requests_per_minute", f"{self.requests_per_minute(client.name):g}", f"{rate:g}")
                )
        if all(c.enabled is None and c.requests_per_minute is None for c in changes):
            raise InvalidInput("nothing to change: give enabled and/or requests_per_minute", "body")
        rows = [row for row in rows if row[2] != row[3]]  # a repeated change (a retry, a re-import) logs nothing
        if not rows:
            return
        now = iso(self._clock())

        def write(db: sqlite_utils.Database) -> None:
            for supplier, key, old, value in rows:
                upsert(db, "supplier_settings", [supplier, key, value, now, actor.username])
                record_change(db, supplier, key, f"{old} -> {value}", actor.username, now)

        await self._db.write(write)
        await asyncio.to_thread(self.load)

    async def delete_credentials(self, name: str, actor: Principal) -> SupplierStatus:
        """Forget every credential an admin set for this supplier (the config file's, if any, apply again)."""
        client = self.get(name)
        if not client.credential_keys:
            raise InvalidInput(f"{client.display_name} needs no credentials", "supplier")
        return await self.set_credentials(client.name, dict.fromkeys(client.credential_keys, ""), actor)

    async def clear_all(self, actor: Principal) -> SuppliersCleared:
        """Forget what an admin set for every supplier and every part's supplier data, in one transaction.

        Each part that changed gets a line in its history, each supplier one in its change log; a repeat
        finds nothing and writes nothing. The secrets file is emptied after the commit: without their
        rows its values are never read, so a failure there leaves nothing in use.
        """
        now = iso(self._clock())
        what = SUPPLIERS_CLEARED

        def write(db: sqlite_utils.Database) -> SuppliersCleared:
            touched = [
                r[0]
                for r in db.execute(
                    "SELECT DISTINCT supplier FROM supplier_credentials UNION "
                    "SELECT DISTINCT supplier FROM supplier_settings ORDER BY 1"
                )
            ]
            parts = "SELECT id FROM parts WHERE supplier IS NOT NULL OR id IN (SELECT part_id FROM supplier_offers)"
            changed = db.execute(
                "INSERT INTO part_changes (part_id, what, source, user_id, username, created_at) "
                f"SELECT id, ?, 'api', ?, ?, ? FROM parts WHERE id IN ({parts})",
                [what, actor.user_id, actor.username, now],
            ).rowcount
            db.execute("UPDATE parts SET supplier = NULL, updated_at = ? WHERE supplier IS NOT NULL", [now])
            cleared = SuppliersCleared(
                supplier_configs=db.execute("DELETE FROM supplier_settings").rowcount,
                supplier_credentials=db.execute("DELETE FROM supplier_credentials").rowcount,
                supplier_offers=db.execute("DELETE FROM supplier_offers").rowcount,
                parts_supplier_cleared=changed,
            )
            for supplier in touched:
                record_change(db, supplier, "cleared", "all settings and credentials an admin set", actor.username, now)
            return cleared

        async with self._credentials_lock:
            done = await self._db.write(write)
            await asyncio.to_thread(self._secrets.clear)
        await asyncio.to_thread(self.load)
        for client in self.clients.values():
            client.credentials_changed()
        return done

    def changes(self, name: str, limit: int = 50) -> list[dict[str, str]]:
        """The newest changes an admin made to this supplier (key names and settings, never a credential)."""
        client = self.get(name)

        def read(db: sqlite_utils.Database) -> list[dict[str, str]]:
            rows = db.execute(
                "SELECT action, detail, username, created_at FROM supplier_changes WHERE supplier = ? "
                "ORDER BY id DESC LIMIT ?",
                [client.name, limit],
            )
            return [{"action": r[0], "detail": r[1], "username": r[2] or "", "created_at": r[3]} for r in rows]

        return self._db.read_sync(read)

    def close(self) -> None:
        for client in self.clients.values():
            client.http.close()
