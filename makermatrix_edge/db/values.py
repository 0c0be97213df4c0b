"""Electrical values in one spelling for search: "10k", "10 kOhm", "10,000 Ω" and "10000" meet at "10kohm".

The search index holds, beside a part's text, each value its name, description and properties write
("10kΩ" -> "10kohm", "0.1uF" -> "100nf", "4.7kΩ" -> "4k7ohm"); a search term's values are written the
same way, so every spelling of one value finds the same parts. The canonical form is engineering
notation with the decimal point as a letter (RKM: "4k7"), the prefix spelled so folding cannot merge
milli and mega ("m" / "meg"), then the unit as a word. A term's value without a unit ("10k") is a
prefix of the indexed "10kohm", which the trigram index finds as a substring.

Registered in SQLite as mm_values() (the index triggers of migration 0023 call it).
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, InvalidOperation

from makermatrix_edge.db.text import fold, fts_phrase

_PREFIX_EXPONENT = {"p": -12, "n": -9, "u": -6, "µ": -6, "μ": -6, "m": -3, "k": 3, "K": 3, "M": 6, "G": 9}
_EXPONENT_LETTERS = {-12: "p", -9: "n", -6: "u", -3: "m", 0: "r", 3: "k", 6: "meg", 9: "g"}
_UNIT_WORDS = {
    "ω": "ohm", "ohm": "ohm", "ohms": "ohm", "r": "ohm",
    "f": "f", "h": "h", "v": "v", "a": "a", "w": "w",
}  # fmt: skip
_CONTEXT = Context(prec=28)
_PASSIVE_WORDS = ("ohm", "f", "h")

# A number (with thousands commas, or RKM "4k7" / "4R7"), then an optional prefix and unit, spaces allowed
# between them. Neither glued to a word before ("R10k") nor followed by a letter ("10kg", "5V0").
_VALUE = re.compile(
    r"(?=[0-9.])(?<![\w.,/])"
    r"(?:(?P<rkm_int>\d+)(?P<rkm>[pnuµμmkKMGRr])(?P<rkm_frac>\d+)"
    r"|(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+))"
    r"(?:\s?(?P<prefix>[Mm][Ee][Gg]|[pnuµμmkKMG])(?!\s?\d))?"
    r"(?:\s?(?P<unit>[Oo][Hh][Mm][Ss]?|[ΩΩRrFfHVvAWw]))?"
    r"(?![\w])"
)
# A term's plain number turns into a value only from 1 000 up and with at most three significant
# digits ("10000" -> 10k, "2024" stays a number).
_PLAIN_MIN = Decimal(1000)


def _canonical(number: Decimal, exponent: int, unit: str | None) -> str | None:
    try:
        value = number.scaleb(exponent, _CONTEXT)
    except InvalidOperation:
        return None
    word = _UNIT_WORDS.get(unit.lower() if unit else "", "") if unit else ""
    if value == 0:
        return "0" + (word or "r")
    if value < 0:
        return None
    power = value.adjusted()  # floor(log10(value))
    step = max(-12, min(9, (power // 3) * 3))
    mantissa = value.scaleb(-step, _CONTEXT).normalize(_CONTEXT)
    text = format(mantissa, "f")
    if len(text) > 8:
        return None
    letter = _EXPONENT_LETTERS[step]
    whole, _, fraction = text.partition(".")
    if fraction:
        return f"{whole}{letter}{fraction}{word}"
    return f"{whole}{'' if step == 0 else letter}{word}"


def _read(match: re.Match[str]) -> tuple[Decimal, int, str | None, bool] | None:
    """(number, power of ten, unit, said with a prefix/unit/RKM) for one match; None if it is not a value."""
    unit = match.group("unit")
    prefix = match.group("prefix")
    if match.group("rkm"):
        letter = match.group("rkm")
        number = Decimal(f"{match.group('rkm_int')}.{match.group('rkm_frac')}")
        if letter in "Rr":
            if unit and unit.lower() not in ("ω", "Ω", "ohm", "ohms", "r"):
                return None
            exponent, unit = 0, "Ω"
        else:
            exponent = _PREFIX_EXPONENT[letter]
        if prefix:
            return None  # "4k7k"
        return number, exponent, unit, True
    number = Decimal(match.group("num").replace(",", ""))
    exponent = 0
    if prefix:
        exponent = 6 if prefix.lower() == "meg" else _PREFIX_EXPONENT[prefix]
    if unit and unit in "Rr" and not prefix and not match.group("num").isdigit():
        return None
    return number, exponent, unit, bool(prefix or unit)


def index_words(text: str | None) -> str | None:
    """The canonical form of every value with a prefix or unit in `text`, space separated (mm_values())."""
    if not text:
        return None
    found: list[str] = []
    seen: set[str] = set()
    for match in _VALUE.finditer(str(text)):
        # Plain numbers ("0603", "1") are most matches and never indexed; a value written twice is read once.
        if not (match.group("rkm") or match.group("prefix") or match.group("unit")) or match.group() in seen:
            continue
        seen.add(match.group())
        read = _read(match)
        if read is None or not read[3]:
            continue
        canonical = _canonical(read[0], read[1], read[2])
        if canonical is not None and canonical not in found:
            found.append(canonical)
    return " ".join(found) or None


class TermValue:
    """A value written in a search term: where it is and its canonical form."""

    __slots__ = ("canonical", "end", "start", "text")

    def __init__(self, start: int, end: int, canonical: str, text: str) -> None:
        self.start, self.end, self.canonical, self.text = start, end, canonical, text


def term_values(term: str) -> list[TermValue]:
    """The values a search term writes, plain numbers from 1 000 up with ≤ 3 significant digits included."""
    out = []
    for match in _VALUE.finditer(term):
        read = _read(match)
        if read is None:
            continue
        number, exponent, unit, marked = read
        if not marked:
            digits = match.group("num").replace(",", "")
            if number < _PLAIN_MIN or digits.startswith("0") or len(digits.rstrip("0").rstrip(".")) > 3:
                continue
        canonical = _canonical(number, exponent, unit)
        if canonical is not None:
            out.append(TermValue(match.start(), match.end(), canonical, match.group()))
    return out


def value_match(term: str) -> tuple[str | None, list[str]]:
    """An FTS5 MATCH expression for a search term with its values in canonical form, and its short words.

    A value written as one word matches in either spelling ("10000" finds 10 kΩ parts and part number
    10000); a value written as several words ("10 kOhm") only as the value. Words under three
    characters outside values are returned for the caller's LIKE filter (a trigram index cannot find them).
    """
    values = term_values(term)
    groups: list[list[str]] = []
    rest: list[str] = []
    position = 0
    for value in values:
        rest.append(term[position : value.start])
        position = value.end
        alternatives = [value.canonical]
        # Resistors, capacitors and inductors are often written without the unit ("10K", "100n"): the
        # value without its unit finds those too.
        for word in _PASSIVE_WORDS:
            if value.canonical.endswith(word) and not value.canonical[: -len(word)].isdigit():
                alternatives.append(value.canonical[: -len(word)])
        if not any(ch.isspace() for ch in value.text):
            alternatives.append(fold(value.text) or "")
        alternatives = [a for a in dict.fromkeys(alternatives) if len(a) >= 3]
        if alternatives:
            groups.append(alternatives)
        else:
            rest.append(" " + value.text + " ")
    rest.append(term[position:])
    words = " ".join(rest).split()
    long_words = [w for w in (fold(" ".join(words)) or "").split() if len(w) >= 3]
    clauses = [fts_phrase(w) for w in long_words]
    for alternatives in groups:
        phrases = [fts_phrase(a) for a in alternatives]
        clauses.append(phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")")
    return (" AND ".join(clauses) or None), [w for w in words if len(w) < 3]
