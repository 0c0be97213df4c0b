"""What the tools returned during one question: the facts the final answer may state."""

from __future__ import annotations

from dataclasses import dataclass, field

from makermatrix_edge.assistant.models import PartLink
from makermatrix_edge.inventory.component_models import Component
from makermatrix_edge.suppliers.money import money


def cents(value: float) -> str:
    """An amount as the answers write it: rounded half up to the cent, as every page shows money."""
    return money(value)


def norm(token: str) -> str:
    """Part numbers and markings compare ignoring case and dashes/spaces ("bc-857b" is BC857B)."""
    return "".join(ch for ch in token.upper() if ch.isalnum())


@dataclass
class Evidence:
    parts: dict[int, Component] = field(default_factory=dict)  # every component a tool returned
    names: set[str] = field(default_factory=set)  # normalized part numbers, markings, packages, spec words
    quantities: set[int] = field(default_factory=set)
    money: set[str] = field(default_factory=set)  # amounts in cents as text ("0.12", "18.00")
    tools_used: list[str] = field(default_factory=list)  # successful calls, in order
    tool_errors: int = 0
    missing: set[str] = field(default_factory=set)  # looked up and not in the inventory
    paths: dict[int, str] = field(default_factory=dict)  # component id -> full location path
    actions_allowed: bool = False  # the person's question asked for an action (a note in the log)
    actions_done: list[str] = field(default_factory=list)  # action tools that ran
    actions_refused: list[str] = field(default_factory=list)  # action tools the model called unasked

    def add_component(self, c: Component) -> None:
        self.parts[c.id] = c
        where = (c.location, self.paths.get(c.id))
        for text in (c.part_number, c.marking, c.package, c.technology, c.polarity, c.category_name, *where):
            if text:
                self.names.add(norm(text))
                self.names.update(norm(w) for w in text.replace("/", " ").split())
        for spec in (c.v_max, c.i_max, c.power_max, c.gain_min, c.gain_max, c.rds_on, c.vgs_max, c.vgs_th):
            if spec:
                self.names.update(norm(w) for w in spec.split())
        self.quantities.update(q for q in (c.quantity, c.min_qty) if q is not None)
        if c.min_qty is not None:
            self.quantities.add(max(0, c.min_qty - c.quantity))  # the shortage
        self.money.update({cents(c.unit_price), cents(c.total_value)})

    def where(self, c: Component) -> str | None:
        return self.paths.get(c.id) or c.location

    def add_totals(self, quantity: int, value: float) -> None:
        self.quantities.add(quantity)
        self.money.add(cents(value))

    def knows(self, token: str) -> bool:
        return norm(token) in self.names

    def links(self, answer: str) -> list[PartLink]:
        """The parts the answer names, in the order it names them."""
        found: list[tuple[int, PartLink]] = []
        upper = norm(answer)
        for c in self.parts.values():
            at = upper.find(norm(c.part_number))
            if at >= 0:
                found.append((at, PartLink(id=c.id, part_id=c.part_id, part_number=c.part_number)))
        return [link for _, link in sorted(found, key=lambda x: (x[0], -len(x[1].part_number)))]
