"""Money as the pages and reorder lists show it: every amount rounded once, half up, to the cent.

A line's cost is its quantity times the unit price worked out in Decimal (0.035 x 5 is 0.175, not the
float 0.17500000000000002) and rounded half up to 0.18; a total is the sum of its lines as shown, so
the lines on a page always add up to the total above them. One function per step, used everywhere
money is shown, so no page rounds its own way.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def cents(value: float | Decimal) -> Decimal:
    """`value` rounded half up to the cent (a float read as written: 0.175 stays 0.175 before rounding)."""
    return (value if isinstance(value, Decimal) else Decimal(repr(float(value)))).quantize(CENT, ROUND_HALF_UP)


def line_cost(quantity: int, unit_price: float) -> float:
    """What `quantity` at `unit_price` costs, rounded to the cent once."""
    return float(cents(Decimal(repr(float(unit_price))) * quantity))


def total(costs: Iterable[float | None]) -> float:
    """The sum of line costs as shown (each rounded to the cent first); None counts nothing."""
    return float(sum((cents(c) for c in costs if c is not None), Decimal(0)))


def money(value: float | Decimal | None) -> str:
    """'0.18': the text of an amount, to the cent; '' for no amount."""
    return "" if value is None else f"{cents(value):.2f}"
