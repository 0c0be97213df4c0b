"""Component spec strings ("300mA", "22mΩ @ 4.5V", "±20V", "2–4V") read as SI numbers, the text kept as given.

Grammar, after trimming: ``[± | +/-] quantity [range-separator quantity] [note] [@ condition]`` where a
quantity is a number (or an RKM code such as "4k7", "4R7", "2n2"), an optional SI prefix and an optional unit,
with or without a space between them. A range separator is an en/em dash, "-", "~", "..", or "to"; "2-4V"
is therefore a range while "-0.5V" is a negative number. In a range the unit (and the prefix, when the low end
has none) of the high end applies to both: "2–4mA" is 2 mA to 4 mA. A word directly attached to a number must
be a unit ("25Vx" is not a number); words after a space that are not a unit form the note ("2.5V adjustable").
Anything else gives a `Measure` whose value is None.
"""

from __future__ import annotations

import math
import re
from decimal import Context, Decimal

import msgspec

from makermatrix_edge.errors import InvalidInput


class Measure(msgspec.Struct, frozen=True):
    """A spec string and what it says; `value` etc. are None when the text is not a number.

    `value` is the headline number: the number itself, x for "±x", and for a range the end with the larger
    magnitude (the high end of "2–4V"). `low`/`high` are the ends of a range (-x..x for "±x", equal for one value).
    """

    text: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    condition: Measure | None = None
    note: str | None = None
    symmetric: bool = False


# Base unit symbol -> what it measures (used in messages: "expected a current in A").
UNITS: dict[str, str] = {
    "V": "voltage",
    "A": "current",
    "W": "power",
    "Ω": "resistance",
    "F": "capacitance",
    "H": "inductance",
    "C": "charge",
    "s": "time",
    "Hz": "frequency",
    "%": "percentage",
}

# The unit of each ALORA electrical text field (None: a plain number such as a gain).
SPEC_FIELD_UNITS: dict[str, str | None] = {
    "v_max": "V",
    "i_max": "A",
    "power_max": "W",
    "gain_min": None,
    "gain_max": None,
    "rds_on": "Ω",
    "vgs_max": "V",
    "vgs_th": "V",
    "qg": "C",
    "ciss": "F",
    "vf": "V",
    "trr": "s",
    "cj": "F",
    "v_in_max": "V",
    "v_out": "V",
    "i_out_max": "A",
    "accuracy": "%",
}

_PREFIXES: dict[str, int] = {
    "p": -12, "n": -9, "u": -6, "µ": -6, "μ": -6, "m": -3,
    "k": 3, "K": 3, "M": 6, "G": 9, "T": 12,
}  # fmt: skip
# Unit spellings matched exactly; lower-case letters are common in shop listings ("100uf", "300ma", "10r").
_SYMBOLS: dict[str, str] = {
    "V": "V", "v": "V", "A": "A", "a": "A", "W": "W", "w": "W",
    "Ω": "Ω", "\u2126": "Ω", "R": "Ω", "r": "Ω",
    "F": "F", "f": "F", "H": "H", "C": "C", "s": "s", "Hz": "Hz", "%": "%",
}  # fmt: skip
# Unit words matched ignoring case.
_WORDS: dict[str, str] = {
    "ohm": "Ω", "ohms": "Ω", "hz": "Hz", "volt": "V", "volts": "V",
    "amp": "A", "amps": "A", "watt": "W", "watts": "W", "henry": "H", "farad": "F",
}  # fmt: skip

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
# RKM code: the letter stands for the decimal point ("4k7" = 4.7k, "4R7" = 4.7 Ω, "4V7" = 4.7 V).
_RKM = re.compile(r"([+-]?)([0-9]+)([pnuµμmkKMGTRrVv])([0-9]+)")
_WORD = re.compile(r"[^\W\d_]+|%")
_SYMMETRIC = re.compile(r"(?:±|\+\s*/\s*-|\+-)\s*")
_RANGE_SEPARATOR = re.compile(r"\s*(?:[–—‒~…-]|\.\.|to(?![^\W\d_]))\s*", re.IGNORECASE)
_SPACES = re.compile(r"\s*")
_CONTEXT = Context(prec=40, traps=[])
_MAX_CONDITION_DEPTH = 3


class _Quantity(msgspec.Struct, frozen=True):
    number: Decimal
    exponent: int  # power of ten from the prefix or RKM letter
    prefixed: bool
    unit: str | None


def _unit_word(word: str) -> tuple[int, str | None] | None:
    """(power of ten, unit) for a prefix and/or unit word such as "mA", "kΩ", "k", "GHz"; None if not one."""
    unit = _SYMBOLS.get(word) or _WORDS.get(word.lower())
    if unit is not None:
        return 0, unit
    if word in _PREFIXES:
        return _PREFIXES[word], None
    head, rest = word[:1], word[1:]
    unit = _SYMBOLS.get(rest) or _WORDS.get(rest.lower())
    if head in _PREFIXES and unit is not None and unit != "%":
        return _PREFIXES[head], unit
    return None


