"""Each BOM line matched to the shelf, with the reason in words: supplier number, then MPN, then specs.

Parametric matching reads the line's value with its kind (from designators, footprint or unit) and its
package (from the footprint), and takes parts of the same kind, value and package whose ratings are not
below the line's. Several candidates: the one with the most stock first, the rest offered. A line with
nothing certain stays unmatched, with the reason; nothing is guessed.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import sqlite_utils

from makermatrix_edge.projects.models import BomLine, Candidate, Match, MatchHow
from makermatrix_edge.projects.values import (
    KIND_UNIT,
    VALUE_KEYS,
    Reader,
    Spec,
    describe,
    engineering,
    kind_from,
    package_of,
    read_value,
    shelf_kind,
    shelf_ratings,
    shelf_spec,
    value_key,
)

MAX_CANDIDATES = 5
SUPPLIER_LABELS = {"lcsc": "LCSC", "digikey": "DigiKey", "mouser": "Mouser"}
_CHUNK = 500
_PART = (
    "SELECT p.id, p.part_name, p.part_number, p.manufacturer_part_number, p.quantity, p.description, "
    "p.additional_properties, l.path AS location, "
    "(SELECT group_concat(c.name, '|') FROM part_categories pc JOIN categories c ON c.id = pc.category_id "
    "WHERE pc.part_id = p.id) AS categories, "
    "(SELECT s.package FROM component_specs s WHERE s.part_id = p.id) AS spec_package "
    "FROM parts p LEFT JOIN locations l ON l.id = p.location_id"
)
# The first, light pass over the parts that can be a resistor, capacitor or inductor: what their
# categories and value properties say (the parts with a wanted value are then read whole).
_SCAN = (
    "SELECT p.seq, (SELECT group_concat(c.name, '|') FROM part_categories pc JOIN categories c "
    "ON c.id = pc.category_id WHERE pc.part_id = p.id), "
    "json_extract(p.additional_properties, '$.resistance'), json_extract(p.additional_properties, '$.capacitance'), "
    "json_extract(p.additional_properties, '$.inductance'), json_extract(p.additional_properties, '$.value') "
    "FROM parts p"
)
# Parts that can be a resistor, capacitor or inductor: by category name or by a value property.
_PASSIVE = (
    " WHERE EXISTS (SELECT 1 FROM part_categories pc JOIN categories c ON c.id = pc.category_id "
    "WHERE pc.part_id = p.id AND (c.name LIKE '%resist%' OR c.name LIKE '%capacit%' OR c.name LIKE '%induct%')) "
    "OR json_extract(p.additional_properties, '$.resistance') IS NOT NULL "
    "OR json_extract(p.additional_properties, '$.capacitance') IS NOT NULL "
    "OR json_extract(p.additional_properties, '$.inductance') IS NOT NULL"
)


class ShelfPart:
    __slots__ = ("_description", "_properties", "_rated", "id", "location", "name", "quantity", "spec")

    def __init__(self, row: sqlite3.Row, reader: Reader) -> None:
        self.id: str = row["id"]
        self.name: str = row["part_name"]
        self.quantity: int = row["quantity"]
        self.location: str | None = row["location"]
        self._description: str | None = row["description"]
        self._properties = _properties(row["additional_properties"])
        categories = (row["categories"] or "").split("|")
        self.spec = shelf_spec(
            categories, self._properties, (self.name, self._description), row["spec_package"], reader
        )
        self._rated: Spec | None = None

    def rated(self, reader: Reader) -> Spec | None:
        """The spec with its ratings, read the first time a line asks for one."""
        if self.spec is None:
            return None
        if self._rated is None:
            self._rated = shelf_ratings(self.spec, self._properties, (self.name, self._description), reader)
        return self._rated

    def candidate(self, reason: str) -> Candidate:
        return Candidate(self.id, self.name, self.quantity, self.location, reason)


def _properties(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _by_stock(parts: Iterable[ShelfPart]) -> list[ShelfPart]:
    unique = {p.id: p for p in parts}
    return sorted(unique.values(), key=lambda p: (-p.quantity, p.name.lower()))


class Shelf:
    """What matching needs of the inventory, read once for a whole BOM (500 lines in one pass)."""

    def __init__(self, db: sqlite_utils.Database, lines: Sequence[BomLine], pinned: Iterable[str] = ()) -> None:
        numbers = {n.upper() for line in lines for n in line.supplier_numbers.values()}
        # A KiCad value is often the part's MPN ("AO3400A"): values are looked up as MPNs too.
        mpns = {text.upper() for line in lines for text in (line.mpn, line.value) if text}
        self.by_number: dict[str, list[ShelfPart]] = defaultdict(list)
        self.by_mpn: dict[str, list[ShelfPart]] = defaultdict(list)
        self.by_id: dict[str, ShelfPart] = {}
        self.reader = Reader()
        for row in self._rows(db, "p.part_number", numbers):
            self.by_number[row["part_number"].upper()].append(self._part(row))
        for row in self._rows(db, "p.manufacturer_part_number", mpns):
            self.by_mpn[row["manufacturer_part_number"].upper()].append(self._part(row))
        for row in self._rows(db, "p.id", set(pinned)):
            self._part(row)
        self.by_value: dict[tuple[str, str], list[ShelfPart]] = defaultdict(list)
        wanted: set[tuple[str, str]] = {
            (s.kind, value_key(s.value)) for line in lines if (s := line_spec(line)) and s.kind and s.value is not None
        }
        if wanted:
            for row in self._rows(db, "p.seq", self._wanted_seqs(db, wanted)):
                part = self._part(row)
                if part.spec is not None and part.spec.kind and part.spec.value is not None:
                    self.by_value[(part.spec.kind, value_key(part.spec.value))].append(part)

    def _wanted_seqs(self, db: sqlite_utils.Database, wanted: set[tuple[str, str]]) -> set[Any]:
        """The passives whose value may be wanted: most of a shelf has other values, which the value
        property alone rules out (read once per spelling) before a part is read whole."""
        keys: dict[tuple[Any, ...], tuple[str, str] | None] = {}
        seqs = set()
        for row in db.execute(_SCAN + _PASSIVE):
            said = tuple(row[1:])
            if said not in keys:
                keys[said] = self._quick_key(*said)
            key = keys[said]
            if key is None or key in wanted:
                seqs.add(row[0])
        return seqs

    def _quick_key(
        self, categories: str | None, resistance: Any, capacitance: Any, inductance: Any, value: Any
    ) -> tuple[str, str] | None:
        """(kind, value) from the categories and value properties alone, None when they do not say."""
        said = {"resistance": resistance, "capacitance": capacitance, "inductance": inductance, "value": value}
        properties = {k: v for k, v in said.items() if v is not None}
        kind = shelf_kind((categories or "").split("|"), properties)
        if kind is None:
            return None
        found = self.reader.first(properties, VALUE_KEYS[kind], KIND_UNIT[kind])
        return (kind, value_key(found)) if found is not None else None

    def _part(self, row: sqlite3.Row) -> ShelfPart:
        part = self.by_id.get(row["id"])
        if part is None:
            part = ShelfPart(row, self.reader)
            self.by_id[part.id] = part
        return part

    @staticmethod
    def _rows(db: sqlite_utils.Database, column: str, keys: set[Any]) -> Iterable[sqlite3.Row]:
        ordered = sorted(keys)
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            # part_number and manufacturer_part_number are COLLATE NOCASE: IN compares without case
            yield from db.execute(f"{_PART} WHERE {column} IN ({marks})", chunk)


def _offer(parts: list[ShelfPart], reason: str, how: MatchHow) -> Match:
    ranked = _by_stock(parts)
    chosen = ranked[0]
    said = reason if len(ranked) == 1 else f"{reason}; {len(ranked)} parts fit, the one with the most stock first"
    return Match(
        how,
        chosen.id,
        f"{said}: {chosen.name}",
        [p.candidate(reason) for p in ranked[:MAX_CANDIDATES]],
    )


def rule_of(line: BomLine) -> dict[str, Any] | None:
    """The line as a rule "any part with these specs" (stored with the line), or None when it says no specs."""
    spec = line_spec(line)
    if spec is None or spec.kind is None or spec.value is None:
        return None
    rule: dict[str, Any] = {"kind": spec.kind, "value": spec.value, "unit": KIND_UNIT[spec.kind]}
    if spec.package:
        rule["package"] = spec.package
    for name, key in (("voltage", "min_voltage"), ("power", "min_power"), ("tolerance", "max_tolerance")):
        if getattr(spec, name) is not None:
            rule[key] = getattr(spec, name)
    return rule


def line_spec(line: BomLine) -> Spec | None:
    kind = kind_from(line.designators, line.footprint)
    spec = read_value(line.value, kind)
    if spec is None:
        return None
    package = package_of(line.footprint)
    return Spec(spec.kind, spec.value, package, spec.voltage, spec.power, spec.tolerance)


def _rating_problem(want: Spec, have: Spec) -> str | None:
    """Why a part of the right value and package does not do (a rating below the line's), or None."""
    if want.voltage is not None and (have.voltage is None or have.voltage < want.voltage * 0.999):
        said = engineering(have.voltage, "V") if have.voltage is not None else "not known"
        return f"voltage rating {said}, the BOM asks {engineering(want.voltage, 'V')}"
    if want.power is not None and (have.power is None or have.power < want.power * 0.999):
        said = engineering(have.power, "W") if have.power is not None else "not known"
        return f"power rating {said}, the BOM asks {engineering(want.power, 'W')}"
    if want.tolerance is not None and (have.tolerance is None or have.tolerance > want.tolerance * 1.001):
        said = f"{have.tolerance:g}%" if have.tolerance is not None else "not known"
        return f"tolerance {said}, the BOM asks {want.tolerance:g}%"
    return None


def _parametric(line: BomLine, shelf: Shelf) -> Match:
    spec = line_spec(line)
    if spec is None or spec.kind is None or spec.value is None:
        return _unreadable(line)
    same_value = shelf.by_value.get((spec.kind, value_key(spec.value)), [])
    if spec.package:
        fitting = [p for p in same_value if p.spec is not None and p.spec.package == spec.package]
        others = [p.name for p in _by_stock(same_value) if p not in fitting][:3]
    else:
        fitting, others = list(same_value), []
    asks = spec.voltage is not None or spec.power is not None or spec.tolerance is not None
    rated = [
        p
        for p in fitting
        if not asks or ((r := p.rated(shelf.reader)) is not None and _rating_problem(spec, r) is None)
    ]
    wanted = describe(spec, line.footprint)
    if rated:
        said = f"same value{' and package' if spec.package else ''} ({wanted})"
        if not spec.package:
            said += ", any package (the BOM gives no footprint)"
        if spec.voltage or spec.power or spec.tolerance:
            said += ", ratings not below the BOM's"
        return _offer(rated, said, "parametric")
    reason = f"Unmatched: no {wanted} on the shelf"
    if fitting:
        first = fitting[0].rated(shelf.reader)
        problem = _rating_problem(spec, first) if first is not None else None
        reason += f" with the BOM's ratings ({fitting[0].name}: {problem})"
    elif others:
        reason += f" (the value is there in another package: {'; '.join(others)})"
    return Match("none", None, reason, [])


def _unreadable(line: BomLine) -> Match:
    asked = [
        f"MPN {line.mpn}" if line.mpn else "",
        *(f"{SUPPLIER_LABELS.get(k, k)} {v}" for k, v in line.supplier_numbers.items()),
    ]
    known = ", ".join(a for a in asked if a)
    if line.value is None:
        return Match("none", None, f"Unmatched: no part on the shelf has {known or 'what this line names'}", [])
    kind = kind_from(line.designators, line.footprint)
    why = (
        f"value '{line.value}' is not a value that can be read as a resistor, capacitor or inductor"
        if kind is not None
        else f"'{line.value}' is not a value to match by (only resistors, capacitors and inductors match by value)"
    )
    if known:
        why = f"no part on the shelf has {known}, and {why}"
    return Match("none", None, f"Unmatched: {why}", [])


def match_line(line: BomLine, shelf: Shelf, pinned: str | None = None) -> Match:
    if line.dnp:
        return Match("none", None, "Do not place: not fitted, nothing is taken from the shelf", [])
    if pinned is not None and (part := shelf.by_id.get(pinned)) is not None:
        return Match("pinned", part.id, f"Pinned by hand: {part.name}", [part.candidate("pinned by hand")])
    for supplier, number in line.supplier_numbers.items():
        found = shelf.by_number.get(number.upper())
        if found:
            label = SUPPLIER_LABELS.get(supplier, supplier)
            return _offer(found, f"{label} {number} is this part's supplier number", "supplier_number")
    if line.mpn and (found := shelf.by_mpn.get(line.mpn.upper())):
        return _offer(found, f"MPN {line.mpn} is this part's manufacturer part number", "mpn")
    spec = line_spec(line)
    if (spec is None or spec.value is None) and line.value and (found := shelf.by_mpn.get(line.value.upper())):
        return _offer(found, f"the value {line.value} is this part's manufacturer part number", "mpn")
    return _parametric(line, shelf)
