"""The agent's tools: thin calls into the inventory services, each result a compact JSON a small model reads.

Neither Ollama nor its Python client enforce the argument schema, so every argument is checked
here; a bad argument or an unknown tool goes back to the model as a tool error, never an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from makermatrix_edge.assistant.evidence import Evidence, cents, norm
from makermatrix_edge.assistant.untrusted import ACTIONS
from makermatrix_edge.errors import DomainError
from makermatrix_edge.inventory.categories import AloraCategoryService
from makermatrix_edge.inventory.component_models import Component
from makermatrix_edge.inventory.component_stock import ComponentStockService
from makermatrix_edge.inventory.components import ComponentService
from makermatrix_edge.inventory.equivalents import EquivalentService
from makermatrix_edge.inventory.search import SearchService
from makermatrix_edge.projects.builds import BuildService

log = logging.getLogger(__name__)
LogAction = Callable[[str, str], Awaitable[None]]
SHORT_LISTED = 10  # short lines a tool result names (the model reads them all)
_RATINGS = ("v_max", "i_max", "power_max", "gain_min", "gain_max", "rds_on", "vgs_th", "vf", "v_out", "i_out_max")
# name -> (JSON type, required, description)
_Param = tuple[str, bool, str]
SPECS: dict[str, tuple[str, dict[str, _Param]]] = {
    "lookup_component": (
        "Find parts in this inventory by part number, marking, manufacturer part number or name.",
        {"query": ("string", True, "part number, marking or name, e.g. BC857B")},
    ),
    "check_inventory": (
        "Stock of one component: quantity, min_qty, location, unit_price, total_value, low-stock flag.",
        {"component_id": ("integer", True, "the id lookup_component returned")},
    ),
    "find_equivalents": (
        "Replacements for a component from this inventory, with stock, price, reasons and caveats.",
        {"component_id": ("integer", True, "the id lookup_component returned")},
    ),
    "parametric_search": (
        "Find components by specs. Ratings take units: v_max_min '40V', i_max_min '100mA'.",
        {
            "technology": ("string", False, "NPN, PNP, MOSFET, DIODE, IC"),
            "polarity": ("string", False, "NPN, PNP, N-MOSFET, P-MOSFET"),
            "package": ("string", False, "SOT-23, TO-92, ..."),
            "v_max_min": ("string", False, "least voltage rating, e.g. 40V"),
            "i_max_min": ("string", False, "least current rating, e.g. 100mA"),
            "power_max_min": ("string", False, "least power rating, e.g. 250mW"),
            "in_stock": ("boolean", False, "only parts with stock"),
            "limit": ("integer", False, "at most this many (1-20, default 10)"),
        },
    ),
    "inventory_cost": (
        "Total value and quantity of the inventory (or of one category) and the parts below their minimum.",
        {"category": ("string", False, "a category name, e.g. Transistor")},
    ),
    "check_build": (
        "Can this inventory build N boards of a project: the most buildable now, the short lines with "
        "supplier and last price, and what the missing parts cost.",
        {
            "project": ("string", True, "the project's name, e.g. motor driver"),
            "quantity": ("integer", False, "how many boards (default 1)"),
        },
    ),
    "log_action": (
        "Write a note to the assistant's log that admins read (e.g. a reorder suggestion).",
        {"action": ("string", True, "short title"), "details": ("string", True, "what and why")},
    ),
}


def schemas() -> list[dict[str, Any]]:
    """The tools as Ollama and OpenAI want them (only keywords the ollama client keeps)."""
    out = []
    for name, (description, params) in SPECS.items():
        properties = {p: {"type": t, "description": d} for p, (t, _, d) in params.items()}
        required = [p for p, (_, req, _) in params.items() if req]
        out.append(
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": description,
                    "parameters": {"type": "object", "properties": properties, "required": required},
                },
            }
        )
    return out


class ToolError(Exception):
    pass


def _check(name: str, raw: Any) -> dict[str, Any]:
    """The arguments, converted and checked against the tool's parameters."""
    params = SPECS[name][1]
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ToolError(f"arguments must be a JSON object like {{{', '.join(repr(p) + ': ...' for p in params)}}}")
    unknown = sorted(set(raw) - set(params))
    if unknown:
        raise ToolError(f"unknown argument {unknown[0]!r}; {name} takes {', '.join(params)}")
    out: dict[str, Any] = {}
    for key, (kind, required, _) in params.items():
        value = raw.get(key)
        if value is None or value == "":
            if required:
                raise ToolError(f"{key} is required")
            continue
        if kind == "integer":
            whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
            if isinstance(value, bool) or not (whole or (isinstance(value, str) and value.strip().isdigit())):
                what = "the id lookup_component returned" if key.endswith("_id") else "e.g. 5"
                raise ToolError(f"{key} must be a whole number ({what}), not {value!r}")
            out[key] = int(value)
        elif kind == "boolean":
            if not isinstance(value, bool) and str(value).lower() not in ("true", "false"):
                raise ToolError(f"{key} must be true or false")
            out[key] = value if isinstance(value, bool) else str(value).lower() == "true"
        else:
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise ToolError(f"{key} must be text")
            text = str(value).strip()
            if len(text) > 200:
                raise ToolError(f"{key} is too long (200 characters at most)")
            out[key] = text
    return out


