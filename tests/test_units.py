from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.inventory.units import Measure, parse, parse_filter, si_value

FAST = settings(max_examples=200, deadline=None)


def close(a: float | None, b: float) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)


# text -> (value, low, high, unit)
EXAMPLES: list[tuple[str, float, float, float, str | None]] = [
    ("25V", 25, 25, 25, "V"),
    ("-200V", -200, -200, -200, "V"),
    ("0.5A", 0.5, 0.5, 0.5, "A"),
    ("300mA", 0.3, 0.3, 0.3, "A"),
    ("0.625W", 0.625, 0.625, 0.625, "W"),
    ("350mW", 0.35, 0.35, 0.35, "W"),
    ("5Ω @ 4.5V", 5, 5, 5, "Ω"),
    ("22mΩ", 0.022, 0.022, 0.022, "Ω"),
    ("22 mΩ", 0.022, 0.022, 0.022, "Ω"),
    ("22mohm", 0.022, 0.022, 0.022, "Ω"),
    ("10R", 10, 10, 10, "Ω"),
    ("4R7", 4.7, 4.7, 4.7, "Ω"),
    ("10kΩ", 10e3, 10e3, 10e3, "Ω"),
    ("10k", 10e3, 10e3, 10e3, None),
    ("10K", 10e3, 10e3, 10e3, None),
    ("4k7", 4700, 4700, 4700, None),
    ("2.2MΩ", 2.2e6, 2.2e6, 2.2e6, "Ω"),
    ("2.2mΩ", 2.2e-3, 2.2e-3, 2.2e-3, "Ω"),
    ("±20V", 20, -20, 20, "V"),
    ("+/-20V", 20, -20, 20, "V"),
    ("2–4V", 4, 2, 4, "V"),
    ("2-4V", 4, 2, 4, "V"),
    ("2 to 4V", 4, 2, 4, "V"),
    ("-0.5V", -0.5, -0.5, -0.5, "V"),
    ("2.5nC", 2.5e-9, 2.5e-9, 2.5e-9, "C"),
    ("500pF", 5e-10, 5e-10, 5e-10, "F"),
    ("100µF", 1e-4, 1e-4, 1e-4, "F"),  # U+00B5 MICRO SIGN
    ("100uF", 1e-4, 1e-4, 1e-4, "F"),
    ("100μF", 1e-4, 1e-4, 1e-4, "F"),  # U+03BC GREEK SMALL LETTER MU
    ("1.0V @ 10mA", 1.0, 1.0, 1.0, "V"),
    ("0.35V @ 100mA", 0.35, 0.35, 0.35, "V"),
    ("2.5V adjustable", 2.5, 2.5, 2.5, "V"),
    ("1000mA", 1.0, 1.0, 1.0, "A"),
    ("4ns", 4e-9, 4e-9, 4e-9, "s"),
    ("±1%", 1, -1, 1, "%"),
    ("±5%", 5, -5, 5, "%"),
    ("110", 110, 110, 110, None),
    ("1.2GHz", 1.2e9, 1.2e9, 1.2e9, "Hz"),
    ("  25 V  ", 25, 25, 25, "V"),
    ("2–4mA", 4e-3, 2e-3, 4e-3, "A"),  # the high end's prefix applies to a bare low end
    ("-5 to -2V", -5, -5, -2, "V"),
    ("−12V", -12, -12, -12, "V"),  # U+2212 MINUS SIGN
    ("4V7", 4.7, 4.7, 4.7, "V"),
    ("100 mA", 0.1, 0.1, 0.1, "A"),
]


@pytest.mark.parametrize(("text", "value", "low", "high", "unit"), EXAMPLES)
def test_examples(text: str, value: float, low: float, high: float, unit: str | None) -> None:
    m = parse(text)
    assert m is not None
    assert m.text == text
    assert close(m.value, value)
    assert close(m.low, low)
    assert close(m.high, high)
    assert m.unit == unit


@pytest.mark.parametrize("text", ["N/A", "-", "see datasheet", "abc", "—", "25Vx", "4k7mA", "-40°C to +85°C", "1e999V"])
def test_not_a_number_keeps_the_text(text: str) -> None:
    assert parse(text) == Measure(text=text)


@pytest.mark.parametrize("text", [None, "", "   "])
def test_nothing_gives_none(text: str | None) -> None:
    assert parse(text) is None


def test_condition_note_and_symmetry() -> None:
    m = parse("5Ω @ 4.5V")
    assert m is not None and m.condition is not None
    assert (m.condition.value, m.condition.unit, m.condition.text) == (4.5, "V", "4.5V")
    vf = parse("1.0V @ 10mA")
    assert vf is not None and vf.condition is not None and close(vf.condition.value, 0.01)
    assert vf.condition.unit == "A"
    ref = parse("2.5V adjustable")
    assert ref is not None and ref.note == "adjustable" and ref.condition is None
    assert parse("±20V") == Measure("±20V", 20.0, -20.0, 20.0, "V", symmetric=True)
    assert parse("25V") == Measure("25V", 25.0, 25.0, 25.0, "V")
    assert parse("2–4V") == Measure("2–4V", 4.0, 2.0, 4.0, "V")


