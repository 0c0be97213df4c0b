"""'Can I build N of this board?' answered from the shelf: per BOM line, need, available, short.

need = quantity per board x N (a DNP line needs nothing); available = the part's stock minus what
other open builds reserve; a part on several lines is shared out line by line in BOM order. The
largest N is the smallest stock / (quantity per board summed over the part's lines). A line
without a part is unmatched: nothing can be built until it is matched or pinned.

Runs inside one read (or the write that starts a build): three indexed queries whatever the BOM
size, then arithmetic.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

import msgspec
import sqlite_utils

from makermatrix_edge.errors import InvalidInput, NotFound
from makermatrix_edge.suppliers import catalogue
from makermatrix_edge.suppliers.money import line_cost, money, total
from makermatrix_edge.suppliers.sourcing import Sourcing, SupplierTotal, cart_number, sourcing, totals

MAX_BOARDS = 10_000  # a bench builds tens; 10^9 boards is a typo and must not overflow a reservation


class BuildLine(msgspec.Struct):
    line_id: int
    designators: str
    quantity_per_board: int
    need: int
    available: int
    short: int
    part_id: str | None
    match_reason: str | None
    part_name: str | None = None
    value: str | None = None
    footprint: str | None = None
    mpn: str | None = None  # the BOM's, else the matched part's
    manufacturer: str | None = None
    dnp: bool = False
    unmatched: bool = False
    in_stock: int = 0  # the part's whole stock, before other builds' reservations
    reserved: int = 0  # held by other open builds
    for_lines_above: int = 0  # of the part's stock, what the BOM's earlier lines of the same part take
    supplier: str | None = None  # catalogue key, for the reorder file
    supplier_name: str | None = None
    supplier_number: str | None = None
    unit_price: float | None = None  # the last price paid (or the part's price)
    currency: str | None = None
    shortage_cost: float | None = None


class Buildable(msgspec.Struct):
    project_id: str
    project_name: str
    quantity: int
    max_buildable: int
    lines: list[BuildLine]
    shortage_cost: float
    currency: str
    short_lines: int
    unmatched_lines: int
    unpriced_lines: int  # short lines without a price (or in another currency): not in shortage_cost
    suppliers: list[SupplierTotal]
    message: str


class ProjectSummary(msgspec.Struct):
    id: str
    name: str
    description: str | None
    lines: int
    open_builds: int


def summaries(db: sqlite_utils.Database) -> list[ProjectSummary]:
    """Every project with its number of BOM lines and open builds, by name."""
    rows = db.execute(
        "SELECT p.id, p.name, p.description, "
        "(SELECT count(*) FROM bom_lines l WHERE l.project_id = p.id), "
        "(SELECT count(*) FROM builds b WHERE b.project_id = p.id AND b.status = 'open') "
        "FROM projects p ORDER BY p.name"
    ).fetchall()
    return [ProjectSummary(*r) for r in rows]


def check_quantity(quantity: int, field: str = "quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_BOARDS:
        raise InvalidInput(f"must be a whole number of boards from 1 to {MAX_BOARDS}", field)
    return quantity


def project_row(db: sqlite_utils.Database, project_id: str) -> tuple[str, str]:
    """(id, name) of a project named by id or slug; NotFound in words."""
    row = db.execute(
        "SELECT id, name FROM projects WHERE id = ? OR slug = ? LIMIT 1", [project_id, project_id]
    ).fetchone()
    if row is None:
        raise NotFound(f"No project with id {project_id!r}")
    return str(row[0]), str(row[1])


_WORD = re.compile(r"[a-z0-9]+")
_FILLER = frozenset({"the", "a", "an", "of", "our", "my", "this", "board", "boards", "project", "pcb"})


def _words_of(text: str) -> set[str]:
    """Lower-case words without filler, a plural's s dropped ('drivers' names 'Motor driver')."""
    words = (w for w in _WORD.findall(text.casefold()) if w not in _FILLER)
    return {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words}


