"""Rank parts from the inventory as replacements for a component (pure: the caller loads the pool).

Excluded outright, because the part would not fit the board or the circuit:
- the original itself (same part_id or seq);
- another kind of part (BJT, MOSFET, diode, regulator, or else the technology word), or one whose kind is unknown;
- another polarity (NPN/PNP, N/P channel; unknown polarity on a transistor cannot be checked, so excluded too);
- another channel count for non-MOSFETs ("SINGLE" vs "DUAL") or diode internal_config ("Series" vs "Single");
- another package family: packages compare ignoring case, spaces and dashes, "SOT-23/TO-92" offers both, a few
  exact synonyms count ("SOT-23-3" = "TO-236" = "SOT-23"); a missing package is only a caveat;
- another diode_type, except a Schottky for a switching diode (kept with a caveat: more leakage and capacitance);
- for regulators, another (or unknown) v_out, or another reg_type family (linear / switching / reference).

Everything else is ranked. Ratings are compared with `units.parse` (magnitudes, so "0.1A" equals "100mA" and
"-200V" rates as 200V); a rating that falls short or cannot be compared is a caveat and lowers the score.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from enum import Enum

import msgspec

from makermatrix_edge.inventory.units import SPEC_FIELD_UNITS, Measure, parse


class Candidate(msgspec.Struct, frozen=True):
    part_id: str
    seq: int
    part_number: str
    marking: str | None = None
    technology: str | None = None
    polarity: str | None = None
    channel: str | None = None
    package: str | None = None
    quantity: int = 0
    unit_price: float | None = None
    v_max: str | None = None
    i_max: str | None = None
    power_max: str | None = None
    gain_min: str | None = None
    gain_max: str | None = None
    rds_on: str | None = None
    vgs_max: str | None = None
    vgs_th: str | None = None
    qg: str | None = None
    ciss: str | None = None
    vf: str | None = None
    trr: str | None = None
    cj: str | None = None
    v_in_max: str | None = None
    v_out: str | None = None
    i_out_max: str | None = None
    accuracy: str | None = None
    diode_type: str | None = None
    reg_type: str | None = None
    internal_config: str | None = None
    switching_type: str | None = None


class Suggestion(msgspec.Struct):
    candidate: Candidate
    score: float  # 1.0 meets every rating; each shortfall or unknown takes some off, never below 0
    reason: str
    caveats: list[str]
    in_stock: bool


class _Better(Enum):
    HIGHER = "higher"  # a rating: the candidate's must be at least the original's
    LOWER = "lower"  # a loss: the candidate's must be at most the original's


# (field, which way is better, relative tolerance before a worse value counts as a shortfall)
_Check = tuple[str, _Better, float]
_BASIC: tuple[_Check, ...] = (("v_max", _Better.HIGHER, 0.0), ("i_max", _Better.HIGHER, 0.0))
_POWER: _Check = ("power_max", _Better.HIGHER, 0.0)
_CHECKS: dict[str, tuple[_Check, ...]] = {
    "BJT": (*_BASIC, _POWER, ("gain_min", _Better.HIGHER, 0.0)),
    "MOSFET": (
        *_BASIC,
        _POWER,
        ("rds_on", _Better.LOWER, 0.0),
        ("vgs_max", _Better.HIGHER, 0.0),
        ("qg", _Better.LOWER, 0.0),
        ("ciss", _Better.LOWER, 0.0),
    ),
    # "vf not higher by much": up to 10% more forward drop still counts as a match.
    "DIODE": (*_BASIC, _POWER, ("vf", _Better.LOWER, 0.1), ("trr", _Better.LOWER, 0.0), ("cj", _Better.LOWER, 0.0)),
    "REGULATOR": (
        ("v_in_max", _Better.HIGHER, 0.0),
        ("i_out_max", _Better.HIGHER, 0.0),
        _POWER,
        ("accuracy", _Better.LOWER, 0.0),
    ),
}
_DEFAULT_CHECKS: tuple[_Check, ...] = (*_BASIC, _POWER)
# The three basic ratings read clearly by their unit alone ("45V ≥ 25V"); other fields are named.
_UNNAMED = frozenset({"v_max", "i_max", "power_max"})
# A logic-level part must switch at the same gate drive: the candidate's highest threshold may exceed the
# original's by this much (volts) at most.
_VGS_TH_MARGIN = 0.1
_SHORTFALL_PENALTY = 0.15  # plus up to as much again for how far short it falls
_UNKNOWN_PENALTY = 0.05
_PACKAGE_SYNONYMS = {"SOT233": "SOT23", "TO236": "SOT23", "TO236AB": "SOT23", "SC70": "SOT323", "SC703": "SOT323"}
# (original diode_type, candidate diode_type) allowed across types, with the caveat to show.
_DIODE_SUBSTITUTES = {("SWITCHING", "SCHOTTKY"): "Schottky for a switching diode: more leakage and capacitance"}


def _word(text: str | None) -> str:
    return re.sub(r"[\s_-]+", "", text or "").upper()


def _kind(c: Candidate) -> str | None:
    technology, polarity = _word(c.technology), _word(c.polarity)
    if c.reg_type or c.v_out:
        return "REGULATOR"
    if "MOSFET" in technology or "MOSFET" in polarity:
        return "MOSFET"
    if technology in ("NPN", "PNP") or polarity in ("NPN", "PNP"):
        return "BJT"
    if "DIODE" in technology or c.diode_type:
        return "DIODE"
    return technology or None


def _polarity(c: Candidate, kind: str) -> str | None:
    if kind == "BJT":
        found = {_word(c.polarity), _word(c.technology)} & {"NPN", "PNP"}
        return found.pop() if len(found) == 1 else None
    if kind == "MOSFET":
        for word in (_word(c.polarity), _word(c.channel)):
            if word[:1] in ("N", "P"):
                return word[:1]
    return None


def _packages(package: str | None) -> set[str]:
    names = {_word(p) for p in re.split(r"[/,]", package or "")} - {""}
    return {_PACKAGE_SYNONYMS.get(n, n) for n in names}


def _reg_family(reg_type: str | None) -> str:
    word = _word(reg_type)
    for family, keys in (("LINEAR", ("LINEAR", "LDO")), ("SWITCHING", ("SWITCH", "BUCK", "BOOST"))):
        if any(k in word for k in keys):
            return family
    return "REFERENCE" if "REFERENCE" in word or "SHUNT" in word else word


def _reading(c: Candidate, field: str) -> Measure | None:
    """The field as a number in its unit, or None when missing, unreadable or in another unit."""
    measure = parse(getattr(c, field))
    if measure is None or measure.value is None or measure.unit not in (None, SPEC_FIELD_UNITS[field]):
        if field == "trr" and _word(c.diode_type) == "SCHOTTKY":
            return Measure("none", 0.0, 0.0, 0.0, "s")  # a Schottky has no reverse recovery ("N/A")
        return None
    return measure


def _magnitude(m: Measure) -> float:
    return max(abs(m.low or 0.0), abs(m.high or 0.0))


def _shown(m: Measure) -> str:
    return m.text.partition("@")[0].strip()


class _Comparison:
    """What meets and what falls short, as the reason text will read."""

    def __init__(self) -> None:
        self.meets: list[str] = []
        self.caveats: list[str] = []
        self.penalty = 0.0

    def unknown(self, field: str) -> None:
        self.caveats.append(f"{field} unknown")
        self.penalty += _UNKNOWN_PENALTY

    def shortfall(self, text: str, how_far: float) -> None:
        self.caveats.append(text)
        self.penalty += _SHORTFALL_PENALTY * (1 + min(1.0, max(0.0, how_far)))

    def rating(self, original: Candidate, candidate: Candidate, check: _Check) -> None:
        field, better, tolerance = check
        if getattr(original, field) is None and getattr(candidate, field) is None:
            return  # the field does not apply to these parts
        mine, theirs = _reading(original, field), _reading(candidate, field)
        if mine is None or theirs is None:
            self.unknown(field)
            return
        label = "" if field in _UNNAMED else f"{field} "
        want, have = _magnitude(mine), _magnitude(theirs)
        if better is _Better.HIGHER:
            if have >= want or math.isclose(have, want, rel_tol=1e-9):
                self.meets.append(f"{label}{_shown(theirs)} ≥ {_shown(mine)}")
            else:
                self.shortfall(f"{label}{_shown(theirs)} < {_shown(mine)}", 1 - have / want)
        elif have <= want or math.isclose(have, want, rel_tol=1e-9):
            self.meets.append(f"{label}{_shown(theirs)} ≤ {_shown(mine)}")
        elif have <= want * (1 + tolerance):
            self.meets.append(f"{label}{_shown(theirs)} ≈ {_shown(mine)}")
        else:
            self.shortfall(f"{label}{_shown(theirs)} > {_shown(mine)}", 1 - want / have)
        self.conditions(field, mine, theirs)

    def conditions(self, field: str, mine: Measure, theirs: Measure) -> None:
        a, b = mine.condition, theirs.condition
        if a is None or b is None or a.value is None or b.value is None:
            return
        if a.unit != b.unit or not math.isclose(a.value, b.value, rel_tol=1e-9):
            self.caveats.append(f"{field} at {b.text} vs {a.text}")
            self.penalty += _UNKNOWN_PENALTY

    def threshold(self, original: Candidate, candidate: Candidate) -> None:
        if original.vgs_th is None and candidate.vgs_th is None:
            return
        mine, theirs = _reading(original, "vgs_th"), _reading(candidate, "vgs_th")
        if mine is None or theirs is None:
            self.unknown("vgs_th")
            return
        want, have = _magnitude(mine), _magnitude(theirs)
        if have <= want + _VGS_TH_MARGIN:
            self.meets.append(f"vgs_th {_shown(theirs)} ≤ {_shown(mine)}")
        else:
            self.shortfall(f"vgs_th {_shown(theirs)} > {_shown(mine)}", (have - want) / have)


def _fits(original: Candidate, candidate: Candidate, kind: str) -> tuple[list[str], list[str]] | None:
    """Identity items for the reason and caveats if the candidate can take the original's place, else None."""
    items: list[str] = []
    caveats: list[str] = []
    if kind in ("BJT", "MOSFET"):
        polarity = _polarity(original, kind)
        if polarity is None or polarity != _polarity(candidate, kind):
            return None
        items.append(candidate.polarity or candidate.technology or kind)
    if kind != "MOSFET":  # a MOSFET's channel is its polarity; elsewhere it counts the devices ("SINGLE", "DUAL")
        channels = _word(original.channel), _word(candidate.channel)
        if all(channels) and channels[0] != channels[1]:
            return None
    if kind == "DIODE":
        configs = _word(original.internal_config), _word(candidate.internal_config)
        if all(configs) and configs[0] != configs[1]:
            return None
        types = _word(original.diode_type), _word(candidate.diode_type)
        if not all(types):
            caveats.append("diode_type unknown")
        elif types[0] != types[1]:
            if types not in _DIODE_SUBSTITUTES:
                return None
            caveats.append(_DIODE_SUBSTITUTES[types])
        items.append(candidate.diode_type or candidate.technology or kind)
    if kind == "REGULATOR":
        families = _reg_family(original.reg_type), _reg_family(candidate.reg_type)
        if all(families) and families[0] != families[1]:
            return None
        mine, theirs = _reading(original, "v_out"), _reading(candidate, "v_out")
        if mine is None or theirs is None or mine.value is None or theirs.value is None:
            return None
        if not math.isclose(mine.value, theirs.value, rel_tol=1e-6):
            return None
        if (mine.note or "").lower() != (theirs.note or "").lower():
            caveats.append(f"v_out {_shown(theirs)} vs {_shown(mine)}")
        items.append(_shown(theirs))
    if kind not in ("BJT", "MOSFET", "DIODE", "REGULATOR"):
        items.append(candidate.technology or kind)
    mine_packages, their_packages = _packages(original.package), _packages(candidate.package)
    if not mine_packages or not their_packages:
        caveats.append("package unknown")
    elif not mine_packages & their_packages:
        return None
    else:
        items.append(candidate.package or "")
    return items, caveats


