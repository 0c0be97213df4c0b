"""OrderService: preview and import supplier order files, list orders, a part's order history.

An import is one write transaction: the order, its items, the new parts (in the place chosen for
the order, else the configured "Unsorted" location) and a stock movement (source "import") for
each known part. A file with any unreadable row, or an order imported before (unless forced),
writes nothing. Files with more lines than `task_threshold_rows` import as a background task.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import msgspec
import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Conflict, DomainError, InvalidInput, NotFound
from makermatrix_edge.inventory.models import PartView
from makermatrix_edge.inventory.parts import check_page, find_part_id
from makermatrix_edge.inventory.queries import part_view
from makermatrix_edge.orders import batches, planning, store
from makermatrix_edge.orders.child import run_in_child
from makermatrix_edge.orders.importers import FORMATS, filename_info, parse_date, parse_file
from makermatrix_edge.orders.importers.base import FileTooLarge, ParsedOrder
from makermatrix_edge.orders.models import (
    ImportConfig,
    ImportOptions,
    ImportPreview,
    ImportResult,
    OrderView,
    PartOrderItem,
    PartOrderSummary,
    PartPlace,
)
from makermatrix_edge.orders.ports import PartEnricher, TaskQueue, task_request
from makermatrix_edge.orders.staging import PreviewLimits, StagedUploads
from makermatrix_edge.orders.writing import (
    ImportJob,
    duplicate_message,
    order_row,
    where_new_parts_go,
    write_import,
)
from makermatrix_edge.runtime.events import EventBus
from makermatrix_edge.runtime.imaging import trim_memory
from makermatrix_edge.settings import ImportSettings
from makermatrix_edge.tasks.context import TaskCancelled
from makermatrix_edge.tasks.models import TaskRequest
from makermatrix_edge.textcheck import clean_value

log = logging.getLogger(__name__)
ENRICH_TYPE = "file_import_enrichment"  # what an import with enable_enrichment queues
NO_ENRICHMENT = "Supplier enrichment is not available yet on this daemon; the parts were imported without it"


def reference_of(parsed: ParsedOrder, order_number: str | None) -> str:
    display = planning.DISPLAY_SUPPLIER.get(parsed.supplier, parsed.supplier)
    return f"{display} order {order_number}" if order_number else f"{display} file {parsed.filename}"


class OrderService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        events: EventBus,
        settings: ImportSettings,
        data_dir: Path,
        *,
        tasks: TaskQueue,
        enricher: PartEnricher | None,
    ) -> None:
        """`tasks` creates the import and enrichment tasks; `enricher` is supplier enrichment (None: not built)."""
        self._db = db
        self._clock = clock
        self._events = events
        self.settings = settings
        limits = PreviewLimits(
            files_per_user=settings.preview_max_files_per_user,
            bytes_per_user=settings.preview_max_bytes_per_user,
            files=settings.preview_max_files,
            total_bytes=settings.preview_max_bytes,
            keep_seconds=settings.preview_keep_hours * 3600,
        )
        self.uploads = StagedUploads(data_dir / "imports", clock, limits)
        # One file is read at a time: reading is pure Python (the GIL runs one anyway), and files read
        # side by side interleave their many small blocks so the memory is not handed back afterwards.
        self._reading = threading.Lock()
        self._tasks = tasks
        self.enricher = enricher

    # -- reading files -------------------------------------------------------------------
    def check_size(self, size: int) -> None:
        if size > self.settings.max_file_bytes:
            limit = self.settings.max_file_bytes / 1_000_000
            raise FileTooLarge(f"The file is larger than the {limit:g} MB limit for order files")

    def parse(self, content: bytes, filename: str, options: ImportOptions) -> ParsedOrder:
        """Blocking: read the file, then fill order number and date from the name, else the form."""
        self.check_size(len(content))
        parsed = self._read(content, filename, options)
        named = filename_info(filename)
        form_date = options.order_date.strip() if options.order_date else None
        if form_date and parse_date(form_date, ("%m/%d/%Y", "%d.%m.%Y")) is None:
            raise InvalidInput(f"'{form_date[:40]}' is not a date (use YYYY-MM-DD)", "order_date")
        number = parsed.order_number or named.order_number or (options.order_number or "").strip()[:100] or None
        date = parsed.order_date or named.order_date or parse_date(form_date, ("%m/%d/%Y", "%d.%m.%Y"))
        named_order = msgspec.structs.replace(parsed, order_number=number, order_date=date)
        # A stray control byte in a cell is cleaned here, the one place an order's text enters, so
        # it neither fails the whole file at the write Structs' check nor reaches the database.
        return msgspec.convert(clean_value(msgspec.to_builtins(named_order)), ParsedOrder)

    def _read(self, content: bytes, filename: str, options: ImportOptions) -> ParsedOrder:
        """parse_file, then the freed memory back to the system (a spreadsheet is many small blocks)."""
        refused: DomainError | None = None
        try:
            with self._reading:
                parsed = parse_file(
                    content,
                    filename,
                    supplier_hint=options.supplier_name,
                    max_unpacked=self.settings.max_unpacked_bytes,
                )
        except DomainError as exc:
            # Its traceback's frames hold what was read so far (100 000 strings): let them go before the trim.
            refused = exc.with_traceback(None)
            refused.__context__ = None
        trim_memory()
        if refused is not None:
            raise refused
        return parsed

    # -- preview -------------------------------------------------------------------------
    async def preview(self, content: bytes, filename: str, options: ImportOptions) -> ImportPreview:
        parsed = await asyncio.to_thread(self.parse, content, filename, options)
        sha = hashlib.sha256(content).hexdigest()

        def look(db: sqlite_utils.Database) -> ImportPreview:
            place_id, place = where_new_parts_go(db, options.location_id, self.settings.unsorted_location)
            the_plan = planning.plan(db, parsed, place)
            earlier = store.earlier_import(db, parsed.supplier, parsed.order_number, sha)
            rows = the_plan.rows
            return ImportPreview(
                supplier=parsed.supplier,
                display_name=FORMATS[parsed.supplier].display_name,
                file_format=parsed.file_format,
                filename=filename,
                order_number=parsed.order_number,
                order_date=parsed.order_date,
                currency=parsed.currency,
                subtotal=parsed.subtotal,
                importable=not parsed.problems and (earlier is None or options.force),
                already_imported=earlier,
                new_parts=sum(1 for r in rows if r.action == "new part"),
                added_to_existing=sum(1 for r in rows if r.action == "adds"),
                skipped=len(parsed.skipped),
                errors=parsed.problems,
                rows=sorted(
                    [
                        *rows,
                        *(planning.skipped_row(n) for n in parsed.skipped),
                        *(planning.error_row(n) for n in parsed.problems),
                    ],
                    key=lambda r: r.row,
                ),
                location_id=options.location_id if place_id else None,
                new_parts_location=place,
            )

        return await self._db.read(look)

    # -- importing -----------------------------------------------------------------------
    def _refuse_problems(self, parsed: ParsedOrder) -> None:
        if parsed.problems:
            shown = "; ".join(f"row {p.row}: {p.reason}" for p in parsed.problems[:10])
            more = f" (and {len(parsed.problems) - 10} more)" if len(parsed.problems) > 10 else ""
            raise RowsRefused(
                f"Nothing was imported: {len(parsed.problems)} rows could not be read — {shown}{more}",
                parsed,
            )

    async def import_file(
        self, content: bytes, filename: str, options: ImportOptions, actor: Principal, *, as_task: bool = False
    ) -> ImportResult:
        parsed = await asyncio.to_thread(self.parse, content, filename, options)
        self._refuse_problems(parsed)
        sha = hashlib.sha256(content).hexdigest()
        if options.location_id:  # refused now, not in a task minutes later
            unsorted = self.settings.unsorted_location
            await self._db.read(lambda db: where_new_parts_go(db, options.location_id, unsorted))
        if not options.force:
            number = parsed.order_number
            earlier = await self._db.read(lambda db: store.earlier_import(db, parsed.supplier, number, sha))
            if earlier is not None:
                raise Conflict(duplicate_message(earlier))
        big = len(parsed.lines) > self.settings.task_threshold_rows
        if as_task or big:
            return await self._queue_import(content, filename, parsed, options, actor)
        result = await asyncio.to_thread(self.run_import, parsed, sha, options, actor, None)
        return await self.after_import(result, options, actor)

    async def _queue_import(
        self, content: bytes, filename: str, parsed: ParsedOrder, options: ImportOptions, actor: Principal
    ) -> ImportResult:
        staged = await asyncio.to_thread(self.uploads.stage, content)  # up to 10 MB to disk: not on the loop
        data = {"staged": staged, "filename": filename, "options": msgspec.to_builtins(options)}
        name = f"Import {reference_of(parsed, parsed.order_number)} ({len(parsed.lines)} lines)"
        try:
            task_id = (await self._tasks.create(task_request("order_file_import", name, data, actor), actor)).id
        except BaseException:
            await asyncio.to_thread(self.uploads.discard, staged)
            raise
        return ImportResult(
            import_id=staged,
            status="queued",
            supplier=parsed.supplier,
            order_id=None,
            order_number=parsed.order_number,
            imported_count=0,
            created_count=0,
            added_count=0,
            failed_count=0,
            skipped_count=len(parsed.skipped),
            part_ids=[],
            created_part_ids=[],
            updated_part_ids=[],
            failed_items=[],
            skipped_items=parsed.skipped,
            warnings=[f"{len(parsed.lines)} lines: importing as task {task_id}; follow it on /ws/tasks"],
            task_id=task_id,
        )

    def run_import(
        self,
        parsed: ParsedOrder,
        sha: str,
        options: ImportOptions,
        actor: Principal | None,
        progress: planning.Progress | None,
        *,
        in_child: bool = False,
        may_commit: Callable[[], None] | None = None,
        undoing: Callable[[], None] | None = None,
    ) -> ImportResult:
        """Blocking: the whole import or nothing (a refused, failed or cancelled one leaves nothing).

        `in_child`: write in batches from a child process (a large import in a task: orders/child.py,
        orders/batches.py), with `may_commit` asked just before the final step and `undoing` told after
        each batch taken back; else in one transaction.
        """
        job = self.job_for(parsed, sha, options, actor)
        order_id, reference = job.order_id, job.reference
        db = self._db
        if in_child:
            try:
                outcome = run_in_child(db, job, progress, may_commit)
            except TaskCancelled as exc:
                if exc.reason == "shutdown":  # no time to take it back now: the next start does, first thing
                    log.warning("import of %s stopped by the shutdown; the next start takes it back", reference)
                else:
                    batches.take_back(db, order_id, undoing)
                raise
            except BaseException:
                batches.take_back(db, order_id, undoing)
                raise
        else:
            outcome = db.write_sync(lambda conn: write_import(conn, job, progress))
        ids, created = outcome.part_ids, outcome.created
        self._events.entity(
            "created", "order", order_id, reference, actor, changes={"lines": len(parsed.lines), "parts": len(ids)}
        )
        if created:
            self._events.entity(
                "created", "part", None, None, actor, changes={"count": len(created), "source": "import"}
            )
        return ImportResult(
            import_id=order_id,
            status="success",
            supplier=parsed.supplier,
            order_id=order_id,
            order_number=parsed.order_number,
            imported_count=len(parsed.lines),
            created_count=len(created),
            added_count=len(parsed.lines) - len(created),
            failed_count=0,
            skipped_count=len(parsed.skipped),
            part_ids=ids,
            created_part_ids=created,
            updated_part_ids=outcome.updated,
            failed_items=[],
            skipped_items=parsed.skipped,
            warnings=[],
        )

    def job_for(self, parsed: ParsedOrder, sha: str, options: ImportOptions, actor: Principal | None) -> ImportJob:
        """Everything an import's writing needs, with a new order id (the batch id of orders/batches.py)."""
        self._refuse_problems(parsed)
        now = iso(self._clock())
        order_id = str(uuid.uuid4())
        return ImportJob(
            parsed=parsed,
            sha=sha,
            options=options,
            actor=actor,
            order_id=order_id,
            reference=reference_of(parsed, parsed.order_number),
            now=now,
            unsorted_location=self.settings.unsorted_location,
            order_row=order_row(parsed, options, order_id, sha, actor, now),
        )

    async def after_import(self, result: ImportResult, options: ImportOptions, actor: Principal) -> ImportResult:
        """Queue enrichment of the new parts when asked; without the enricher, say so and keep the import."""
        request = self._enrichment(result, options, actor)
        if not isinstance(request, TaskRequest):
            return request
        return msgspec.structs.replace(result, enrichment_task_id=(await self._tasks.create(request, actor)).id)

    def after_import_in_task(self, result: ImportResult, options: ImportOptions, actor: Principal) -> ImportResult:
        """after_import from an import task's thread: the task queues its enrichment itself."""
        request = self._enrichment(result, options, actor)
        if not isinstance(request, TaskRequest):
            return request
        return msgspec.structs.replace(result, enrichment_task_id=self._tasks.create_from_thread(request, actor).id)

    def _enrichment(self, result: ImportResult, options: ImportOptions, actor: Principal) -> TaskRequest | ImportResult:
        """The enrichment task to queue, or the result as it stays (saying so when there is no enricher)."""
        if not options.enable_enrichment or not result.created_part_ids:
            return result
        if self.enricher is None:
            return msgspec.structs.replace(result, warnings=[*result.warnings, NO_ENRICHMENT])
        data = {"order_id": result.order_id, "part_ids": result.created_part_ids}
        data["capabilities"] = options.enrichment_capabilities
        return task_request(ENRICH_TYPE, f"Enrich {len(result.created_part_ids)} imported parts", data, actor)

    def take_back_unfinished(self) -> list[str]:
        """Blocking, at start: take back every batched import a kill left half-written (orders/batches.py)."""
        return batches.recover(self._db)

    # -- reading orders ------------------------------------------------------------------
    async def list_orders(self, page: int, page_size: int, supplier: str | None) -> tuple[list[OrderView], int]:
        check_page(page, page_size)
        key = supplier.strip().lower() if supplier else None
        return await self._db.read(lambda db: store.list_orders(db, key, page_size, (page - 1) * page_size))

    async def get_order(self, order_id: str) -> OrderView:
        found = await self._db.read(lambda db: store.get_order(db, order_id))
        if found is None:
            raise NotFound(f"No order with id {order_id}")
        return found

    async def order_parts(self, order_id: str) -> dict[str, PartPlace]:
        return await self._db.read(lambda db: store.order_parts(db, order_id))

    async def part_history(self, part_id: str) -> tuple[list[PartOrderItem], PartOrderSummary | None]:
        def load(db: sqlite_utils.Database) -> tuple[list[PartOrderItem], PartOrderSummary | None]:
            found = find_part_id(db, part_id=part_id, part_number=None, part_name=None)
            items = store.part_orders(db, found)
            return items, store.part_summary(db, found, items)

        return await self._db.read(load)

    async def part_with_history(
        self, *, part_id: str | None, part_number: str | None, part_name: str | None
    ) -> tuple[PartView, list[PartOrderItem], PartOrderSummary | None]:
        """A part and the orders it came in, read together: one snapshot, one trip to a reader thread."""

        def load(db: sqlite_utils.Database) -> tuple[PartView, list[PartOrderItem], PartOrderSummary | None]:
            found = find_part_id(db, part_id=part_id, part_number=part_number, part_name=part_name)
            view = part_view(db, found)
            assert view is not None  # found a moment ago, in the same read transaction
            items = store.part_orders(db, found)
            return view, items, store.part_summary(db, found, items)

        return await self._db.read(load)

    # -- the /csv/config document ----------------------------------------------------------
    async def config(self) -> ImportConfig:
        return await self._db.read(store.load_config)

    async def save_config(self, config: ImportConfig) -> ImportConfig:
        await self._db.write(lambda db: store.save_config(db, config))
        return config


class RowsRefused(InvalidInput):
    """Some rows could not be read: nothing is imported; `parsed.problems` lists them by row."""

    def __init__(self, message: str, parsed: ParsedOrder) -> None:
        super().__init__(message, "file")
        self.message = message
        self.parsed = parsed