def _compact(c: Component, location: str | None) -> dict[str, Any]:
    ratings = {f: getattr(c, f) for f in _RATINGS if getattr(c, f, None)}
    row = {
        "id": c.id,
        "part_number": c.part_number,
        "marking": c.marking,
        "package": c.package,
        "technology": c.technology,
        "ratings": ratings or None,
        "quantity": c.quantity,
        "location": location or c.location,
        "unit_price": c.unit_price,
    }
    return {k: v for k, v in row.items() if v is not None}


@dataclass
class ToolBox:
    search: SearchService
    components: ComponentService
    stock: ComponentStockService
    equivalents: EquivalentService
    categories: AloraCategoryService
    builds: BuildService
    log_action: LogAction

    async def run(self, name: str, raw_args: Any, evidence: Evidence) -> str:
        """The tool's JSON result, or a JSON error the model can act on."""
        if name not in SPECS:
            evidence.tool_errors += 1
            return _encode({"error": f"unknown tool {name!r}", "tools": list(SPECS)})
        if name in ACTIONS and not evidence.actions_allowed:  # asked for by the data, not by the person
            evidence.tool_errors += 1
            evidence.actions_refused.append(name)
            return _encode({"error": f"{name} refused: the person did not ask to log or note anything"})
        try:
            raw_args = await self._by_part_number(raw_args, evidence)
            args = _check(name, raw_args)
            result = await getattr(self, f"_{name}")(evidence, **args)
        except (ToolError, DomainError) as exc:
            evidence.tool_errors += 1
            return _encode({"error": str(getattr(exc, "message", exc))})
        except Exception:  # a bug of ours must not cost the person their answer: the model hears a tool error
            log.exception("assistant tool %s failed", name)
            evidence.tool_errors += 1
            return _encode({"error": f"{name} failed inside the daemon; try another tool"})
        evidence.tools_used.append(name)
        if name in ACTIONS:
            evidence.actions_done.append(name)
        return _encode(result)

    async def _by_part_number(self, raw: Any, evidence: Evidence) -> Any:
        """Small models pass "BC857B" where the id belongs: an exact part number or marking is taken as its id."""
        value = raw.get("component_id") if isinstance(raw, dict) else None
        if not isinstance(value, str) or value.strip().isdigit() or not value.strip():
            return raw
        key = norm(value)
        for c in await self.find(value.strip(), evidence, limit=3):
            if key in (norm(c.part_number), norm(c.marking or "")):
                return {**raw, "component_id": c.id}
        return raw

    async def _seen(self, evidence: Evidence, found: list[Component]) -> None:
        """Record the components as evidence, with their full location paths."""
        evidence.paths.update(await self.components.location_paths([c.id for c in found if c.id not in evidence.paths]))
        for c in found:
            evidence.add_component(c)

    async def find(self, query: str, evidence: Evidence, limit: int = 5) -> list[Component]:
        """Parts matching the text, exact part number or marking first."""
        page = await self.search.search_text(query, 1, limit)
        found = await self.components.get_by_part_ids([v.id for v in page.items])
        key = norm(query)
        found.sort(key=lambda c: 0 if key in (norm(c.part_number), norm(c.marking or "")) else 1)
        await self._seen(evidence, found)
        if not found:
            evidence.missing.add(key)
        return found

    async def _lookup_component(self, evidence: Evidence, query: str) -> dict[str, Any]:
        found = await self.find(query, evidence)
        if not found:
            return {"query": query, "found": 0, "note": f"no part in this inventory matches {query!r}"}
        return {"query": query, "found": len(found), "matches": [_compact(c, evidence.where(c)) for c in found]}

    async def _check_inventory(self, evidence: Evidence, component_id: int) -> dict[str, Any]:
        c = await self.components.get(component_id)
        await self._seen(evidence, [c])
        low = c.min_qty is not None and c.quantity < c.min_qty
        return {
            "component_id": c.id,
            "part_number": c.part_number,
            "quantity": c.quantity,
            "min_qty": c.min_qty,
            "location": evidence.where(c),
            "unit_price": c.unit_price,
            "total_value": c.total_value,
            "out_of_stock": c.quantity == 0,
            "low_stock": low,
        }

    async def _find_equivalents(self, evidence: Evidence, component_id: int) -> dict[str, Any]:
        original = await self.components.get(component_id)
        recorded = await self.equivalents.list_for(component_id)
        suggested = await self.equivalents.suggest(component_id, 5)
        others = await self.components.get_by_part_ids([e.equivalent_part_id for e in recorded])
        await self._seen(evidence, [original, *others, *(s.component for s in suggested)])

        def row(c: Component) -> dict[str, Any]:
            return {"id": c.id, "part_number": c.part_number, "quantity": c.quantity, "unit_price": c.unit_price,
                    "total_value": c.total_value, "location": evidence.where(c)}  # fmt: skip

        return {
            "component_id": original.id,
            "part_number": original.part_number,
            "recorded": [{**row(c), "reason": e.reason} for c, e in zip(others, recorded, strict=False)],
            "suggested": [
                {**row(s.component), "score": round(s.score, 2), "reason": s.reason, "caveats": s.caveats}
                for s in suggested
            ],
        }

    async def _parametric_search(self, evidence: Evidence, limit: int = 10, **filters: Any) -> dict[str, Any]:
        query = {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in filters.items()}
        query["limit"] = str(max(1, min(20, limit)))
        found, total = await self.components.search(query)
        await self._seen(evidence, found)
        return {"total": total, "components": [_compact(c, evidence.where(c)) for c in found]}

    async def _inventory_cost(self, evidence: Evidence, category: str | None = None) -> dict[str, Any]:
        category_id = None
        if category:
            known = await self.categories.list_categories("ACTIVE")
            match = next((c for c in known if c.name.lower() == category.lower()), None)
            if match is None:
                raise ToolError(f"no category {category!r}; categories: {', '.join(c.name for c in known)}")
            category_id = match.id
        cost = await self.stock.cost(category_id=category_id, status="ACTIVE", include_low_stock=True)
        evidence.add_totals(cost.total_quantity, cost.total_value)
        low = cost.low_stock_items or []
        for item in low:
            evidence.names.add(norm(item.part_number))
            evidence.quantities.update({item.quantity, item.min_qty, item.shortage})
        return {
            "category": category,
            "total_components": cost.total_components,
            "total_quantity": cost.total_quantity,
            "total_value": cost.total_value,
            "currency": cost.currency,
            "low_stock": [
                {"part_number": i.part_number, "quantity": i.quantity, "min_qty": i.min_qty} for i in low[:10]
            ],
            "low_stock_count": len(low),
        }

    async def _check_build(self, evidence: Evidence, project: str, quantity: int = 1) -> dict[str, Any]:
        found = await self.builds.find_projects(project)
        if not found:
            raise ToolError(f"no project named {project!r}")
        answer = await self.builds.buildable(found[0][0], quantity)
        short = [ln for ln in answer.lines if ln.short]
        evidence.names.update(norm(w) for w in answer.project_name.split())
        evidence.quantities.update({answer.quantity, answer.max_buildable})
        evidence.money.add(cents(answer.shortage_cost))
        rows = []
        for ln in short[:SHORT_LISTED]:
            for text in (ln.part_name, ln.value, ln.mpn, ln.supplier_number, ln.supplier_name):
                if text:
                    evidence.names.update(norm(w) for w in text.split())
            evidence.quantities.update({ln.need, ln.available, ln.short})
            if ln.unit_price is not None:
                evidence.money.add(cents(ln.unit_price))
            if ln.shortage_cost is not None:
                evidence.money.add(cents(ln.shortage_cost))
            row = {"designators": ln.designators, "part": ln.part_name or ln.value or ln.mpn, "need": ln.need,
                   "available": ln.available, "short": ln.short, "unmatched": ln.unmatched or None,
                   "supplier": ln.supplier_name, "supplier_number": ln.supplier_number,
                   "unit_price": ln.unit_price}  # fmt: skip
            rows.append({k: v for k, v in row.items() if v is not None})
        return {
            "project": answer.project_name,
            "link": f"/projects/{answer.project_id}?n={answer.quantity}",
            "quantity": answer.quantity,
            "max_buildable": answer.max_buildable,
            "can_build": answer.max_buildable >= answer.quantity,
            "short_lines": answer.short_lines,
            "short": rows,
            "shortage_cost": answer.shortage_cost,
            "currency": answer.currency,
            "summary": answer.message,
            "other_projects": [name for _, name in found[1:]] or None,
        }

    async def _log_action(self, evidence: Evidence, action: str, details: str) -> dict[str, Any]:
        await self.log_action(action, details)
        return {"logged": True}


def _encode(value: Any) -> str:
    return msgspec.json.encode(value).decode()
