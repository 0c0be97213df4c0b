"""What an import will do with each line, and doing it — both inside one database call.

The preview runs `plan()` on a read connection; the import runs `plan()` and `apply()` in one
write transaction, so what it does is exactly what the same moment's preview would say.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.inventory import stock
from makermatrix_edge.inventory.models import PartCreate
from makermatrix_edge.inventory.parts import insert_part
from makermatrix_edge.orders import store
from makermatrix_edge.orders.importers import FORMATS
from makermatrix_edge.orders.importers.base import OrderLine, ParsedOrder, RowNote
from makermatrix_edge.orders.models import RowPlan
from makermatrix_edge.orders.naming import named
from makermatrix_edge.suppliers import catalogue

# What an imported part's supplier field says (the catalogue's short name, not the preview's long one).
DISPLAY_SUPPLIER = {s.key: s.short_name for s in catalogue.SUPPLIERS}
Progress = Callable[[int, int], None]


@dataclass
class Step:
    line: OrderLine
    plan: RowPlan
    existing_id: str | None = None  # a part already in the inventory
    first_of: int | None = None  # index of the earlier step that creates this line's part
    category: str | None = None  # a new part's category, from its description (orders/naming.py)


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)

    @property
    def rows(self) -> list[RowPlan]:
        return [s.plan for s in self.steps]


def skipped_row(note: RowNote) -> RowPlan:
    return RowPlan(row=note.row, action="skipped", message=f"skipped: {note.reason}")


def error_row(note: RowNote) -> RowPlan:
    return RowPlan(row=note.row, action="error", message=f"cannot be read: {note.reason}")


def part_name_for(line: OrderLine) -> tuple[str, str | None]:
    """(name, category): a short name from the description (orders/naming.py), else the MPN, else the
    supplier's number; the category of a kind known by its value."""
    name, category = named(line.description, line.package)
    return (name or line.manufacturer_part_number or line.supplier_part_number or "part")[:200], category


def _unique_name(db: sqlite_utils.Database, line: OrderLine, base: str, taken: set[str]) -> str:
    """Names are unique (any case): a taken one gets the part's number, "10 kΩ 1% 0603 resistor (RC0603FR-0710KL)"."""
    candidates = [base]
    for number in (line.manufacturer_part_number, line.supplier_part_number):
        if number and number != base:
            candidates.append(f"{base[: 196 - len(number[:100])]} ({number[:100]})")
    candidates += [f"{base[:190]} ({n})" for n in range(2, 100)]
    for name in candidates:
        if name.lower() not in taken and not store.name_taken(db, name):
            return name
    return f"{base[:160]} ({uuid.uuid4().hex[:8]})"


class Planner:
    """Plans lines one at a time, remembering the file's own new parts (a batched import plans as it goes)."""

    def __init__(self, supplier: str, new_parts_go_to: str | None = None) -> None:
        self.supplier = supplier
        self.new_parts_go_to = new_parts_go_to  # the place's path, for the preview's words
        self.steps: list[Step] = []
        self._planned: dict[str, int] = {}  # spn/mpn (lower) -> step index of the new part this file creates
        self._running: dict[str, int] = {}  # existing part id -> quantity after the lines so far
        self._names: set[str] = set()

    def add(self, db: sqlite_utils.Database, line: OrderLine) -> Step:
        keys = [k.lower() for k in (line.supplier_part_number, line.manufacturer_part_number) if k]
        base = RowPlan(
            row=line.row,
            action="adds",
            message="",
            supplier_part_number=line.supplier_part_number,
            manufacturer_part_number=line.manufacturer_part_number,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            extended_price=line.extended_price,
        )
        earlier = next((self._planned[k] for k in keys if k in self._planned), None)
        if earlier is not None:  # the same part twice in one file: the second line adds to the first
            first = self.steps[earlier].plan
            base.part_name, base.matched_by = first.part_name, "this file"
            base.message = f"adds {line.quantity} to '{first.part_name}' (new in this file, row {first.row})"
            return self._append(Step(line, base, first_of=earlier))
        row, matched_by = store.match_part(db, line, self.supplier)
        if row is not None:
            after = self._running.get(row["id"], row["quantity"]) + line.quantity
            self._running[row["id"]] = after
            base.part_id, base.part_name, base.matched_by = row["id"], row["part_name"], matched_by
            base.location = row["location_path"]
            base.message = f"adds {line.quantity} to '{row['part_name']}' (now {after})"
            return self._append(Step(line, base, existing_id=row["id"]))
        base_name, category = part_name_for(line)
        name = _unique_name(db, line, base_name, self._names)
        self._names.add(name.lower())
        base.action, base.part_name, base.location = "new part", name, self.new_parts_go_to
        base.message = f"new part '{name}' with {line.quantity}"
        for key in keys:
            self._planned[key] = len(self.steps)
        return self._append(Step(line, base, category=category))

    def _append(self, step: Step) -> Step:
        self.steps.append(step)
        return step


