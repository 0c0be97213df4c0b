"""The answer without the model: the common questions answered from the tools by fixed rules.

Used when the model is offline, missing, cannot call tools or is too slow, and when the guard
removed everything the model said (what most people see first on a Pi without Ollama). "Do we
have X" (a part number, or a value: "10k resistors"), "how many", "where", "what is it worth",
"what can replace it", "can we build 5 of the motor driver", parametric questions ("an NPN
transistor for 100 mA", "a SOT-23 diode for 75 V") and the inventory's total value need no
language model. A question none of these rules reads is
said to be not understood: that answer is not `answered` (confidence LOW, not MEDIUM).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import msgspec

from makermatrix_edge.assistant.evidence import Evidence, cents
from makermatrix_edge.assistant.guard import part_tokens
from makermatrix_edge.assistant.tools import ToolBox
from makermatrix_edge.db.values import term_values

_REPLACE = re.compile(r"replac|alternative|equivalent|substitut|instead|swap|similar", re.I)
_MARKING = re.compile(r"\b(?:marking|marked|code|part(?:\s+number)?)\s+['\"]?([A-Za-z0-9][\w\-/]*)", re.I)
_TOTALS = re.compile(r"value|worth|cost|total|low stock|reorder|inventory", re.I)
_RATINGS = ("v", "a", "w")  # a value's unit that makes it a rating (parametric_filters reads those)
_KIND = re.compile(r"\b(resistor|capacitor|cap|inductor)s?\b", re.I)  # the kinds matched by their value
_BUILD = re.compile(r"\b(?:build|make|assemble|produce)\b", re.I)
_BOARDS = re.compile(r"\b(\d{1,6})\b(?!\s*(?:m?A|m?V|k?V|m?W|%))")
_POLARITY = (  # (pattern, filter, value), the first that matches wins
    (re.compile(r"\bn[- ]?(?:channel|ch|mos|mosfet|fet)\b", re.I), "polarity", "N-MOSFET"),
    (re.compile(r"\bp[- ]?(?:channel|ch|mos|mosfet|fet)\b", re.I), "polarity", "P-MOSFET"),
    (re.compile(r"\bnpn\b", re.I), "technology", "NPN"),
    (re.compile(r"\bpnp\b", re.I), "technology", "PNP"),
    (re.compile(r"\bmosfets?\b", re.I), "technology", "MOSFET"),
    (re.compile(r"\bdiodes?\b", re.I), "technology", "DIODE"),
)
_PACKAGE = re.compile(r"\b(SOT|SOD|SOIC|TO|QFN|DIP|SMA|SMB|DO|DFN|SC)[- ]?(\d{1,3}[A-Z]?)\b", re.I)
# A bound in the question: "for 100 mA", "40V", "at least 0.5 W" -> the parametric search's *_min filters.
_BOUNDS = (
    (re.compile(r"(\d+(?:\.\d+)?)\s*(mA|µA|uA|A)\b"), "i_max_min"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(mV|kV|V)\b"), "v_max_min"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(mW|W)\b"), "power_max_min"),
)
MAX_PARTS = 3
LISTED = 5  # a list longer than this says "and N more" with where to see them all


@dataclass
class Said:
    text: str
    answered: bool  # False: no rule read the question (the caller answers it with LOW confidence)


async def _tool(toolbox: ToolBox, name: str, evidence: Evidence, **args: Any) -> dict[str, Any]:
    result: dict[str, Any] = msgspec.json.decode(await toolbox.run(name, args, evidence))
    return result


def _money(value: float) -> str:
    return f"${cents(value)}"


def _more(shown: int, total: int, link: str) -> str:
    return f", and {total - shown} more ({link})" if total > shown else ""


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


def parametric_filters(question: str) -> dict[str, str]:
    """The parametric search a question asks for: type, package and voltage/current/power bounds."""
    found: dict[str, str] = {}
    for pattern, key, value in _POLARITY:
        if pattern.search(question):
            found[key] = value
            break
    package = _PACKAGE.search(question)
    if package:
        found["package"] = f"{package.group(1).upper()}-{package.group(2).upper()}"
    for pattern, key in _BOUNDS:
        bound = pattern.search(question)
        if bound:
            found[key] = bound.group(1) + bound.group(2).replace("u", "µ")
    return found


def _spec_words(c: dict[str, Any]) -> str:
    ratings = c.get("ratings") or {}
    words = [c.get("technology"), c.get("package"), ratings.get("v_max"), ratings.get("i_max"),
             ratings.get("power_max")]  # fmt: skip
    return ", ".join(w for w in words if w)


async def _parametric(filters: dict[str, str], toolbox: ToolBox, evidence: Evidence) -> list[str]:
    asked = ", ".join(filters.values())
    found = await _tool(toolbox, "parametric_search", evidence, **filters, in_stock=True, limit=LISTED)
    if "error" in found:
        return []
    if not found["components"]:
        known = await _tool(toolbox, "parametric_search", evidence, **filters, limit=LISTED)
        names = ", ".join(c["part_number"] for c in known.get("components", []))
        if names:
            return [f"Parts matching {asked} are known but none is in stock: {names}."]
        return [f"No part in this inventory matches {asked}."]
    listed = "; ".join(
        f"{c['part_number']} ({_spec_words(c)}), {c['quantity']} units"
        + (f" in {c['location']}" if c.get("location") else "")
        for c in found["components"]
    )
    link = "/alora/components?" + urlencode({**filters, "in_stock": "true"})
    return [f"Yes, matching {asked}: {listed}{_more(len(found['components']), found['total'], link)}."]


async def _build(question: str, toolbox: ToolBox, evidence: Evidence) -> list[str]:
    boards = _BOARDS.search(question)
    result = await _tool(
        toolbox, "check_build", evidence, project=question, quantity=int(boards.group(1)) if boards else 1
    )
    if "error" in result:
        return []
    out = [result["summary"]]
    rows = result.get("short") or []
    if rows:
        parts = []
        for r in rows[:LISTED]:
            what = f"{r['designators']} ({r['part']})" if r.get("part") else r["designators"]
            if r.get("unmatched"):
                parts.append(f"{what} has no matching part")
                continue
            buy = f", buy from {r['supplier']} {r.get('supplier_number', '')}".rstrip() if r.get("supplier") else ""
            price = f" at {_money(r['unit_price'])}" if r.get("unit_price") is not None else ""
            parts.append(f"{what} short {r['short']}{buy}{price}")
        more = _more(min(LISTED, len(rows)), result["short_lines"], result["link"])
        out.append("Short: " + "; ".join(parts) + more + ".")
    return out


async def _parts(question: str, toolbox: ToolBox, evidence: Evidence) -> list[str]:
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
    return sentences


def value_queries(question: str) -> list[str]:
    """Searches for the values a question names ("Do I have 10k resistors?" -> ["10k resistor"])."""
    kind = _KIND.search(question)
    said = kind.group(1).lower() if kind else ""
    word = "capacitor" if said == "cap" else said
    passive = [v for v in term_values(question) if not v.canonical.endswith(_RATINGS)]  # "100 mA" is a bound
    return [f"{v.text} {word}".strip() for v in passive][:MAX_PARTS]


async def _values(question: str, toolbox: ToolBox, evidence: Evidence) -> list[str]:
    """A value question: what the shelf holds of it, part by part (the most stocked first, as search ranks)."""
    sentences: list[str] = []
    for query in value_queries(question):
        found = await _tool(toolbox, "lookup_component", evidence, query=query)
        matches = found.get("matches") or []
        if not matches:
            sentences.append(f"No {query} is in this inventory.")
            continue
        for best in matches[:MAX_PARTS]:
            item = await _tool(toolbox, "check_inventory", evidence, component_id=best["id"])
            if "error" not in item:
                sentences.append(_stock_sentence(item))
        if len(matches) > MAX_PARTS:
            sentences.append(f"More parts match {query!r}: search for it on the Find page.")
    return sentences


async def _totals(toolbox: ToolBox, evidence: Evidence) -> list[str]:
    cost = await _tool(toolbox, "inventory_cost", evidence)
    out = [
        f"The inventory holds {cost['total_quantity']} units of {cost['total_components']} components, "
        f"worth {_money(cost['total_value'])} ({cost['currency']})."
    ]
    low = cost.get("low_stock") or []
    if low:
        listed = ", ".join(f"{i['part_number']} ({i['quantity']} of {i['min_qty']})" for i in low[:LISTED])
        count = int(cost.get("low_stock_count") or len(low))
        out.append(f"Below their minimum: {listed}{_more(min(LISTED, len(low)), count, '/low-stock')}.")
    return out


async def answer(question: str, toolbox: ToolBox, evidence: Evidence) -> Said:
    sentences: list[str] = []
    if _BUILD.search(question):
        sentences = await _build(question, toolbox, evidence)
    if not sentences:
        sentences = await _parts(question, toolbox, evidence)
    if not sentences and (filters := parametric_filters(question)):
        sentences = await _parametric(filters, toolbox, evidence)
    if not sentences:
        sentences = await _values(question, toolbox, evidence)
    if not sentences and _TOTALS.search(question):
        sentences = await _totals(toolbox, evidence)
    if not sentences:
        return Said(
            "I could not tell which part you mean. Name a part number or marking ('Do we have BC857B?'), "
            "a kind of part ('an NPN transistor for 100 mA') or a project ('can we build 5 of the motor driver?').",
            answered=False,
        )
    return Said(" ".join(sentences), answered=True)