def find_projects(db: sqlite_utils.Database, text: str, limit: int = 5) -> list[tuple[str, str]]:
    """Projects a person's words name ('the motor driver' finds 'Motor driver'), best first.

    A project whose every name word is in the text comes first (the longest name winning), then
    those sharing most of their words; a text that names none finds none.
    """
    said = _words_of(text)
    scored = []
    for pid, name, slug in db.execute("SELECT id, name, slug FROM projects").fetchall():
        words = _words_of(name) or _words_of(slug)
        if not words:
            continue
        share = len(words & said) / len(words)
        exact = text.strip().casefold() in (name.casefold(), slug.casefold(), pid)
        if exact or share >= 0.5:
            scored.append((not exact, -share, -len(words), name.casefold(), pid, name))
    return [(r[4], r[5]) for r in sorted(scored)[:limit]]


def _ids(values: Any) -> str:
    return json.dumps(sorted(set(values)))


def reserved_by_open_builds(
    db: sqlite_utils.Database, part_ids: list[str], *, except_build: str | None = None
) -> dict[str, int]:
    rows = db.execute(
        "SELECT bl.part_id, SUM(bl.per_board * (b.quantity - b.built)) FROM builds b "
        "JOIN build_lines bl ON bl.build_id = b.id "
        "WHERE b.status = 'open' AND bl.part_id IN (SELECT value FROM json_each(?)) AND b.id IS NOT ? "
        "GROUP BY bl.part_id",
        [_ids(part_ids), except_build],
    ).fetchall()
    return {r[0]: int(r[1]) for r in rows}


def _bom_supplier(numbers: str | None) -> tuple[str | None, str | None]:
    """The first supplier number a BOM line carries for a supplier we know: ('lcsc', 'C2040')."""
    try:
        found = json.loads(numbers or "{}")
    except ValueError:
        return None, None
    if not isinstance(found, dict):
        return None, None
    for name, number in found.items():
        known = catalogue.by_alias(str(name), parts=True)
        if known is not None and isinstance(number, str) and number.strip():
            return known.key, number.strip()
    return None, None


def _priced(line: BuildLine, s: Sourcing | None) -> None:
    if s is not None:
        line.supplier, line.supplier_name = s.supplier, s.supplier_name
        line.supplier_number, line.unit_price, line.currency = cart_number(s), s.unit_price, s.currency
        line.mpn, line.manufacturer = line.mpn or s.mpn, line.manufacturer or s.manufacturer
    if line.unit_price is not None and line.short:
        line.shortage_cost = line_cost(line.short, line.unit_price)


_LINES = (
    "SELECT id, designators, quantity_per_board, value, footprint, mpn, supplier_numbers, dnp, part_id, match_reason "
    "FROM bom_lines WHERE project_id = ? ORDER BY position, id"
)


