"""A large import commits in short batches tagged with its order id; a failure takes the batches back.

Why batches: the import used to be one transaction of minutes, and the daemon's writer waited for
all of it, so a stock change or a login during a 100 000-line import waited up to 30 s. Now each
batch is its own transaction of about BATCH_SECONDS, and the daemon's writer takes its queued
writes between two batches (orders/child.py), so a person's write waits at most one batch.

Why a batch id rather than a staging table: rows staged elsewhere would still have to be copied
into `parts` in one final transaction, and that copy (the full-text index of every new part) is
most of an import's cost, so the final transaction would be as long as the old one. Instead the
rows go where they belong, and the order id is the batch id:

- The order row is written first with status `importing`; order lists and a part's order
  history do not show it until the final step sets `imported`.
- New parts (and their creation stock movements) and every order item are written batch by batch.
  Stock added to parts that existed before is only noted (the item's status `pending`) and added
  in the final step, a short transaction of its own: a part that people may change meanwhile must
  never need its history undone.
- Taking an import back (cancel, failure, a killed child, a killed daemon: `unfinished` at the next
  start) deletes the parts it created with their stock rows (the database allows that only for parts
  listed in `import_undo` inside the same transaction), then its items and its order. It works in
  batches too, and only on an order still `importing`; an order the final step marked `imported`
  is complete and is never taken back.

So whatever is killed when, the result is the whole order or none of it (the Unsorted location,
once made, stays). The new parts' place (chosen, or Unsorted) is checked in the first batch.
While it runs, the new parts are visible as they are written, as in any write.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlite_utils

from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Conflict
from makermatrix_edge.orders import planning, store
from makermatrix_edge.orders.writing import ImportJob, Outcome, duplicate_message, target_location

IMPORTING = "importing"
BATCH_SECONDS = 0.1  # the longest a person's write waits behind the import
UNDO_CHUNK = 50  # parts per delete statement when taking an import back
log = logging.getLogger(__name__)


@dataclass
class BatchedImport:
    """One import written in batches; lives in the child for the whole run."""

    job: ImportJob
    next_line: int = 0
    writer: planning.Writer | None = None
    planner: planning.Planner = field(init=False)

    def __post_init__(self) -> None:
        self.planner = planning.Planner(self.job.parsed.supplier)

    @property
    def total(self) -> int:
        return len(self.job.parsed.lines)

    @property
    def written(self) -> bool:
        return self.writer is not None and self.next_line >= self.total

    def write_batch(self, db: sqlite_utils.Database, seconds: float = BATCH_SECONDS) -> int:
        """Inside the caller's transaction: the next lines, for about `seconds`; returns lines done so far."""
        job = self.job
        if self.writer is None:
            if not job.options.force:
                earlier = store.earlier_import(db, job.parsed.supplier, job.parsed.order_number, job.sha)
                if earlier is not None:
                    raise Conflict(duplicate_message(earlier))
            location_id, path = target_location(db, job)
            self.planner.new_parts_go_to = path
            store.insert_order(db, {**job.order_row, "status": IMPORTING})
            self.writer = planning.Writer(
                job.parsed, job.order_id, location_id, job.reference, job.actor, job.now, defer_existing=True
            )
        lines = job.parsed.lines
        end = time.monotonic() + seconds
        while self.next_line < len(lines):
            step = self.planner.add(db, lines[self.next_line])
            self.writer.write(db, self.next_line, step)
            self.next_line += 1
            if time.monotonic() >= end:
                break
        return self.next_line

    def finish(self, db: sqlite_utils.Database) -> Outcome:
        """The final step, inside the caller's transaction: stock for parts that were there, then `imported`."""
        job = self.job
        assert self.writer is not None and self.written
        marked = db.execute(
            "UPDATE orders SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
            [job.order_row.get("status") or "imported", job.now, job.order_id, IMPORTING],
        ).rowcount
        if marked != 1:  # taken back by a restart's recovery while this child still ran
            raise Conflict("The import was taken back before it could finish; nothing of it was kept")
        pending = db.execute(
            "SELECT i.id, i.part_id, i.quantity_received, p.id IS NOT NULL FROM order_items i "
            "LEFT JOIN parts p ON p.id = i.part_id WHERE i.order_id = ? AND i.status = 'pending' ORDER BY i.seq",
            [job.order_id],
        ).fetchall()
        for item_id, part_id, quantity, exists in pending:
            if exists:  # a part deleted during the import gets nothing; its item stays as a record
                planning.add_stock(db, part_id, quantity, job.reference, job.actor, job.now)
            db.execute("UPDATE order_items SET status = 'received' WHERE id = ?", [item_id])
        steps = self.planner.steps
        ids = list(dict.fromkeys(s.plan.part_id for s in steps if s.plan.part_id))
        return Outcome(part_ids=ids, created=self.writer.done.created, updated=self.writer.done.updated)


def undo_batch(db: sqlite_utils.Database, order_id: str, seconds: float = BATCH_SECONDS) -> bool:
    """Inside the caller's transaction: take back some of an unfinished import; True once none is left."""
    row = db.execute("SELECT status FROM orders WHERE id = ?", [order_id]).fetchone()
    if row is None or row[0] != IMPORTING:
        return True  # gone already, or complete (the final step ran): never taken back
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        parts = [
            r[0]
            for r in db.execute(
                "SELECT part_id FROM order_items WHERE order_id = ? AND action = 'created' LIMIT ?",
                [order_id, UNDO_CHUNK],
            )
        ]
        if parts:
            marks = ", ".join("?" * len(parts))
            db.conn.executemany("INSERT OR IGNORE INTO import_undo (part_id) VALUES (?)", [[p] for p in parts])
            db.execute(f"DELETE FROM stock_movements WHERE part_id IN ({marks})", parts)
            db.execute(f"DELETE FROM order_items WHERE order_id = ? AND part_id IN ({marks})", [order_id, *parts])
            db.execute(f"DELETE FROM parts WHERE id IN ({marks})", parts)
            db.execute("DELETE FROM import_undo")
            continue
        items = db.execute(
            "DELETE FROM order_items WHERE seq IN (SELECT seq FROM order_items WHERE order_id = ? LIMIT 2000)",
            [order_id],
        ).rowcount
        if items == 0:
            db.execute("DELETE FROM orders WHERE id = ?", [order_id])
            return True
    return False


def unfinished(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT id FROM orders WHERE status = ? ORDER BY seq", [IMPORTING])]


def take_back(db: Database, order_id: str, each: Callable[[], None] | None = None) -> None:
    """Blocking: take an unfinished import back, one short write per batch (other writes go between)."""
    while not db.write_sync(lambda conn: undo_batch(conn, order_id)):
        if each is not None:
            each()


def recover(db: Database) -> list[str]:
    """At start, before any task runs: take back every import a kill left unfinished; returns their order ids."""
    orders = db.read_sync(unfinished)
    for order_id in orders:
        log.warning("taking back the unfinished import of order %s (the daemon stopped during it)", order_id)
        take_back(db, order_id)
    return orders
