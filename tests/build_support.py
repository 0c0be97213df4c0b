"""A project and its BOM lines written straight into the tables (the BOM import is another module's job)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from makermatrix_edge.services import Services

NOW = "2026-01-01T00:00:00Z"


def add_project(services: Services, name: str, lines: list[dict[str, Any]]) -> str:
    """A project with one BOM line per dict: designators, qty (per board), part_id, dnp, value, mpn, numbers."""
    project_id = str(uuid.uuid4())

    def write(db: Any) -> None:
        db.execute(
            "INSERT INTO projects (id, name, slug, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            [project_id, name, name.lower().replace(" ", "-"), NOW, NOW],
        )
        for position, line in enumerate(lines):
            db.execute(
                "INSERT INTO bom_lines (project_id, position, designators, quantity_per_board, value, mpn, "
                "supplier_numbers, dnp, part_id, match_reason, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [project_id, position, line.get("designators", ""), line.get("qty", 1), line.get("value"),
                 line.get("mpn"), json.dumps(line.get("numbers", {})), int(line.get("dnp", False)),
                 line.get("part_id"), "pinned" if line.get("part_id") else None, NOW, NOW],
            )  # fmt: skip

    services.db.write_sync(write)
    return project_id


def movements(services: Services, part_id: str) -> list[tuple[int, int, str, str]]:
    """(delta, quantity_after, reason, source) of the part's stock movements, oldest first."""
    rows = services.db.read_sync(
        lambda db: db.execute(
            "SELECT delta, quantity_after, reason, source FROM stock_movements WHERE part_id = ? ORDER BY id", [part_id]
        ).fetchall()
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]
