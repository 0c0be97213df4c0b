"""Components (the ALORA face): parts with electrical specs; create, read, update, soft delete, search."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db import sql
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import BadRequest, Conflict, InvalidInput, NotFound
from makermatrix_edge.inventory import queries, units
from makermatrix_edge.inventory.component_filters import NUMERIC, parse_filters
from makermatrix_edge.inventory.component_models import (
    SPEC_TEXT_FIELDS,
    SPEC_WORD_FIELDS,
    Component,
    ComponentCreate,
    ComponentUpdate,
)
from makermatrix_edge.inventory.models import PartCreate
from makermatrix_edge.inventory.parts import insert_part
from makermatrix_edge.runtime.events import EventBus

# The component's one category: the one chosen on the ALORA face, else the part's oldest category.
CATEGORY_OF_PART = "coalesce(s.category_id, p.first_category_id)"
SELECT = (
    "SELECT p.seq AS seq, p.id AS part_uuid, p.part_name, p.part_number AS supplier_part_number, "
    "p.manufacturer_part_number, p.description, p.unit_price, p.additional_properties, "
    "p.quantity, p.min_quantity, p.inventory_tracked, p.inventory_updated_at, l.name AS location_name, "
    "coalesce(s.status, 'ACTIVE') AS component_status, c.seq AS category_seq, c.name AS category_name, "
    + ", ".join(f"s.{f}" for f in (*SPEC_WORD_FIELDS, *SPEC_TEXT_FIELDS))
    + f" FROM parts p LEFT JOIN component_specs s ON s.part_id = p.id"
    f" LEFT JOIN locations l ON l.id = p.location_id LEFT JOIN categories c ON c.id = {CATEGORY_OF_PART}"
)


def money(quantity: int, price: float | None) -> float:
    """quantity × price without binary-float noise: 150 × 0.12 is 18.0, not 17.999999999999996."""
    return float(Decimal(repr(price or 0.0)) * quantity)


# Property names (any case) an ordinary part may carry that the component fields mean.
FROM_PROPERTIES: dict[str, tuple[str, ...]] = {
    "package": ("package", "package / case", "package_type", "case", "footprint"),
    "technology": ("technology",),
    "polarity": ("polarity",),
    "marking": ("marking", "marking code"),
}
VALUE_PROPERTIES = ("value", "resistance", "capacitance", "inductance")


def _text_property(props: Mapping[str, Any], names: tuple[str, ...]) -> str | None:
    lowered = {str(k).casefold(): v for k, v in props.items()}
    for name in names:
        value = lowered.get(name)
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def _from_properties(specs: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """An ordinary part (added on /api, imported) keeps these in its properties: show them as fields.

    What the ALORA face wrote itself (component_specs) wins; the value of a passive ("10kΩ") is
    named `value` among the characteristics, the component model having no field of its own for it.
    """
    for field, names in FROM_PROPERTIES.items():
        if specs.get(field) is None:
            specs[field] = _text_property(props, names)
    if props and "value" not in props and (value := _text_property(props, VALUE_PROPERTIES)) is not None:
        props["value"] = value
    return specs


def to_component(r: sqlite3.Row) -> Component:
    tracked = bool(r["inventory_tracked"])
    props = json.loads(r["additional_properties"]) if r["additional_properties"] else {}
    price = float(r["unit_price"] or 0.0)
    quantity = int(r["quantity"]) if tracked else 0
    specs = _from_properties({f: r[f] for f in (*SPEC_WORD_FIELDS, *SPEC_TEXT_FIELDS)}, props)
    # A component made on /alora has its part number as name and manufacturer number; an ordinary
    # part's name is a description ("10kΩ 0603 1% resistor"), so its numbers come first.
    number = r["manufacturer_part_number"] or r["supplier_part_number"] or r["part_name"]
    return Component(
        id=r["seq"],
        part_number=number,
        category_id=r["category_seq"],
        category_name=r["category_name"],
        unit_price=price,
        status=r["component_status"],
        notes=r["description"],
        additional_characteristics=props or None,
        quantity=quantity,
        min_qty=int(r["min_quantity"]) if tracked else None,
        location=r["location_name"] if tracked else None,
        inventory_last_updated=r["inventory_updated_at"] if tracked else None,
        total_value=money(quantity, price),
        part_id=r["part_uuid"],
        **specs,
    )


def load(db: sqlite_utils.Database, seq: int) -> Component:
    row = db.execute(f"{SELECT} WHERE p.seq = ?", [seq]).fetchone()
    if row is None:
        raise NotFound(f"Component {seq} not found")
    return to_component(row)


def part_uuid(db: sqlite_utils.Database, seq: int) -> str:
    row = db.execute("SELECT id FROM parts WHERE seq = ?", [seq]).fetchone()
    if row is None:
        raise NotFound(f"Component {seq} not found")
    return str(row[0])


def category_uuid(db: sqlite_utils.Database, seq: int | None) -> str | None:
    if seq is None:
        return None
    row = db.execute("SELECT id FROM categories WHERE seq = ?", [seq]).fetchone()
    if row is None:
        raise InvalidInput(f"no category with id {seq}", "category_id")
    return str(row[0])


def _numbers(specs: Mapping[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for field, (column, _unit) in NUMERIC.items():
        if field not in specs:
            continue
        measure = units.parse(specs[field])
        wrong_unit = measure is None or (measure.unit is not None and measure.unit != _unit)
        if field == "vgs_th":
            # Magnitudes, like every other column: a P-channel "-1 to -3V" is 1..3 V.
            ends = sorted(abs(x) for x in (measure.low, measure.high) if x is not None) if measure else []
            out["vgs_th_min_si"] = ends[0] if ends and not wrong_unit else None
            out["vgs_th_max_si"] = ends[-1] if ends and not wrong_unit else None
        elif field == "v_out":
            out[column] = measure.value if measure and not wrong_unit else None  # signed: a 7905 is -5 V
        else:
            out[column] = units.si_value(specs[field], _unit)
    return out


def write_specs(db: sqlite_utils.Database, part_id: str, specs: Mapping[str, Any]) -> None:
    """Insert or update the part's component_specs row with the given text fields and their numbers."""
    values: dict[str, Any] = {k: v for k, v in specs.items() if k in (*SPEC_WORD_FIELDS, *SPEC_TEXT_FIELDS)}
    values.update(_numbers(values))
    for key in ("status", "category_id"):
        if key in specs:
            values[key] = specs[key]
    db.execute("INSERT INTO component_specs (part_id) VALUES (?) ON CONFLICT (part_id) DO NOTHING", [part_id])
    sql.update(db, "component_specs", values, where="part_id = ?", params=[part_id])


