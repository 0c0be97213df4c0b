"""A project's BOM: import a file (preview or for real), read the lines with their matches, pin a line."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

import sqlite_utils

from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import InvalidInput, NotFound
from makermatrix_edge.projects import store
from makermatrix_edge.projects.bom_formats import ParsedBom, parse_bom
from makermatrix_edge.projects.matching import Shelf, match_line, rule_of
from makermatrix_edge.projects.models import BomImport, BomLine, BomLines, BomLineView, Match, PreviewLine


def _line_of(row: sqlite3.Row) -> BomLine:
    """A stored line in the shape matching reads."""
    return BomLine(
        row=row["position"],
        designators=[d for d in row["designators"].split(",") if d],
        quantity=row["quantity_per_board"],
        value=row["value"],
        footprint=row["footprint"],
        manufacturer=row["manufacturer"],
        mpn=row["mpn"],
        supplier_numbers=json.loads(row["supplier_numbers"]),
        dnp=bool(row["dnp"]),
    )


def _key(line: BomLine) -> tuple[str, str | None, str | None]:
    return ",".join(line.designators), line.value, line.footprint


def _summary(matches: list[Match], lines: list[BomLine]) -> tuple[int, int, int]:
    dnp = sum(1 for line in lines if line.dnp)
    matched = sum(1 for m in matches if m.part_id is not None)
    return matched, len(lines) - matched - dnp, dnp


class BomService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def import_file(self, project_id: str, content: bytes, filename: str, *, preview: bool) -> BomImport:
        """Read and match a BOM; unless a preview, it replaces the project's lines in one transaction."""
        await self._db.read(lambda db: store.load(db, project_id))  # an unknown project before any parsing
        parsed = await asyncio.to_thread(parse_bom, content, filename)

        def match(db: sqlite_utils.Database) -> tuple[list[Match], int]:
            # A line pinned by hand stays pinned when the same line (designators, value, footprint) comes again.
            earlier = db.execute(
                "SELECT designators, value, footprint, pinned_part_id FROM bom_lines WHERE project_id = ?",
                [project_id],
            ).fetchall()
            pins = {(r[0], r[1], r[2]): r[3] for r in earlier if r[3]}
            shelf = Shelf(db, parsed.lines, pins.values())
            return [match_line(line, shelf, pins.get(_key(line))) for line in parsed.lines], len(earlier)

        matches, replaced = await self._db.read(match)
        if not preview:
            await self._db.write(lambda db: self._replace(db, project_id, parsed, matches))
        matched, unmatched, dnp = _summary(matches, parsed.lines)
        return BomImport(
            project_id=project_id,
            file_format=parsed.file_format,
            format_name=parsed.format_name,
            preview=preview,
            lines=[
                PreviewLine(row=line.row, **_identity(line), match=m)
                for line, m in zip(parsed.lines, matches, strict=True)
            ],
            line_count=len(parsed.lines),
            matched=matched,
            unmatched=unmatched,
            dnp=dnp,
            replaced=replaced,
        )

    def _replace(self, db: sqlite_utils.Database, project_id: str, parsed: ParsedBom, matches: list[Match]) -> None:
        store.load(db, project_id)  # deleted meanwhile: NotFound, nothing written
        now = iso(self._clock())
        db.execute("DELETE FROM bom_lines WHERE project_id = ?", [project_id])
        rows = []
        for position, (line, m) in enumerate(zip(parsed.lines, matches, strict=True), start=1):
            rule = rule_of(line)
            rows.append(
                [
                    project_id,
                    position,
                    ",".join(line.designators),
                    line.quantity,
                    line.value,
                    line.footprint,
                    line.manufacturer,
                    line.mpn,
                    json.dumps(line.supplier_numbers),
                    int(line.dnp),
                    json.dumps(rule) if rule else None,
                    m.part_id if m.how == "pinned" else None,
                    m.part_id,
                    m.reason,
                    now,
                    now,
                ]
            )
        # A part deleted since matching is no match (the subquery gives NULL) rather than a foreign-key failure.
        db.conn.executemany(
            "INSERT INTO bom_lines (project_id, position, designators, quantity_per_board, value, footprint, "
            "manufacturer, mpn, supplier_numbers, dnp, rule, pinned_part_id, part_id, match_reason, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT id FROM parts WHERE id = ?), "
            "(SELECT id FROM parts WHERE id = ?), ?, ?, ?)",
            rows,
        )
        db.execute("UPDATE projects SET updated_at = ? WHERE id = ?", [now, project_id])

    async def lines(self, project_id: str) -> BomLines:
        """The project's lines with their match, its reason and the candidates the shelf offers now."""

        def run(db: sqlite_utils.Database) -> BomLines:
            project = store.load(db, project_id)
            rows = db.execute(
                "SELECT b.*, p.part_name FROM bom_lines b LEFT JOIN parts p ON p.id = b.part_id "
                "WHERE b.project_id = ? ORDER BY b.position",
                [project_id],
            ).fetchall()
            lines = [_line_of(r) for r in rows]
            shelf = Shelf(db, lines, [r["pinned_part_id"] for r in rows if r["pinned_part_id"]])
            views = [self._view(r, line, shelf) for r, line in zip(rows, lines, strict=True)]
            matched = sum(1 for v in views if v.part_id is not None)
            dnp = sum(1 for v in views if v.dnp)
            return BomLines(project.id, project.name, views, len(views), matched, len(views) - matched - dnp)

        return await self._db.read(run)

    @staticmethod
    def _view(row: sqlite3.Row, line: BomLine, shelf: Shelf) -> BomLineView:
        offered = match_line(line, shelf, row["pinned_part_id"]).candidates if not line.dnp else []
        return BomLineView(
            id=row["id"],
            position=row["position"],
            **_identity(line),
            rule=json.loads(row["rule"]) if row["rule"] else None,
            pinned_part_id=row["pinned_part_id"],
            part_id=row["part_id"],
            part_name=row["part_name"],
            match_reason=row["match_reason"],
            candidates=offered,
        )

    async def pin(self, project_id: str, line_id: int, part_id: str | None) -> BomLineView:
        """Pin a line to a part, or (part_id None) give it back to automatic matching, matched again now."""
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> BomLineView:
            store.load(db, project_id)
            row = db.execute(
                "SELECT * FROM bom_lines WHERE id = ? AND project_id = ?", [line_id, project_id]
            ).fetchone()
            if row is None:
                raise NotFound(f"BOM line {line_id} not found in this project")
            line = _line_of(row)
            if part_id is not None:
                part = db.execute("SELECT part_name FROM parts WHERE id = ?", [part_id]).fetchone()
                if part is None:
                    raise NotFound(f"Part not found with identifier: {part_id}")
                if line.dnp:
                    raise InvalidInput("this line is do-not-place; nothing is taken from the shelf for it", "part_id")
                reason: Any = f"Pinned by hand: {part['part_name']}"
                matched: str | None = part_id
            else:
                m = match_line(line, Shelf(db, [line]))
                matched, reason = m.part_id, m.reason
            db.execute(
                "UPDATE bom_lines SET pinned_part_id = ?, part_id = ?, match_reason = ?, updated_at = ? WHERE id = ?",
                [part_id, matched, reason, now, line_id],
            )
            fresh = db.execute(
                "SELECT b.*, p.part_name FROM bom_lines b LEFT JOIN parts p ON p.id = b.part_id WHERE b.id = ?",
                [line_id],
            ).fetchone()
            return self._view(fresh, line, Shelf(db, [line], [part_id] if part_id else []))

        return await self._db.write(apply)


def _identity(line: BomLine) -> dict[str, Any]:
    """What a BOM line says of its part, as the preview and the stored line both show it."""
    return {
        "designators": line.designators,
        "quantity_per_board": line.quantity,
        "value": line.value,
        "footprint": line.footprint,
        "manufacturer": line.manufacturer,
        "mpn": line.mpn,
        "supplier_numbers": line.supplier_numbers,
        "dnp": line.dnp,
    }
