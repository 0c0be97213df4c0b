"""What a scanned code offers on a page (photo, scanner or typed into search): the same cards everywhere.

A typed search is resolved without being recorded, so it never shows up in the bench camera's feed.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

import msgspec

from makermatrix_edge.clock import iso
from makermatrix_edge.codes.payload import parse_payload, receipt_key
from makermatrix_edge.scanning.resolve import resolve
from makermatrix_edge.scanning.service import ScanResult
from makermatrix_edge.services import Services
from makermatrix_edge.web.forms import PREFILL
from makermatrix_edge.web.place_picker import picker
from makermatrix_edge.web.timefmt import ago


async def preview(services: Services, payload: str) -> ScanResult:
    """The scan's answer without adding it to the recent scans (a search typed with Enter is not a scan)."""
    parsed = parse_payload(payload)
    found = await services.scans.db.read(lambda db: resolve(db, parsed))
    return ScanResult(
        **msgspec.structs.asdict(found),
        id=str(uuid.uuid4()),
        source="api",
        scanned_at=iso(services.clock()),
        parsed=parsed,
    )


def landing(hit: ScanResult) -> str | None:
    """Where one code leads by itself: our own part, location or tool label opens that page (no card to tap).

    A bag (a quantity to receive) gets its card instead; so does a code that names nothing.
    """
    if hit.parsed.quantity and (hit.part or hit.new_part):
        return None
    if hit.part is not None:
        return f"/p/{hit.part.id}"
    if hit.location is not None:
        return f"/l/{hit.location.id}"
    if hit.tool is not None:  # a shared tool's label
        return f"/t/{hit.tool.id}"
    return None


async def last_receipt(services: Services, payload: str) -> str | None:
    """When this bag's payload was last received, or None: the page asks before adding it again."""
    key = receipt_key(payload)

    def load(db: Any) -> str | None:
        row = db.execute(
            "SELECT max(created_at) FROM scan_receipts WHERE receipt_key = ? AND action != 'pending'", [key]
        ).fetchone()
        return str(row[0]) if row and row[0] else None

    return await services.scans.db.read(load)


async def cards(services: Services, results: list[ScanResult], can_write: bool) -> dict[str, Any]:
    """The template context for _scan_results.html."""
    now = services.clock()
    received: dict[str, str] = {}
    for r in results:
        if can_write and r.parsed.quantity and (r.part or r.new_part):
            when = await last_receipt(services, r.parsed.raw)
            if when:
                received[r.id] = ago(when, now)
    return {
        "results": results,
        "received": received,
        "add_links": {
            r.id: "/parts/new?" + urlencode({k: v for k, v in r.new_part.items() if k in PREFILL})
            for r in results
            if r.new_part
        },
        "pick": await picker(services) if any(r.new_part for r in results) else None,
        "can_write": can_write,
    }
