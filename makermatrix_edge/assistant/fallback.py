"""The answer without the model: the common questions answered from the tools by fixed rules.

Used when the model is offline, missing, cannot call tools or is too slow, and when the guard
removed everything the model said. "Do we have X", "how many", "where", "what is it worth",
"what can replace it" and the inventory's total value need no language model.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from makermatrix_edge.assistant.evidence import Evidence
from makermatrix_edge.assistant.guard import part_tokens
from makermatrix_edge.assistant.tools import ToolBox

_REPLACE = re.compile(r"replac|alternative|equivalent|substitut|instead|swap|similar", re.I)
_MARKING = re.compile(r"\b(?:marking|marked|code|part(?:\s+number)?)\s+['\"]?([A-Za-z0-9][\w\-/]*)", re.I)
_TOTALS = re.compile(r"value|worth|cost|total|low stock|reorder|inventory", re.I)
MAX_PARTS = 3


async def _tool(toolbox: ToolBox, name: str, evidence: Evidence, **args: Any) -> dict[str, Any]:
    result: dict[str, Any] = msgspec.json.decode(await toolbox.run(name, args, evidence))
    return result


def _money(value: float) -> str:
    return f"${value:.2f}"


def _stock_sentence(item: dict[str, Any]) -> str:
    where = f" in {item['location']}" if item.get("location") else ""
    if item["quantity"] == 0:
        minimum = f", minimum {item['min_qty']}" if item.get("min_qty") else ""
        return f"{item['part_number']} is out of stock (0 units{minimum}); its place is{where or ' not set'}."
    low = f" That is below its minimum of {item['min_qty']}." if item.get("low_stock") else ""
    return (
        f"{item['part_number']}: {item['quantity']} units{where} at {_money(item['unit_price'])} per unit, "
        f"total value {_money(item['total_value'])}.{low}"
    )


def _replacement_sentences(eq: dict[str, Any]) -> list[str]:
    options = [*eq.get("recorded", []), *eq.get("suggested", [])]
    in_stock = [o for o in options if o["quantity"] > 0]
    if not in_stock:
        return [f"No replacement for {eq['part_number']} with stock in this inventory."]
    best = in_stock[0]
    # The engine's reason reads "BC857B: PNP, SOT-23, 45V ≥ 25V; but 0.1A < 0.5A"; the shortfalls follow as caveats.
    why = (best.get("reason") or "recorded as an equivalent").removeprefix(f"{best['part_number']}: ").split("; but")[0]
    out = [
        f"{best['part_number']} can replace it ({why}) with {best['quantity']} units available at "
        f"{_money(best['unit_price'])} per unit, total value {_money(best['total_value'])}"
        + (f", in {best['location']}." if best.get("location") else ".")
    ]
    if best.get("caveats"):
        out.append("Check before using it: " + "; ".join(best["caveats"]) + ".")
    others = [o["part_number"] for o in in_stock[1:3]]
    if others:
        out.append("Also possible: " + ", ".join(others) + ".")
    return out


def _wanted(question: str) -> list[str]:
    tokens = part_tokens(question)
    for match in _MARKING.finditer(question):
        if match.group(1) not in tokens and any(ch.isdigit() for ch in match.group(1)):
            tokens.append(match.group(1))
    return tokens[:MAX_PARTS]


async def answer(question: str, toolbox: ToolBox, evidence: Evidence) -> str:
    sentences: list[str] = []
    wants_replacement = bool(_REPLACE.search(question))
    for token in _wanted(question):
        found = await _tool(toolbox, "lookup_component", evidence, query=token)
        if not found.get("matches"):
            sentences.append(f"{token} is not in this inventory.")
            continue
        best = found["matches"][0]
        item = await _tool(toolbox, "check_inventory", evidence, component_id=best["id"])
        if "error" in item:
            continue
        sentences.append(_stock_sentence(item))
        if item["quantity"] == 0 or item.get("low_stock") or wants_replacement:
            eq = await _tool(toolbox, "find_equivalents", evidence, component_id=best["id"])
            if "error" not in eq:
                sentences.extend(_replacement_sentences(eq))
    if not sentences and _TOTALS.search(question):
        cost = await _tool(toolbox, "inventory_cost", evidence)
        sentences.append(
            f"The inventory holds {cost['total_quantity']} units of {cost['total_components']} components, "
            f"worth {_money(cost['total_value'])} ({cost['currency']})."
        )
        low = cost.get("low_stock") or []
        if low:
            listed = ", ".join(f"{i['part_number']} ({i['quantity']} of {i['min_qty']})" for i in low[:5])
            sentences.append(f"Below their minimum: {listed}.")
    if not sentences:
        sentences.append(
            "I could not tell which part you mean. Name a part number or marking, e.g. 'Do we have BC857B?'."
        )
    return " ".join(sentences)