def test_milli_and_mega_differ() -> None:
    assert close(si_value("2.2MΩ"), 2.2e6)
    assert close(si_value("2.2mΩ"), 2.2e-3)
    assert close(si_value("2.2Mohm"), 2.2e6)


def test_unit_equivalent_spellings_are_equal() -> None:
    assert si_value("0.1A") == si_value("100mA") == si_value("100 mA") == si_value("1e-1A")
    assert si_value("0.3A") == si_value("300mA")


def test_si_value_gives_the_magnitude() -> None:
    assert si_value("-200V", "V") == 200
    assert si_value("±20V", "V") == 20
    assert si_value("2–4V", "V") == 4
    assert si_value("-5 to -2V", "V") == 5
    assert si_value("5Ω @ 4.5V", "Ω") == 5
    assert si_value("2.5V adjustable", "V") == 2.5
    assert si_value("±1%", "%") == 1
    assert si_value("110") == 110
    assert si_value("25", "V") == 25  # a plain number is taken in the expected unit
    assert si_value("25V", "ohm") is None  # another unit is not this column's number
    assert si_value("0.5A", "V") is None
    assert si_value("N/A", "s") is None
    assert si_value(None) is None


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("40V", "V", 40),
        ("40", "V", 40),
        ("0.1A", "A", 0.1),
        ("100mA", "A", 0.1),
        ("100 mA", "A", 0.1),
        ("1e-3A", "A", 1e-3),
        ("22mΩ", "Ω", 0.022),
        ("-40V", "V", 40),
        ("150", None, 150),
    ],
)
def test_parse_filter(text: str, unit: str | None, expected: float) -> None:
    assert close(parse_filter(text, unit, "x"), expected)


def test_parse_filter_rejects_another_unit() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_filter("40V", "A", "i_max_min")
    assert err.value.field == "i_max_min"
    assert err.value.message == "i_max_min: expected a current in A, got '40V'"


@pytest.mark.parametrize("text", ["abc", "", "N/A", "2-4V", "±20V", "40V @ 1A", "40V max", "40mA"])
def test_parse_filter_rejects_garbage(text: str) -> None:
    with pytest.raises(InvalidInput, match="v_max_min: expected a voltage in V"):
        parse_filter(text, "V", "v_max_min")


# --- properties ---

PREFIXES = {"": 0, "p": -12, "n": -9, "µ": -6, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9}
BASE_UNITS = ["", "V", "A", "W", "Ω", "F", "C", "s", "Hz"]
numbers = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False).filter(
    lambda x: x == 0 or abs(x) > 1e-250
)


@FAST
@given(numbers, st.sampled_from(sorted(PREFIXES)), st.sampled_from(BASE_UNITS), st.sampled_from(["", " "]))
def test_format_then_parse_round_trips(x: float, prefix: str, unit: str, space: str) -> None:
    m = parse(f"{x}{space}{prefix}{unit}")
    assert m is not None
    assert math.isclose(m.value or 0.0, x * 10.0 ** PREFIXES[prefix], rel_tol=1e-9)
    assert m.unit == (unit or None)


@FAST
@given(numbers)
def test_percent_round_trips(x: float) -> None:
    m = parse(f"{x}%")
    assert m is not None and m.value == x and m.unit == "%"


SPEC_ALPHABET = "0123456789.eE+-–—±/ @kKmMuµμnpGRrVAWΩ%sHzFCto,;()N"


@FAST
@given(st.one_of(st.text(), st.text(alphabet=SPEC_ALPHABET, max_size=30)))
def test_parse_never_raises_and_keeps_the_text(text: str) -> None:
    m = parse(text)
    if not text.strip():
        assert m is None
    else:
        assert m is not None and m.text == text
        if m.value is not None:
            assert m.low is not None and m.high is not None and m.low <= m.high
            assert all(math.isfinite(v) for v in (m.value, m.low, m.high))


@FAST
@given(numbers, numbers)
def test_ranges(a: float, b: float) -> None:
    a, b = min(a, b), max(a, b)
    if a == b:
        return
    m = parse(f"{a}–{b}V")
    assert m is not None
    assert (m.low, m.high, m.unit, m.symmetric) == (a, b, "V", False)


@FAST
@given(numbers.map(abs), st.sampled_from(["±", "+/-", "+-", "± "]))
def test_plus_minus(x: float, sign: str) -> None:
    m = parse(f"{sign}{x}V")
    assert m is not None
    assert (m.low, m.high, m.value, m.symmetric) == (-x, x, x, True)