def _quantity(s: str, i: int) -> tuple[_Quantity, int] | None:
    """The quantity starting at s[i] and where it ends; None if there is none (or it is malformed)."""
    exponent, prefixed, unit = 0, False, None
    if rkm := _RKM.match(s, i):
        sign, whole, letter, fraction = rkm.groups()
        number = Decimal(f"{sign}{whole}.{fraction}")
        if letter in _PREFIXES:
            exponent, prefixed = _PREFIXES[letter], True
        else:
            unit = _SYMBOLS[letter]
        end = rkm.end()
    elif plain := _NUMBER.match(s, i):
        number, end = Decimal(plain.group()), plain.end()
    else:
        return None
    gap = _SPACES.match(s, end)
    assert gap is not None  # r"\s*" always matches
    word = _WORD.match(s, gap.end())
    if word is not None:
        meaning = _unit_word(word.group())
        if meaning is not None:
            word_exponent, word_unit = meaning
            if (rkm and word_exponent) or (unit and word_unit and unit != word_unit):
                return None  # "4k7mA", "4R7kΩ", "4R7V"
            exponent += word_exponent
            prefixed = prefixed or word_exponent != 0
            unit = unit or word_unit
            end = word.end()
        elif gap.end() == end:
            return None  # a word glued to the number that is not a unit: "25Vx", "10kg"
    return _Quantity(number, exponent, prefixed, unit), end


def _si(q: _Quantity) -> float | None:
    value = float(q.number.scaleb(q.exponent, _CONTEXT))
    return value if math.isfinite(value) else None


def _main(text: str) -> Measure | None:
    """The measure for text without a condition; None when it is not a number."""
    s = text.strip().replace("\u2212", "-")  # U+2212 MINUS SIGN
    symmetric = _SYMMETRIC.match(s)
    start = symmetric.end() if symmetric else 0
    first = _quantity(s, start)
    if first is None:
        return None
    low, end = first
    high = low
    separator = _RANGE_SEPARATOR.match(s, end)
    if separator is not None and not symmetric and (second := _quantity(s, separator.end())) is not None:
        high, end = second
        if low.unit and high.unit and low.unit != high.unit:
            return None
        if not low.prefixed and low.unit is None:
            low = _Quantity(low.number, high.exponent, high.prefixed, high.unit)
        unit = high.unit or low.unit
        low, high = msgspec.structs.replace(low, unit=unit), msgspec.structs.replace(high, unit=unit)
    rest = s[end:]
    if rest and not (rest[0].isspace() or rest[0] in ",;("):
        return None
    note = rest.strip().lstrip(",;").strip() or None
    a, b = _si(low), _si(high)
    if a is None or b is None:
        return None
    if symmetric:
        a, b = -abs(a), abs(a)
        return Measure(text, abs(a), a, b, low.unit, None, note, True)
    a, b = min(a, b), max(a, b)
    value = b if abs(b) >= abs(a) else a
    return Measure(text, value, a, b, high.unit, None, note, False)


def _parse(text: str, depth: int) -> Measure:
    main, at, condition_text = text.partition("@") if depth < _MAX_CONDITION_DEPTH else (text, "", "")
    measure = _main(main)
    if measure is None:
        return Measure(text)
    condition = _parse(condition_text.strip(), depth + 1) if at and condition_text.strip() else None
    return msgspec.structs.replace(measure, text=text, condition=condition)


def parse(text: str | None) -> Measure | None:
    """Read a spec string; None for None or blank. Never raises: unreadable text gives value None."""
    if text is None or not text.strip():
        return None
    return _parse(text, 0)


def normalize_unit(unit: str) -> str:
    """The base unit symbol for a spelling such as "V", "ohm", "Ω", "hz"; ValueError if unknown."""
    found = _SYMBOLS.get(unit) or _WORDS.get(unit.lower())
    if found is None:
        raise ValueError(f"unknown unit {unit!r}")
    return found


def si_value(text: str | None, expected_unit: str | None = None) -> float | None:
    """The number for a numeric column: the magnitude, in SI base units.

    "-200V" gives 200, "±20V" gives 20, "2–4V" gives 4 (the larger magnitude of the ends), "5Ω @ 4.5V" gives 5.
    None when the text is not a number or carries a unit other than `expected_unit`; a plain number is taken
    in `expected_unit`. Use `parse` for a range's low and high ends or the sign.
    """
    measure = parse(text)
    if measure is None or measure.low is None or measure.high is None:
        return None
    if expected_unit is not None and measure.unit not in (None, normalize_unit(expected_unit)):
        return None
    return max(abs(measure.low), abs(measure.high))


def parse_filter(text: str, expected_unit: str | None, field: str) -> float:
    """A query filter value such as "40V", "100 mA", "1e-3A" or "40" (taken in `expected_unit`), as a magnitude.

    Filters compare with the numeric columns, which hold magnitudes (see `si_value`), so "-40V" reads as 40.
    One plain quantity only: a range, "±", condition or note, or another unit raises InvalidInput naming `field`.
    """
    unit = normalize_unit(expected_unit) if expected_unit else None
    wanted = f"a {UNITS[unit]} in {unit}" if unit else "a plain number"
    measure = parse(text)
    if (
        measure is None
        or measure.value is None
        or measure.low != measure.high
        or measure.symmetric
        or measure.condition is not None
        or measure.note is not None
        or measure.unit not in (None, unit)
    ):
        raise InvalidInput(f"expected {wanted}, got {text!r}", field)
    return abs(measure.value)
