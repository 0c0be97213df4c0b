"""Which BOM lines the project page offers "Choose part" on, and the parts each one offers.

A line with several candidates offers them (the BOM service's matching); a line nothing matched offers
a search of the shelf (the line's value or MPN to start with); a pinned line offers Unpin. Only for
a user who may pin (MakerMatrix's projects:update, as the API's pin).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.projects.models import BomLineView, Candidate
from makermatrix_edge.services import Services

PIN = "projects:update"
FOUND = 6  # parts shown for a line's search: a phone screen's worth


@dataclass(frozen=True)
class Choices:
    lines: dict[int, BomLineView] = field(default_factory=dict)
    pick: int | None = None  # the line whose search was asked for
    q: str = ""


def _line(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) <= 12 else None


async def _found(services: Services, q: str) -> list[Candidate]:
    try:
        page = await services.search.search_text(q, 1, FOUND)
    except InvalidInput:  # words the search cannot use (only punctuation): nothing found
        return []
    return [
        Candidate(p.id, p.part_name, p.quantity, p.location.path if p.location else None, f"found by '{q}'")
        for p in page.items
    ]


async def choices(
    services: Services, project_id: str, principal: Principal, pick: str | None = None, q: str | None = None
) -> Choices:
    if not principal.can(PIN):
        return Choices()
    lines = {
        ln.id: ln
        for ln in (await services.boms.lines(project_id)).lines
        if not ln.dnp and (ln.pinned_part_id or ln.part_id is None or len(ln.candidates) > 1)
    }
    picked, words = _line(pick), (q or "").strip()[:100]
    if picked in lines and words:
        lines[picked] = msgspec.structs.replace(lines[picked], candidates=await _found(services, words))
    return Choices(lines, picked, words)
