"""The one way a part's quantity changes: append a stock movement, then set the quantity.

A trigger refuses any quantity that differs from the newest movement, so this module is the
only path, and a part's history always adds up to its quantity.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import InvalidInput

Source = Literal["api", "alora", "import", "scan", "print", "phone", "restore", "system", "build"]
MAX_QUANTITY = 1_000_000_000


class InsufficientStock(InvalidInput):
    """Taking more than there is; each API face words it its own way from the numbers."""

    def __init__(self, current: int, delta: int) -> None:
        super().__init__(f"only {current} in stock, cannot take {-delta}", "delta")
        self.current = current
        self.delta = delta


def last_quantity(db: sqlite_utils.Database, part_id: str) -> int:
    row = db.execute(
        "SELECT quantity_after FROM stock_movements WHERE part_id = ? ORDER BY id DESC LIMIT 1", [part_id]
    ).fetchone()
    return int(row[0]) if row else 0


def record(
    db: sqlite_utils.Database,
    part_id: str,
    *,
    new_quantity: int,
    reason: str,
    source: Source,
    actor: Principal | None,
    now: str,
    from_location_id: str | None = None,
    to_location_id: str | None = None,
) -> int:
    """Append the movement that takes the part to new_quantity; returns the delta (0 = nothing written).

    Call inside the write transaction, before writing parts.quantity. A change at a named place (stock
    added to a cassette) names it; stock taken without a place comes out of the places in their order.
    """
    if new_quantity < 0:
        raise InvalidInput("must not be negative", "quantity")
    if new_quantity > MAX_QUANTITY:
        raise InvalidInput(f"must be at most {MAX_QUANTITY}", "quantity")
    before = last_quantity(db, part_id)
    delta = new_quantity - before
    if delta == 0:
        return 0
    if delta < 0:
        _fit_allocations(db, part_id, new_quantity, source=source, actor=actor, now=now)
    _insert(db, part_id, delta, new_quantity, reason[:200] or "change", source, actor, now,
            (from_location_id, to_location_id, None))  # fmt: skip
    return delta


def _fit_allocations(
    db: sqlite_utils.Database, part_id: str, new_quantity: int, *, source: Source, actor: Principal | None, now: str
) -> None:
    """Stock taken without naming a place comes from the primary place first, then the other places.

    The other places give in the order they were made (oldest first); one emptied this way is removed,
    and each one drawn on is noted in the part's history (the movement itself stays one row).
    """
    rows = db.execute(
        "SELECT a.id, a.quantity, coalesce(l.path, l.name, '?') FROM part_allocations a "
        "LEFT JOIN locations l ON l.id = a.location_id WHERE a.part_id = ? ORDER BY a.seq",
        [part_id],
    ).fetchall()
    excess = sum(int(r[1]) for r in rows) - new_quantity  # what the primary place cannot give
    for allocation_id, held, path in rows:
        if excess <= 0:
            break
        taken = min(int(held), excess)
        excess -= taken
        if taken == held:
            db.execute("DELETE FROM part_allocations WHERE id = ?", [allocation_id])
        else:
            db.execute(
                "UPDATE part_allocations SET quantity = quantity - ?, updated_at = ? WHERE id = ?",
                [taken, now, allocation_id],
            )
        what = f"{taken} of the stock taken came from {path} (the primary place had too few)"
        note(db, part_id, what=what, source=source, actor=actor, now=now)


def transfer(
    db: sqlite_utils.Database,
    part_id: str,
    *,
    quantity: int,
    from_location_id: str | None,
    to_location_id: str | None,
    reason: str,
    source: Source,
    actor: Principal | None,
    now: str,
) -> None:
    """One movement row (delta 0) naming both places: the total and every running sum stay as they were."""
    _insert(db, part_id, 0, last_quantity(db, part_id), reason[:200], source, actor, now,
            (from_location_id, to_location_id, quantity))  # fmt: skip


def _insert(
    db: sqlite_utils.Database,
    part_id: str,
    delta: int,
    quantity_after: int,
    reason: str,
    source: Source,
    actor: Principal | None,
    now: str,
    places: tuple[str | None, str | None, int | None],
) -> None:
    """One stock movement row; `places` is (from, to, how many moved) for a transfer, else (from, to, None)."""
    db.execute(
        "INSERT INTO stock_movements (part_id, delta, quantity_after, reason, source, user_id, username, created_at, "
        "from_location_id, to_location_id, moved) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [part_id, delta, quantity_after, reason, source, actor.user_id if actor else None,
         actor.username if actor else None, now, *places],
    )  # fmt: skip


def note(
    db: sqlite_utils.Database, part_id: str, *, what: str, source: Source, actor: Principal | None, now: str
) -> None:
    """A change that moves no stock (a move, an edit), kept for the part page's history (not a movement)."""
    db.execute(
        "INSERT INTO part_changes (part_id, what, source, user_id, username, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [part_id, what[:200], source, actor.user_id if actor else None, actor.username if actor else None, now],
    )


def changes(db: sqlite_utils.Database, part_id: str, limit: int) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT what, source, username, created_at FROM part_changes WHERE part_id = ? ORDER BY id DESC LIMIT ?",
        [part_id, limit],
    ).fetchall()
    return [{"what": r[0], "source": r[1], "username": r[2], "created_at": r[3]} for r in rows]