def _clean_specs(given: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in given.items()}


class ComponentService:
    def __init__(self, db: Database, clock: Clock, events: EventBus | None = None) -> None:
        self._db = db
        self._clock = clock
        self._events = events or EventBus(clock)

    async def create(self, data: ComponentCreate, actor: Principal | None) -> Component:
        specs = _clean_specs(data.given())
        name = data.part_number.strip()
        now = iso(self._clock())

        def insert(db: sqlite_utils.Database) -> Component:
            category_id = category_uuid(db, specs.pop("category_id", None))
            category_names = (
                [db.execute("SELECT name FROM categories WHERE id = ?", [category_id]).fetchone()[0]]
                if category_id
                else []
            )
            part = PartCreate(
                part_name=name,
                manufacturer_part_number=name,
                description=specs.pop("notes", None),
                unit_price=specs.pop("unit_price", None) or 0.0,
                additional_properties=specs.pop("additional_characteristics", None) or {},
                category_names=category_names,
            )
            try:
                part_id = insert_part(db, part, actor, "alora", now)
            except Conflict:
                raise Conflict(f"Component with part_number '{name}' already exists") from None
            db.execute("UPDATE parts SET inventory_tracked = 0 WHERE id = ?", [part_id])
            write_specs(db, part_id, {**specs, "category_id": category_id})
            return load(db, db.execute("SELECT seq FROM parts WHERE id = ?", [part_id]).fetchone()[0])

        done = await self._db.write(insert)
        self._events.entity("created", "component", str(done.id), done.part_number, actor, entity_data=done)
        return done

    async def get(self, seq: int) -> Component:
        return await self._db.read(lambda db: load(db, seq))

    async def update(self, seq: int, data: ComponentUpdate) -> Component:
        given = _clean_specs(data.given())
        if not given:
            raise BadRequest("No fields provided for update")
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> Component:
            part_id = part_uuid(db, seq)
            columns: dict[str, Any] = {}
            if "part_number" in given:
                name = given.pop("part_number")
                if not name:
                    raise InvalidInput("must not be empty", "part_number")
                old = db.execute(
                    "SELECT part_name, part_number, manufacturer_part_number FROM parts WHERE id = ?", [part_id]
                ).fetchone()
                shown = old["manufacturer_part_number"] or old["part_number"] or old["part_name"]
                if shown == old["part_name"]:  # made on /alora: the name is the part number
                    columns["part_name"] = name
                # an ordinary part keeps its descriptive name; its manufacturer number is what changes
                columns["manufacturer_part_number"] = name
            if "notes" in given:
                columns["description"] = given.pop("notes")
            if "unit_price" in given:
                columns["unit_price"] = given.pop("unit_price") or 0.0
            if "additional_characteristics" in given:
                columns["additional_properties"] = queries.encode_properties(
                    given.pop("additional_characteristics") or {}
                )
            if "category_id" in given:
                category_id = category_uuid(db, given["category_id"])
                given["category_id"] = category_id
                if category_id:
                    db.execute(
                        "INSERT OR IGNORE INTO part_categories (part_id, category_id) VALUES (?, ?)",
                        [part_id, category_id],
                    )
            if columns:
                try:
                    sql.update(db, "parts", columns, where="id = ?", params=[part_id], now=now)
                except sqlite3.IntegrityError as exc:
                    if "part_name" in str(exc):
                        raise Conflict(f"Component with part_number '{columns['part_name']}' already exists") from None
                    raise
            write_specs(db, part_id, given)
            return load(db, seq)

        done = await self._db.write(apply)
        self._events.entity("updated", "component", str(done.id), done.part_number, None, entity_data=done)
        return done

    async def soft_delete(self, seq: int) -> None:
        def apply(db: sqlite_utils.Database) -> None:
            write_specs(db, part_uuid(db, seq), {"status": "INACTIVE"})

        await self._db.write(apply)
        self._events.entity("updated", "component", str(seq), None, None, changes={"status": "INACTIVE"})

    async def get_by_part_ids(self, part_ids: list[str]) -> list[Component]:
        """The components of these part UUIDs (the MakerMatrix face's ids), in the order given."""

        def run(db: sqlite_utils.Database) -> list[Component]:
            if not part_ids:
                return []
            marks = ",".join("?" * len(part_ids))
            rows = {r["part_uuid"]: r for r in db.execute(f"{SELECT} WHERE p.id IN ({marks})", part_ids)}
            return [to_component(rows[p]) for p in part_ids if p in rows]

        return await self._db.read(run)

    async def location_paths(self, seqs: list[int]) -> dict[int, str]:
        """The full location path ("Workshop / Shelf 2 / Drawer A / Bin 2") of each component that has one."""

        def run(db: sqlite_utils.Database) -> dict[int, str]:
            if not seqs:
                return {}
            marks = ",".join("?" * len(seqs))
            sql = f"SELECT p.seq, l.path FROM parts p JOIN locations l ON l.id = p.location_id WHERE p.seq IN ({marks})"
            return {int(r[0]): str(r[1]) for r in db.execute(sql, seqs)}

        return await self._db.read(run)

    async def search(self, filters: Mapping[str, str]) -> tuple[list[Component], int]:
        """Filter by status, category, words (technology, package, ...) and unit-aware number ranges."""
        where, params, limit, offset = parse_filters(filters)
        clause = (" WHERE " + " AND ".join(where)) if where else ""

        def run(db: sqlite_utils.Database) -> tuple[list[Component], int]:
            total = db.execute(
                "SELECT count(*) FROM parts p LEFT JOIN component_specs s ON s.part_id = p.id "
                f"LEFT JOIN categories c ON c.id = {CATEGORY_OF_PART}{clause}",
                params,
            ).fetchone()[0]
            rows = db.execute(f"{SELECT}{clause} ORDER BY p.seq LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()
            return [to_component(r) for r in rows], total

        return await self._db.read(run)
