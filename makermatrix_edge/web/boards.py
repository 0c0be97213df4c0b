"""The project page's Boards number as typed: the number the page answers for, and what was changed, in words.

The page must open whatever the address says (a link, a half-typed number), so an unusable number
gives the nearest one that works; but never quietly: the note says what was typed and what is shown,
and the Boards field shows the number used.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from makermatrix_edge.projects.buildable import MAX_BOARDS

SHOWN_CHARS = 20  # of what was typed, in the note


def boards_asked(text: str | None) -> tuple[int, str | None]:
    """(boards, note): the whole number from 1 to MAX_BOARDS nearest to `text`, and why it differs, or None."""
    typed = (text or "").strip()
    if not typed:
        return 1, None
    shown = typed if len(typed) <= SHOWN_CHARS else typed[:SHOWN_CHARS] + "…"
    try:
        value = Decimal(typed)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        return 1, f"'{shown}' is not a number of boards: showing 1."
    if value > MAX_BOARDS:
        return MAX_BOARDS, f"{shown} boards is more than the {MAX_BOARDS} a build can be: showing {MAX_BOARDS}."
    if value < 1:
        return 1, f"{shown} boards cannot be built: showing 1, the fewest."
    whole = int(value.to_integral_value(ROUND_HALF_UP))
    if whole != value:
        return whole, f"{shown} is not a whole number of boards: showing {whole}."
    return whole, None
