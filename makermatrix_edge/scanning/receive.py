"""Receiving a bag: create the part it holds, or add its quantity to the part it resolves to.

Every quantity change goes through PartService (a stock movement with source `scan`). The same bag
payload received twice adds once: its receipt key (the payload without control characters and
spaces) is reserved in the same write that checks for it, before any stock moves; `force` receives
it again (identical bags from one order carry identical payloads).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

import msgspec
import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import iso
from makermatrix_edge.codes.payload import parse_payload, receipt_key
from makermatrix_edge.errors import Conflict, InvalidInput
from makermatrix_edge.inventory.models import PartCreate, PartView
from makermatrix_edge.scanning.resolve import resolve
from makermatrix_edge.scanning.service import ScanResult, ScanService, Source

Short = Annotated[str, msgspec.Meta(max_length=200)]
PENDING_SECONDS = 120


class ReceiveRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    payload: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
    force: bool = False  # receive a bag whose payload was received before
    part_id: Short | None = None  # the part to add to, when the bag matched several
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000)] | None = None  # overrides the label's
    location_id: Short | None = None  # where a newly created part lives


class Received(msgspec.Struct):
    action: Literal["created", "added"]
    part: PartView
    quantity_added: int
    received_before: int  # how many times this bag payload had been received already
    scan: ScanResult


def _reserve(
    key: str, payload: str, force: bool, actor: Principal | None, now: str, pending_since: str
) -> Callable[[sqlite_utils.Database], tuple[int, int]]:
    # A receipt still pending (another phone receiving the same bag right now) counts too; one left
    # pending by a crash stops counting after PENDING_SECONDS.
    def run(db: sqlite_utils.Database) -> tuple[int, int]:
        before = db.execute(
            "SELECT count(*), max(created_at) FROM scan_receipts "
            "WHERE receipt_key = ? AND (action != 'pending' OR created_at >= ?)",
            [key, pending_since],
        ).fetchone()
        if before[0] and not force:
            raise Conflict(f"This bag was already received ({before[1]}); send force to add its quantity again")
        cursor = db.execute(
            "INSERT INTO scan_receipts (receipt_key, payload, user_id, username, created_at) VALUES (?, ?, ?, ?, ?)",
            [key, payload, actor.user_id if actor else None, actor.username if actor else None, now],
        )
        return int(before[0]), int(cursor.lastrowid or 0)

    return run


async def receive(
    scans: ScanService, request: ReceiveRequest, actor: Principal | None, source: Source = "api"
) -> Received:
    parsed = parse_payload(request.payload)
    if parsed.kind in ("text", "unrecognised", "own_location", "own_tool") and request.part_id is None:
        raise InvalidInput("not a bag or part label; scan the bag's code (or name part_id)", "payload")
    quantity = request.quantity or parsed.quantity
    if not quantity:
        raise InvalidInput("the label carries no quantity; send quantity", "quantity")
    db = scans.db
    found = await db.read(lambda conn: resolve(conn, parsed))
    target: str | None = request.part_id
    if target is None and found.status == "found" and found.part is not None:
        target = found.part.id
    elif target is None and found.status == "candidates" and found.rule != "search":
        raise Conflict(f"{len(found.candidates)} parts match this bag; send part_id to say which")
    elif target is None and (found.status not in ("unknown", "candidates") or parsed.kind != "supplier_label"):
        raise InvalidInput(found.message, "payload")
    if target is not None:
        await scans.parts.get(part_id=target)  # 404 before anything is reserved
    key = receipt_key(request.payload)
    now = iso(scans.clock())
    pending_since = iso(scans.clock() - PENDING_SECONDS)
    before, row = await db.write(_reserve(key, request.payload, request.force, actor, now, pending_since))
    try:
        if target is not None:
            part = await scans.parts.adjust(target, quantity, "received bag (scan)", actor, source="scan")
            action: Literal["created", "added"] = "added"
        else:
            fields = dict(found.new_part or {})
            fields.update(quantity=quantity, location_id=request.location_id)
            part = await scans.parts.add(msgspec.convert(fields, PartCreate), actor, source="scan")
            action = "created"
    except BaseException:
        await db.write(lambda conn: conn.execute("DELETE FROM scan_receipts WHERE id = ?", [row]))
        raise
    await db.write(
        lambda conn: conn.execute(
            "UPDATE scan_receipts SET part_id = ?, quantity = ?, action = ? WHERE id = ?",
            [part.id, quantity, action, row],
        )
    )
    result = await scans.scan(request.payload, source=source)
    return Received(action=action, part=part, quantity_added=quantity, received_before=before, scan=result)