def check(db: sqlite_utils.Database, project_id: str, quantity: int, *, except_build: str | None = None) -> Buildable:
    """The answer for `quantity` boards; `except_build` leaves that build's own reservation out."""
    check_quantity(quantity)
    pid, name = project_row(db, project_id)
    rows = db.execute(_LINES, [pid]).fetchall()
    part_ids = [r[8] for r in rows if r[8]]
    parts = {
        r[0]: (r[1], int(r[2]))
        for r in db.execute(
            "SELECT id, part_name, quantity FROM parts WHERE id IN (SELECT value FROM json_each(?))", [_ids(part_ids)]
        )
    }
    reserved = reserved_by_open_builds(db, part_ids, except_build=except_build)
    per_board: dict[str, int] = defaultdict(int)
    lines: list[BuildLine] = []
    for line_id, designators, qpb, value, footprint, mpn, numbers, dnp, part_id, reason in rows:
        qpb = int(qpb)
        needed = not dnp and qpb > 0
        part = parts.get(part_id) if part_id else None
        line = BuildLine(line_id, designators, qpb, qpb * quantity if needed else 0, 0, 0, part_id if part else None,
                         reason, value=value, footprint=footprint, mpn=mpn, dnp=bool(dnp))  # fmt: skip
        if part is not None:
            line.part_name, line.in_stock = part
            line.reserved = reserved.get(part_id, 0)
            if needed:
                per_board[part_id] += qpb
        elif needed:
            line.unmatched = True
            line.supplier, line.supplier_number = _bom_supplier(numbers)
            if line.supplier:
                line.supplier_name = catalogue.get(line.supplier).short_name
        lines.append(line)
    left = {p: max(0, parts[p][1] - reserved.get(p, 0)) for p in per_board}
    for line in lines:
        if line.part_id is not None:
            line.available = left.get(line.part_id, max(0, line.in_stock - line.reserved))
            line.for_lines_above = max(0, line.in_stock - line.reserved) - line.available
            if line.need:
                line.short = max(0, line.need - left[line.part_id])
                left[line.part_id] = max(0, left[line.part_id] - line.need)
        elif line.unmatched:
            line.short = line.need
    unmatched = sum(1 for ln in lines if ln.unmatched)
    if unmatched or not per_board:
        most = 0
    else:
        most = min(max(0, parts[p][1] - reserved.get(p, 0)) // n for p, n in per_board.items())
    short = [ln for ln in lines if ln.short]
    found = sourcing(db, [ln.part_id for ln in short if ln.part_id])
    for ln in short:
        _priced(ln, found.get(ln.part_id) if ln.part_id else None)
    currencies = [ln.currency for ln in short if ln.currency and ln.shortage_cost is not None]
    currency = max(set(currencies), key=currencies.count) if currencies else "USD"
    priced = [ln for ln in short if ln.shortage_cost is not None and (ln.currency or currency) == currency]
    cost = total(ln.shortage_cost for ln in priced)
    groups = totals((ln.supplier, ln.supplier_name, ln.shortage_cost, ln.currency, ln.supplier_number is not None)
                    for ln in short)  # fmt: skip
    result = Buildable(pid, name, quantity, most, lines, cost, currency, len(short), unmatched,
                       len(short) - len(priced), groups, "")  # fmt: skip
    result.message = _words(result)
    return result


def _words(b: Buildable) -> str:
    if not b.lines:
        return f"{b.project_name} has no BOM yet: import one first."
    if b.unmatched_lines:
        return (
            f"{b.unmatched_lines} BOM line{'s have' if b.unmatched_lines > 1 else ' has'} no matching part: "
            "match or pin a part before building."
        )
    if not any(ln.need for ln in b.lines):
        return f"{b.project_name}'s BOM needs no part (every line is DNP)."
    boards = "board" if b.max_buildable == 1 else "boards"
    if b.short_lines == 0:
        return f"Yes: {b.quantity} can be built now (up to {b.max_buildable} {boards})."
    cost = f"; the missing parts cost {money(b.shortage_cost)} {b.currency}" if b.shortage_cost else ""
    extra = f" ({b.unpriced_lines} without a price)" if b.unpriced_lines else ""
    return (
        f"No: {b.max_buildable} {boards} can be built now; for {b.quantity}, "
        f"{b.short_lines} line{'s are' if b.short_lines > 1 else ' is'} short{cost}{extra}."
    )


def shortage_words(b: Buildable, limit: int = 5) -> str:
    """'R1 (10k) short 3, U2 unmatched' for a refusal; the first `limit` lines and how many more."""
    items = []
    for ln in b.lines:
        if not ln.short:
            continue
        label = ln.designators or ln.value or ln.mpn or f"line {ln.line_id}"
        what = ln.part_name or ln.value or ln.mpn
        label = f"{label} ({what})" if what and what != label else label
        items.append(f"{label} unmatched" if ln.unmatched else f"{label} short {ln.short}")
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more