def _suggestion(original: Candidate, candidate: Candidate, kind: str) -> Suggestion | None:
    fit = _fits(original, candidate, kind)
    if fit is None:
        return None
    items, caveats = fit
    comparison = _Comparison()
    comparison.caveats.extend(caveats)
    comparison.penalty += _UNKNOWN_PENALTY * len(caveats)
    for check in _CHECKS.get(kind, _DEFAULT_CHECKS):
        comparison.rating(original, candidate, check)
    if kind == "MOSFET":
        comparison.threshold(original, candidate)
    reason = f"{candidate.part_number}: {', '.join([*items, *comparison.meets])}"
    if comparison.caveats:
        reason += f"; but {', '.join(comparison.caveats)}"
    return Suggestion(
        candidate=candidate,
        score=round(max(0.0, 1.0 - comparison.penalty), 4),
        reason=reason,
        caveats=comparison.caveats,
        in_stock=candidate.quantity > 0,
    )


def suggest(original: Candidate, pool: Sequence[Candidate], limit: int = 10) -> list[Suggestion]:
    """Replacements for `original` from `pool`: in-stock first, then by score, then by price (unknown last)."""
    kind = _kind(original)
    if kind is None or limit <= 0:
        return []
    found = [
        s
        for c in pool
        if c.part_id != original.part_id
        and c.seq != original.seq
        and _kind(c) == kind
        and (s := _suggestion(original, c, kind)) is not None
    ]
    found.sort(
        key=lambda s: (
            not s.in_stock,
            -s.score,
            s.candidate.unit_price is None,
            s.candidate.unit_price or 0.0,
            s.candidate.part_number,
        )
    )
    return found[:limit]
