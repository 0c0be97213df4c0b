"""INVENTORY_AUDIT: every part's quantity against its stock movements, and the low-stock list."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from makermatrix_edge.tasks.context import TaskContext
from makermatrix_edge.tasks.registry import TaskHandler

LIST_CAP = 500  # longest list in the result; the counts are always complete
_PARTS = """
SELECT p.id, p.part_name, p.quantity, p.min_quantity,
       (SELECT coalesce(sum(m.delta), 0) FROM stock_movements m WHERE m.part_id = p.id) AS movement_total,
       (SELECT m.quantity_after FROM stock_movements m WHERE m.part_id = p.id ORDER BY m.id DESC LIMIT 1)
           AS last_quantity_after
FROM parts p ORDER BY p.part_name
"""
# A movement whose recorded quantity_after differs from the running total of the deltas up to it.
_BROKEN_CHAIN = """
SELECT part_id, count(*) AS bad, min(id) AS first_bad FROM (
    SELECT id, part_id, quantity_after,
           sum(delta) OVER (PARTITION BY part_id ORDER BY id) AS running
    FROM stock_movements)
WHERE running != quantity_after GROUP BY part_id
"""
# History of a deleted part that does not end at zero.
_ORPHANS = """
SELECT m.part_id, m.quantity_after FROM stock_movements m
WHERE m.id = (SELECT max(x.id) FROM stock_movements x WHERE x.part_id = m.part_id)
  AND m.quantity_after != 0 AND m.part_id NOT IN (SELECT id FROM parts)
"""


def _snapshot(db: sqlite_utils.Database) -> dict[str, Any]:
    """One read, so everything is checked against the same moment."""
    return {
        "parts": [dict(r) for r in db.execute(_PARTS).fetchall()],
        "broken": {r[0]: (int(r[1]), int(r[2])) for r in db.execute(_BROKEN_CHAIN).fetchall()},
        "orphans": [dict(r) for r in db.execute(_ORPHANS).fetchall()],
        "movements": int(db.execute("SELECT count(*) FROM stock_movements").fetchone()[0]),
    }


def _problems(part: dict[str, Any], broken: tuple[int, int] | None) -> list[str]:
    out = []
    last = part["last_quantity_after"] if part["last_quantity_after"] is not None else 0
    if part["quantity"] != part["movement_total"]:
        out.append(f"quantity {part['quantity']} but its movements add up to {part['movement_total']}")
    if part["quantity"] != last:
        out.append(f"quantity {part['quantity']} but the newest movement says {last}")
    if broken is not None:
        out.append(f"{broken[0]} movements disagree with the running total (first: movement {broken[1]})")
    return out


def run(ctx: TaskContext) -> dict[str, Any]:
    ctx.progress(5, "Reading parts and stock movements")
    snap = ctx.db.read_sync(_snapshot)
    parts: list[dict[str, Any]] = snap["parts"]
    inconsistent: list[dict[str, Any]] = []
    low: list[dict[str, Any]] = []
    inconsistent_count = low_count = 0
    for i, part in enumerate(parts, 1):
        problems = _problems(part, snap["broken"].get(part["id"]))
        if problems:
            inconsistent_count += 1
            if len(inconsistent) < LIST_CAP:
                inconsistent.append({"part_id": part["id"], "part_name": part["part_name"], "problems": problems})
        if part["quantity"] < part["min_quantity"]:
            low_count += 1
            if len(low) < LIST_CAP:
                low.append({k: part[k] for k in ("id", "part_name", "quantity", "min_quantity")})
        if i % 500 == 0:
            ctx.progress(10 + 85 * i // len(parts), f"Checked {i} of {len(parts)} parts")
    for orphan in snap["orphans"]:
        inconsistent_count += 1
        if len(inconsistent) < LIST_CAP:
            problem = f"deleted part's history ends at {orphan['quantity_after']}, not 0"
            inconsistent.append({"part_id": orphan["part_id"], "part_name": None, "problems": [problem]})
    summary = f"{len(parts)} parts checked: {inconsistent_count} inconsistent, {low_count} low on stock"
    ctx.progress(100, summary)
    return {
        "parts_checked": len(parts),
        "movements_checked": snap["movements"],
        "consistent": inconsistent_count == 0,
        "inconsistency_count": inconsistent_count,
        "inconsistencies": inconsistent,
        "low_stock_count": low_count,
        "low_stock": low,
        "summary": summary,
    }


def inventory_audit() -> TaskHandler:
    return TaskHandler(
        task_type="inventory_audit",
        name="Inventory audit",
        description="Checks each part's quantity against its stock movements and lists parts low on stock",
        run=run,
        permission="parts:read",
        max_retries=1,
        timeout_seconds=900,
    )
