"""Resolution: parsed code -> part(s) and location, in a fixed order, never guessing between several.

Order: our own label id -> supplier part number (with that supplier) -> manufacturer part number when
it is unique (narrowed by manufacturer when the label names one) -> search. Several parts are handed
back as candidates; a supplier bag that matches nothing is `unknown`, with a prefilled new part.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import msgspec
import sqlite_utils

from makermatrix_edge.codes.fields import ParsedCode
from makermatrix_edge.db.text import fts_query
from makermatrix_edge.errors import NotFound
from makermatrix_edge.inventory import places, queries
from makermatrix_edge.inventory.models import PartView
from makermatrix_edge.inventory.tool_queries import tool_view

Status = Literal["found", "candidates", "location", "tool", "unknown", "unrecognised"]
Rule = Literal["own_label", "supplier_part_number", "manufacturer_part_number", "search"]
MAX_CANDIDATES = 10


class Candidate(msgspec.Struct):
    part: PartView
    location_path: str | None
    quantity: int


class LocationHit(msgspec.Struct):
    id: str
    name: str
    path: str
    part_count: int


class ToolHit(msgspec.Struct):
    """Our own tool label: the tool, and who has it since when (None: it is in its place)."""

    id: str
    name: str
    checked_out_by: str | None
    checked_out_at: str | None


class Resolution(msgspec.Struct, kw_only=True):
    status: Status
    rule: Rule | None = None
    message: str
    part: PartView | None = None
    location_path: str | None = None
    quantity: int | None = None
    candidates: list[Candidate] = msgspec.field(default_factory=list)
    location: LocationHit | None = None
    new_part: dict[str, Any] | None = None  # prefilled "add this part" for an unknown bag
    tool: ToolHit | None = None


def _key(supplier: str) -> str:
    return re.sub(r"[^a-z0-9]", "", supplier.lower())


# SQL spelling of _key() for the stored supplier name ("Digi-Key", "digikey", "DigiKey" are one).
_SUPPLIER_SQL = "lower(replace(replace(replace(coalesce(p.supplier, ''), '-', ''), ' ', ''), '.', ''))"


def _parts(db: sqlite_utils.Database, where: str, params: list[Any]) -> list[PartView]:
    rows = db.execute(
        f"{queries.PART_SELECT} WHERE {where} ORDER BY p.part_name LIMIT {MAX_CANDIDATES + 1}", params
    ).fetchall()
    return queries.to_views(db, rows)


def _found(part: PartView, rule: Rule) -> Resolution:
    path = part.location.path if part.location else None
    where = f" in {path}" if path else " (no location set)"
    return Resolution(
        status="found",
        rule=rule,
        message=f"{part.part_name}: {part.quantity} left{where}",
        part=part,
        location_path=path,
        quantity=part.quantity,
    )


def _several(parts: list[PartView], rule: Rule) -> Resolution:
    shown = parts[:MAX_CANDIDATES]
    return Resolution(
        status="candidates",
        rule=rule,
        message=f"{len(parts) if len(parts) <= MAX_CANDIDATES else 'More than ' + str(MAX_CANDIDATES)} parts match;"
        " pick one",
        candidates=[Candidate(p, p.location.path if p.location else None, p.quantity) for p in shown],
    )


def _pick(parts: list[PartView], rule: Rule) -> Resolution | None:
    if not parts:
        return None
    return _found(parts[0], rule) if len(parts) == 1 else _several(parts, rule)


def _location(db: sqlite_utils.Database, location_id: str) -> Resolution | None:
    row = db.execute("SELECT id, name, path FROM locations WHERE id = ?", [location_id]).fetchone()
    if row is None:
        return None
    count = int(db.execute("SELECT count(*) FROM parts WHERE location_id = ?", [location_id]).fetchone()[0])
    kept = places.kept_at(db, location_id, limit=2)
    if count == 0 and len(kept) == 1:  # a cassette holding a strip of one part: its label opens that part there
        part = queries.part_view(db, kept[0].part_id)
        if part is not None:
            here = kept[0].quantity_here
            return Resolution(
                status="found",
                rule="own_label",
                message=f"{part.part_name}: {here} here in {row['path']} ({part.quantity} in all)",
                part=part,
                location_path=row["path"],
                quantity=here,
            )
    hit = LocationHit(id=row["id"], name=row["name"], path=row["path"], part_count=count)
    return Resolution(
        status="location",
        rule="own_label",
        message=f"{hit.path}: {count} parts",
        location=hit,
        location_path=hit.path,
    )


def _tool(db: sqlite_utils.Database, tool_id: str) -> Resolution | None:
    try:
        tool = tool_view(db, tool_id)
    except NotFound:
        return None
    hit = ToolHit(tool.id, tool.tool_name, tool.checked_out_by, tool.checked_out_at)
    state = f"with {tool.checked_out_by} since {tool.checked_out_at[:16]}" if tool.checked_out_at else "in its place"
    return Resolution(status="tool", rule="own_label", message=f"{tool.tool_name}: {state}", tool=hit)


def _own(db: sqlite_utils.Database, parsed: ParsedCode) -> Resolution:
    entity = parsed.entity_id or ""
    if parsed.kind in ("own_part", "makermatrix"):
        found = _pick(_parts(db, "p.id = ?", [entity]), "own_label")
        if found is not None:
            return found
    if parsed.kind in ("own_location", "makermatrix"):
        found = _location(db, entity)
        if found is not None:
            return found
    if parsed.kind in ("own_tool", "makermatrix"):
        found = _tool(db, entity)
        if found is not None:
            return found
    what = {"own_part": "part", "own_location": "location", "own_tool": "tool"}.get(parsed.kind, "part or location")
    return Resolution(status="unknown", rule="own_label", message=f"Our label, but no {what} {entity} here")


def _search(db: sqlite_utils.Database, term: str) -> list[PartView]:
    exact = _parts(db, "p.part_number = ? OR p.manufacturer_part_number = ? OR p.part_name = ?", [term, term, term])
    if exact:
        return exact
    match = fts_query(term)
    if match is None:
        return []
    rows = db.execute(
        f"{queries.PART_SELECT} JOIN parts_fts f ON f.rowid = p.seq WHERE parts_fts MATCH ? "
        f"ORDER BY f.rank LIMIT {MAX_CANDIDATES + 1}",
        [match],
    ).fetchall()
    return queries.to_views(db, rows)


def new_part_fields(parsed: ParsedCode) -> dict[str, Any]:
    """What an unknown bag says about the part it holds, shaped like PartCreate."""
    name = parsed.manufacturer_part_number or parsed.supplier_part_number or "Scanned part"
    props = {
        k: v
        for k, v in {
            "order_number": parsed.order_number,
            "lot_code": parsed.lot_code,
            "date_code": parsed.date_code,
            "country_of_origin": parsed.country,
        }.items()
        if v
    }
    fields: dict[str, Any] = {
        "part_name": name[:200],
        "part_number": parsed.supplier_part_number,
        "supplier": parsed.supplier,
        "manufacturer": parsed.manufacturer,
        "manufacturer_part_number": parsed.manufacturer_part_number,
        "quantity": parsed.quantity or 0,
        "additional_properties": props,
    }
    return {k: v for k, v in fields.items() if v not in (None, {})}


def resolve(db: sqlite_utils.Database, parsed: ParsedCode) -> Resolution:
    """Resolve inside a read transaction (blocking: call from a worker thread)."""
    if parsed.kind == "unrecognised":
        return Resolution(status="unrecognised", message="Not a code this bench knows")
    if parsed.kind in ("own_part", "own_location", "own_tool", "makermatrix"):
        return _own(db, parsed)
    if parsed.kind == "text":
        term = parsed.raw.strip()
        parts = _search(db, term)
        return _pick(parts, "search") or Resolution(status="unknown", message=f"Nothing matches '{term}'")
    spn, mpn = parsed.supplier_part_number, parsed.manufacturer_part_number
    if spn and parsed.supplier:
        found = _pick(
            _parts(db, f"p.part_number = ? AND {_SUPPLIER_SQL} = ?", [spn, _key(parsed.supplier)]),
            "supplier_part_number",
        )
        if found is not None:
            return found
    if mpn:
        parts = _parts(db, "p.manufacturer_part_number = ?", [mpn])
        if len(parts) > 1 and parsed.manufacturer:
            same = [p for p in parts if p.manufacturer and _key(p.manufacturer) == _key(parsed.manufacturer)]
            parts = same if len(same) == 1 else parts
        found = _pick(parts, "manufacturer_part_number")
        if found is not None:
            return found
    # The bag's numbers matched nothing exactly: similar parts are offered, never picked.
    similar = _search(db, mpn or spn or "") if (mpn or spn) else []
    new_part = new_part_fields(parsed)
    label = parsed.supplier or "supplier"
    if similar:
        result = _several(similar, "search")
        result.message = f"New {label} bag ({new_part['part_name']}); {len(similar)} similar parts found"
        result.new_part = new_part
        return result
    return Resolution(
        status="unknown",
        message=f"New {label} bag: {new_part['part_name']} is not in the inventory",
        new_part=new_part,
    )
