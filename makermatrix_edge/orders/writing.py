"""An import's write transaction, the same whether it runs in the daemon or in a child process.

Everything it needs travels in an `ImportJob` (msgspec, so it crosses a pipe as JSON) and what it
did comes back as an `Outcome`: see orders/child.py for why a large import runs in a child.
"""

from __future__ import annotations

from typing import Any

import msgspec
import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import Conflict
from makermatrix_edge.inventory.locations import find_or_create
from makermatrix_edge.inventory.queries import require_location
from makermatrix_edge.orders import planning, store
from makermatrix_edge.orders.importers.base import ParsedOrder
from makermatrix_edge.orders.models import EarlierImport, ImportOptions


class ImportJob(msgspec.Struct, kw_only=True):
    parsed: ParsedOrder
    sha: str
    options: ImportOptions
    actor: Principal | None
    order_id: str
    reference: str
    now: str
    unsorted_location: str
    order_row: dict[str, Any]


class Outcome(msgspec.Struct, kw_only=True):
    part_ids: list[str]  # every line's part, in file order, each once
    created: list[str]
    updated: list[str]


def order_row(
    parsed: ParsedOrder, options: ImportOptions, order_id: str, sha: str, actor: Principal | None, now: str
) -> dict[str, Any]:
    """The `orders` row of an import (status `imported`; a batched import writes it as `importing` first)."""
    items_total = sum(line.extended_price or 0.0 for line in parsed.lines)
    return {
        "id": order_id,
        "order_number": parsed.order_number,
        "supplier": parsed.supplier,
        "order_date": parsed.order_date,
        "status": "imported",
        "subtotal": parsed.subtotal if parsed.subtotal is not None else round(items_total, 2),
        "total": parsed.subtotal if parsed.subtotal is not None else round(items_total, 2),
        "currency": parsed.currency,
        "import_source": f"File import: {parsed.filename}"[:300],
        "import_date": now,
        "notes": (options.notes or "").strip()[:4000] or None,
        "filename": parsed.filename[:300],
        "file_sha256": sha,
        "created_by_user_id": actor.user_id if actor else None,
        "created_by_username": actor.username if actor else None,
        "created_at": now,
        "updated_at": now,
    }


def duplicate_message(earlier: EarlierImport) -> str:
    what = f"order {earlier.order_number}" if earlier.order_number else f"file {earlier.filename}"
    who = f" by {earlier.username}" if earlier.username else ""
    return (
        f"This {earlier.supplier} {what} was already imported on {earlier.import_date}{who} "
        f"(order id {earlier.order_id}); send force=true to import it again"
    )


def where_new_parts_go(db: sqlite_utils.Database, location_id: str | None, unsorted: str) -> tuple[str | None, str]:
    """(id, path) of the place the order's new parts go: the chosen one (it must exist), else the
    Unsorted location (id None while it is not made yet: the import makes it)."""
    if location_id:
        require_location(db, location_id)
        return location_id, str(db.execute("SELECT path FROM locations WHERE id = ?", [location_id]).fetchone()[0])
    row = db.execute(
        "SELECT id, path FROM locations WHERE name = ? COLLATE NOCASE ORDER BY parent_id IS NOT NULL, length(path) "
        "LIMIT 1",
        [unsorted.strip()],
    ).fetchone()
    return (str(row[0]), str(row[1])) if row else (None, unsorted.strip())


def target_location(db: sqlite_utils.Database, job: ImportJob) -> tuple[str, str]:
    """Inside the import's transaction: the new parts' place as (id, path), making Unsorted when it is the one."""
    found, path = where_new_parts_go(db, job.options.location_id, job.unsorted_location)
    return (found or find_or_create(db, job.unsorted_location, job.now)), path


def write_import(db: sqlite_utils.Database, job: ImportJob, progress: planning.Progress | None) -> Outcome:
    """Inside the caller's write transaction: refuse a repeated order, else write the whole order."""
    parsed = job.parsed
    if not job.options.force:
        earlier = store.earlier_import(db, parsed.supplier, parsed.order_number, job.sha)
        if earlier is not None:
            raise Conflict(duplicate_message(earlier))
    location_id, path = target_location(db, job)
    the_plan = planning.plan(db, parsed, path)
    store.insert_order(db, job.order_row)
    applied = planning.apply(
        db,
        parsed,
        the_plan,
        order_id=job.order_id,
        location_id=location_id,
        reference=job.reference,
        actor=job.actor,
        now=job.now,
        progress=progress,
    )
    ids = list(dict.fromkeys(s.plan.part_id for s in the_plan.steps if s.plan.part_id))
    return Outcome(part_ids=ids, created=applied.created, updated=applied.updated)
