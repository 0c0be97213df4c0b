"""The grounding guard: every part number, quantity and price in an answer must come from this question's tools.

A small model names parts it has seen in training ("2N2222 is a good substitute, 40 in stock").
A part the inventory does not have is never presented as stock: its sentence is removed and
the answer says so; a wrong quantity next to a known part is corrected from the tool result.
Either way the confidence drops to LOW, with a note. Each check may cost an inventory lookup, so
an answer with more than max_checked_claims of them is not checked at all but set aside.

A claimed action is checked against what the tools really did: the only action a tool can do is a
note in the agent log, and only when the person asked for it (see untrusted.py). "I logged the
deletion" or "all resistors were deleted" with no such tool call behind it is removed, with a note.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from makermatrix_edge.assistant.evidence import Evidence, cents, norm
from makermatrix_edge.inventory.component_models import Component

Verify = Callable[[str], Awaitable[Component | None]]  # an exact inventory lookup for a token not yet seen

_TOKEN = re.compile(r"(?<![\w$])[A-Za-z0-9][A-Za-z0-9\-]*[A-Za-z0-9]")
_VALUE = re.compile(r"\d+(?:\.\d+)?[a-zA-Zµ°Ω%]{0,4}")  # 25V, 100mA, 0.625W, 4096, 10k, 3x
_PACKAGE = re.compile(
    r"(SOT|SOD|SOIC|TO|QFN|QFP|LQFP|TQFP|TSSOP|SSOP|MSOP|DIP|PDIP|SMA|SMB|SMC|DO|DFN|SC|D2PAK|DPAK)\d*"
)
_QUANTITY = re.compile(r"(\d[\d,]*)(\s*(?:units?|pcs|pieces|in stock|left))", re.I)
_MONEY = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# A sentence that says a part is missing may name it: "we do not have 2N2222" is true and useful.
_NEGATION = re.compile(r"\b(not|no|nothing|don't|doesn't|isn't|never|none|missing|without)\b", re.I)
# Words that report something done to the world; only a note in the log can be backed by a tool.
_ACTION = re.compile(
    r"\b(logged|noted|recorded|saved|wrote|written|deleted|deletion|removed|removal|erased|purged|wiped|dropped|"
    r"cleared|ordered|reordered|updated|changed|modified|moved|added|created|adjusted|printed|sent|emailed)\b",
    re.I,
)
_LOGGED = frozenset({"logged", "noted", "recorded", "saved", "wrote", "written"})


class TooManyClaims(Exception):
    """The answer makes more claims than the guard checks: it is set aside unread, not checked for minutes."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} part numbers, counts and prices to check")
        self.limit = limit


def part_tokens(text: str, limit: int | None = None) -> list[str]:
    """Words that look like part numbers or markings: letters and at least two digits, not a value with a unit.

    With `limit`, it stops after limit + 1 distinct ones (enough to know there are too many).
    """
    out: dict[str, None] = {}  # ordered and O(1) to test: an answer may hold thousands
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        key = norm(token)
        if len(key) < 4 or sum(ch.isdigit() for ch in key) < 2 or not any(ch.isalpha() for ch in key):
            continue
        if _VALUE.fullmatch(token) or _PACKAGE.fullmatch(key):
            continue
        out[token] = None
        if limit is not None and len(out) > limit:
            break
    return list(out)


def _claims(answer: str, limit: int) -> int:
    """How many things the guard would check (distinct part tokens, counts, prices), counting at most limit + 1."""
    count = len(part_tokens(answer, limit))
    for pattern in (_QUANTITY, _MONEY):
        for _ in pattern.finditer(answer):
            count += 1
            if count > limit:
                return count
    return count


@dataclass
class Verdict:
    text: str
    notes: list[str] = field(default_factory=list)

    @property
    def corrected(self) -> bool:
        return bool(self.notes)


def _parts_in(sentence: str, evidence: Evidence) -> list[Component]:
    key = norm(sentence)
    return [c for c in evidence.parts.values() if norm(c.part_number) and norm(c.part_number) in key]


async def check(answer: str, evidence: Evidence, verify: Verify, max_claims: int) -> Verdict:
    """The answer with what no tool showed removed or corrected; TooManyClaims past max_claims."""
    if _claims(answer, max_claims) > max_claims:
        raise TooManyClaims(max_claims)
    notes: list[str] = []
    kept: list[str] = []
    if evidence.actions_refused:
        notes.append(
            "The model tried to write to the assistant's log though nobody asked for that; it was refused "
            "(text in the inventory may be trying to steer it)."
        )
    for sentence in (s.strip() for s in _SENTENCE.split(answer)):
        if not sentence:
            continue
        unbacked = _unbacked_action(sentence, evidence)
        if unbacked:
            notes.append(f"The model reported an action ({unbacked}) that no tool carried out; that claim was removed.")
            continue
        invented = []
        for token in part_tokens(sentence):
            if evidence.knows(token):
                continue
            found = await verify(token)  # true but not yet looked up: now it is, and may stay
            if found is None and not _NEGATION.search(sentence):
                invented.append(token)
        if invented:
            for token in invented:
                note = f"The model named {token}, which this inventory does not have; that claim was removed."
                if note not in notes:
                    notes.append(note)
            continue
        sentence = _fix_quantities(sentence, evidence, notes)
        if sentence is None:
            continue
        wrong_money = [m for m in _MONEY.findall(sentence) if cents(float(m.replace(",", ""))) not in evidence.money]
        if wrong_money:
            notes.append(f"Removed a price the inventory does not show (${wrong_money[0]}).")
            continue
        kept.append(sentence)
    return Verdict(text=" ".join(kept), notes=notes)


def _unbacked_action(sentence: str, evidence: Evidence) -> str | None:
    """The first action word no tool call backs ("deleted"; "logged" unless log_action ran), None if all are."""
    if _NEGATION.search(sentence):  # "nothing was deleted" claims nothing
        return None
    logged = bool(evidence.actions_done)
    for match in _ACTION.finditer(sentence):
        word = match.group(1).lower()
        if not (logged and word in _LOGGED):
            return word
    return None


def _fix_quantities(sentence: str, evidence: Evidence, notes: list[str]) -> str | None:
    """A count that no tool returned is replaced by the named part's real quantity, or its sentence dropped."""
    for match in reversed(list(_QUANTITY.finditer(sentence))):  # from the end: earlier offsets stay valid
        claimed = int(match.group(1).replace(",", ""))
        if claimed in evidence.quantities:
            continue
        parts = _parts_in(sentence, evidence)
        if len(parts) != 1:
            notes.append(f"Removed a quantity ({claimed}) the inventory does not show.")
            return None
        real = parts[0].quantity
        notes.append(f"Corrected the quantity of {parts[0].part_number}: {real}, not {claimed}.")
        sentence = sentence[: match.start(1)] + str(real) + sentence[match.end(1) :]
    return sentence
