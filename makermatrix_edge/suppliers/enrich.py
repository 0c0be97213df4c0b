"""EnrichmentService: look a part up at its supplier, download picture and datasheet, write it all in one go.

Blocking (HTTP, Pillow, SQLite): called from task handlers in worker threads. `enrich_parts` is the
entry point for every task that enriches a list of parts (bulk, price update, order import).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from typing import Any

import msgspec
import sqlite_utils

from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import DomainError, NotFound
from makermatrix_edge.inventory import queries
from makermatrix_edge.inventory.images import ImageStore
from makermatrix_edge.runtime.events import EventBus
from makermatrix_edge.runtime.imaging import DecodeGate
from makermatrix_edge.suppliers import catalogue, parse
from makermatrix_edge.suppliers.apply import PartWriter, Who, save_offer, spec_values
from makermatrix_edge.suppliers.files import DatasheetStore, StoredDatasheet
from makermatrix_edge.suppliers.http import Sleep
from makermatrix_edge.suppliers.models import (
    ALL_CAPABILITIES,
    FETCH_DATASHEET,
    FETCH_IMAGE,
    FETCH_PRICING_STOCK,
    FETCH_SPECIFICATIONS,
    GET_PART_DETAILS,
    PartDetails,
    SupplierError,
    SupplierNotConfigured,
    SupplierOffline,
)
from makermatrix_edge.suppliers.registry import SupplierRegistry

IMAGE_URL = "/api/utility/get_image/"
RESULTS_KEPT = 500  # longest per-part list in a task result; the counts are always complete
PARAMETERS_KEPT = 100  # of one supplier answer; a product has 10-60, and the part keeps room for a person's own
Progress = Callable[[int, int, "PartResult"], None]


class PartResult(msgspec.Struct, kw_only=True):
    part_id: str
    part_name: str | None = None
    supplier: str | None = None
    status: str  # enriched, unchanged, not_found, failed
    message: str
    changed: list[str] = msgspec.field(default_factory=list)
    kept: list[str] = msgspec.field(default_factory=list)
    warnings: list[str] = msgspec.field(default_factory=list)
    category_suggestion: str | None = None


class _Downloads(msgspec.Struct):
    image_url: str | None = None
    datasheet: StoredDatasheet | None = None
    datasheet_source: str | None = None
    warnings: list[str] = msgspec.field(default_factory=list)


def _capabilities(given: Collection[str] | None) -> set[str]:
    if not given:
        return set(ALL_CAPABILITIES)
    unknown = [c for c in given if c not in ALL_CAPABILITIES]
    if unknown:
        raise SupplierError(f"Unknown capability '{unknown[0]}'; use {', '.join(ALL_CAPABILITIES)}")
    return set(given)


class EnrichmentService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        suppliers: SupplierRegistry,
        images: ImageStore,
        datasheets: DatasheetStore,
        events: EventBus,
        gate: DecodeGate,
    ) -> None:
        self._db = db
        self.gate = gate  # the photos' gate: a supplier's picture is decoded like an upload
        self._clock = clock
        self.suppliers = suppliers
        self._images = images
        self.datasheets = datasheets
        self._events = events

    # -- one part --------------------------------------------------------------------------
    def enrich_part(
        self,
        part_id: str,
        *,
        who: Who,
        capabilities: Collection[str] | None = None,
        supplier: str | None = None,
        overwrite: bool = False,
        refresh_files: bool = False,
        sleep: Sleep,
    ) -> PartResult:
        """Enrich one part; supplier failures raise SupplierError with the reason in words."""
        caps = _capabilities(capabilities)
        part = self._db.read_sync(lambda db: _load_part(db, part_id))
        name = self._supplier_of(part, supplier)
        client = self.suppliers.get(name)
        if not self.suppliers.enabled(client.name):
            raise SupplierNotConfigured(f"{client.display_name} is disabled by an admin (Suppliers settings)")
        number = part["part_number"] or part["manufacturer_part_number"] or part["part_name"]
        details = client.details(number, sleep=sleep, pricing=FETCH_PRICING_STOCK in caps)
        if details is None:
            return PartResult(
                part_id=part_id,
                part_name=part["part_name"],
                supplier=name,
                status="not_found",
                message=f"{client.display_name} has no product '{number}'",
            )
        files = self._download(part, details, caps, overwrite or refresh_files, sleep)
        now = iso(self._clock())
        changed, kept, notes = self._db.write_sync(
            lambda db: self._write(db, part_id, details, caps, files, overwrite, who, now)
        )
        if changed:
            self._events.entity(
                "updated", "part", part_id, part["part_name"], None, changes={"enriched": changed, "supplier": name}
            )
        what = f"{len(changed)} fields updated" if changed else "nothing new"
        return PartResult(
            part_id=part_id,
            part_name=part["part_name"],
            supplier=name,
            status="enriched" if changed else "unchanged",
            message=f"{client.display_name}: {what}",
            changed=changed,
            kept=kept,
            warnings=[*notes, *files.warnings],
            category_suggestion=details.category,
        )

    def _supplier_of(self, part: dict[str, Any], asked: str | None) -> str:
        if asked:
            name = parse.supplier_name(asked) or asked.strip().lower()
            self.suppliers.get(name)
            return name
        found = parse.detect_supplier(part["supplier"], part["part_number"])
        if found is None:
            found = parse.supplier_from_number(part["part_name"])
        if found is None:
            names = catalogue.either([s.short_name for s in catalogue.SUPPLIERS])
            numbers = catalogue.either([s.example_number for s in catalogue.SUPPLIERS])
            raise SupplierError(
                f"Cannot tell the supplier: set the part's supplier ({names}) "
                f"or give it a supplier number such as {numbers}"
            )
        return found

    def _download(self, part: dict[str, Any], d: PartDetails, caps: set[str], again: bool, sleep: Sleep) -> _Downloads:
        out = _Downloads()
        client = self.suppliers.get(d.supplier)
        if FETCH_IMAGE in caps and d.image_url and (again or not part["image_url"]):
            try:
                reply = client.http.request(
                    "GET",
                    d.image_url,
                    sleep=sleep,
                    limited=False,
                    max_bytes=self._images.max_bytes,
                    what="the picture link",
                )
                if reply.status != 200:
                    raise SupplierError(f"the picture link answered HTTP {reply.status}")
                content = reply.content  # judged by content like an upload, under the same gate; thumbnail on demand
                stored = self.gate.run_blocking(lambda: self._images.save(content))
                out.image_url = IMAGE_URL + stored.filename
            except SupplierOffline:
                raise
            except DomainError as exc:
                out.warnings.append(f"picture not saved: {exc.message}")
        has_sheet = self._db.read_sync(
            lambda db: db.execute("SELECT 1 FROM datasheets WHERE part_id = ?", [part["id"]]).fetchone() is not None
        )
        if FETCH_DATASHEET in caps and d.datasheet_url and (again or not has_sheet):
            try:
                reply = client.http.request(
                    "GET",
                    d.datasheet_url,
                    sleep=sleep,
                    limited=False,
                    max_bytes=self.datasheets.max_bytes,
                    what="the datasheet link",
                )
                if reply.status != 200:
                    raise SupplierError(f"the datasheet link answered HTTP {reply.status}")
                out.datasheet = self.datasheets.save(reply.content)
                out.datasheet_source = d.datasheet_url
            except SupplierOffline:
                raise
            except DomainError as exc:
                out.warnings.append(f"datasheet not saved: {exc.message}")
        return out

    def _write(
        self,
        db: sqlite_utils.Database,
        part_id: str,
        d: PartDetails,
        caps: set[str],
        files: _Downloads,
        overwrite: bool,
        who: Who,
        now: str,
    ) -> tuple[list[str], list[str], list[str]]:
        part = _load_part(db, part_id)  # again, inside the write: a person may have edited it meanwhile
        w = PartWriter(db, part, overwrite, d.supplier)
        if GET_PART_DETAILS in caps:
            w.column("description", d.description)
            w.column("manufacturer", d.manufacturer)
            w.column("manufacturer_part_number", d.manufacturer_part_number)
            w.column("supplier", d.supplier)
            w.column("part_number", d.supplier_part_number)
            w.prop("package", d.package)
            w.prop("product_url", d.product_url)
            w.prop("category_suggestion", d.category)
        notes: list[str] = []
        if FETCH_SPECIFICATIONS in caps:
            parameters = list(d.parameters.items())
            for key, value in parameters[:PARAMETERS_KEPT]:
                w.prop(key, value)
            if len(parameters) > PARAMETERS_KEPT:
                notes.append(f"kept the first {PARAMETERS_KEPT} of the supplier's {len(parameters)} parameters")
            w.specs(spec_values(d))
        if FETCH_PRICING_STOCK in caps and (d.price_breaks or d.stock is not None):
            save_offer(db, part_id, d, now)
            w.note("offer", None, f"{d.supplier}: {len(d.price_breaks)} price breaks, stock {d.stock}")
            if d.price_breaks:
                first = min(d.price_breaks, key=lambda b: b.quantity)
                w.column("unit_price", first.unit_price)
                w.column("currency", first.currency if len(first.currency) == 3 else None)
        if files.image_url:
            w.column("image_url", files.image_url)
        if files.datasheet is not None:
            sheet = files.datasheet
            known = db.execute(
                "SELECT 1 FROM datasheets WHERE part_id = ? AND filename = ?", [part_id, sheet.filename]
            ).fetchone()
            if known is None:
                db.execute(
                    "INSERT INTO datasheets (id, part_id, filename, title, source_url, supplier, size_bytes, sha256, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        str(uuid.uuid4()),
                        part_id,
                        sheet.filename,
                        f"{d.manufacturer_part_number or part['part_name']} datasheet",
                        files.datasheet_source,
                        d.supplier,
                        sheet.size_bytes,
                        sheet.sha256,
                        now,
                    ],
                )
                w.note("datasheet", None, sheet.filename)
            w.prop("datasheet_url", files.datasheet_source)
        if w.no_room:
            named = ", ".join(w.no_room[:3]) + (", ..." if len(w.no_room) > 3 else "")
            most, size = queries.MAX_PROPERTY_KEYS, queries.MAX_PROPERTIES_CHARS // 1024
            notes.append(f"{len(w.no_room)} properties not saved ({named}): a part holds at most {most} in {size} KB")
        return w.finish(who, now), w.kept, notes

    # -- many parts ------------------------------------------------------------------------
    def enrich_parts(
        self,
        part_ids: Sequence[str],
        *,
        who: Who,
        capabilities: Collection[str] | None = None,
        supplier: str | None = None,
        overwrite: bool = False,
        sleep: Sleep,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Enrich each part in turn; one part's failure (offline, refused, unknown) never stops the rest."""
        _capabilities(capabilities)  # a bad capability fails the whole task at once
        counts = {"enriched": 0, "unchanged": 0, "not_found": 0, "failed": 0}
        results: list[PartResult] = []
        for i, part_id in enumerate(part_ids, 1):
            try:
                result = self.enrich_part(
                    part_id, who=who, capabilities=capabilities, supplier=supplier, overwrite=overwrite, sleep=sleep
                )
            except DomainError as exc:
                result = PartResult(part_id=part_id, status="failed", message=exc.message)
            counts[result.status] += 1
            if len(results) < RESULTS_KEPT:
                results.append(result)
            if progress is not None:
                progress(i, len(part_ids), result)
        summary = (
            f"{len(part_ids)} parts: {counts['enriched']} enriched, {counts['unchanged']} unchanged, "
            f"{counts['not_found']} not found, {counts['failed']} failed"
        )
        return {"total": len(part_ids), **counts, "summary": summary, "results": msgspec.to_builtins(results)}

    def who(self, user_id: str | None, task_id: str | None) -> Who:
        def name(db: sqlite_utils.Database) -> str | None:
            row = db.execute("SELECT username FROM users WHERE id = ?", [user_id]).fetchone()
            return str(row[0]) if row else None

        return Who(user_id=user_id, username=self._db.read_sync(name) if user_id else None, task_id=task_id)

    def parts_with_supplier(self) -> list[str]:
        """Every part whose supplier can be told (for price_update with update_all)."""

        def load(db: sqlite_utils.Database) -> list[str]:
            rows = db.execute("SELECT id, supplier, part_number, part_name FROM parts ORDER BY seq").fetchall()
            return [r[0] for r in rows if parse.detect_supplier(r[1], r[2]) or parse.supplier_from_number(r[3])]

        return self._db.read_sync(load)


def _load_part(db: sqlite_utils.Database, part_id: str) -> dict[str, Any]:
    row = db.execute("SELECT * FROM parts WHERE id = ?", [part_id]).fetchone()
    if row is None:
        raise NotFound(f"No part with id {part_id}")
    return dict(row)