def plan(db: sqlite_utils.Database, parsed: ParsedOrder, new_parts_go_to: str | None = None) -> Plan:
    planner = Planner(parsed.supplier, new_parts_go_to)
    for line in parsed.lines:
        planner.add(db, line)
    return Plan(planner.steps)


@dataclass
class Applied:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


@dataclass
class Writer:
    """Writes planned steps into the caller's transaction; kept across the batches of one import."""

    parsed: ParsedOrder
    order_id: str
    location_id: str
    reference: str
    actor: Principal | None
    now: str
    defer_existing: bool = False  # batched: stock for parts that were there before comes in the final step
    done: Applied = field(default_factory=Applied)
    created_ids: dict[int, str] = field(default_factory=dict)  # step index -> the part it created

    def write(self, db: sqlite_utils.Database, i: int, step: Step) -> None:
        line, parsed = step.line, self.parsed
        status = "received"
        if step.plan.action == "new part":
            display = DISPLAY_SUPPLIER.get(parsed.supplier, FORMATS[parsed.supplier].display_name)
            props: dict[str, str | None] = {"package": line.package, "customer_reference": line.customer_reference}
            props.update(line.properties)
            create = PartCreate(
                part_name=step.plan.part_name or part_name_for(line)[0],
                part_number=line.supplier_part_number,
                manufacturer=line.manufacturer,
                manufacturer_part_number=line.manufacturer_part_number,
                description=line.description,
                quantity=line.quantity,
                supplier=display,
                location_id=self.location_id,
                unit_price=line.unit_price,
                currency=parsed.currency,
                additional_properties={k: v for k, v in props.items() if v},
                category_names=[step.category] if step.category else [],
            )
            part_id = insert_part(db, create, self.actor, "import", self.now)
            self.created_ids[i] = part_id
            self.done.created.append(part_id)
            action = "created"
        else:
            part_id = step.existing_id or self.created_ids[step.first_of or 0]
            if self.defer_existing and step.existing_id is not None:
                status = "pending"  # its stock is added by the final step (orders/batches.py)
            else:
                add_stock(db, part_id, line.quantity, self.reference, self.actor, self.now)
            if step.existing_id is not None and part_id not in self.done.updated:
                self.done.updated.append(part_id)
            action = "added"
        step.plan.part_id = part_id
        store.insert_item(
            db,
            {
                "id": str(uuid.uuid4()),
                "order_id": self.order_id,
                "part_id": part_id,
                "row_number": line.row,
                "supplier_part_number": line.supplier_part_number,
                "manufacturer_part_number": line.manufacturer_part_number,
                "description": line.description,
                "manufacturer": line.manufacturer,
                "quantity_ordered": line.quantity,
                "quantity_received": line.quantity,
                "unit_price": line.unit_price,
                "extended_price": line.extended_price,
                "package": line.package,
                "customer_reference": line.customer_reference,
                "status": status,
                "action": action,
                "properties": json.dumps(line.properties, ensure_ascii=False),
            },
        )


def add_stock(
    db: sqlite_utils.Database, part_id: str, quantity: int, reference: str, actor: Principal | None, now: str
) -> None:
    current = stock.last_quantity(db, part_id)
    reason = f"import: {reference}"
    stock.record(db, part_id, new_quantity=current + quantity, reason=reason, source="import", actor=actor, now=now)
    db.execute("UPDATE parts SET quantity = ?, updated_at = ? WHERE id = ?", [current + quantity, now, part_id])


def apply(
    db: sqlite_utils.Database,
    parsed: ParsedOrder,
    the_plan: Plan,
    *,
    order_id: str,
    location_id: str,
    reference: str,
    actor: Principal | None,
    now: str,
    progress: Progress | None = None,
) -> Applied:
    """Create the new parts, add stock to the known ones, record every line; the caller's transaction."""
    writer = Writer(parsed, order_id, location_id, reference, actor, now)
    total = len(the_plan.steps)
    for i, step in enumerate(the_plan.steps):
        writer.write(db, i, step)
        if progress is not None and (i + 1) % 100 == 0:
            progress(i + 1, total)
    return writer.done
