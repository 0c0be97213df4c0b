"""Equivalent parts: pairs people recorded, and suggestions ranked from the inventory's own specs."""

from __future__ import annotations

import sqlite3

import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import BadRequest, Conflict, NotFound
from makermatrix_edge.inventory import equivalence
from makermatrix_edge.inventory.component_models import SPEC_TEXT_FIELDS, Component, Equivalent, SuggestedEquivalent
from makermatrix_edge.inventory.components import SELECT, load, money, to_component

PartRef = int | str  # an ALORA integer id, or a part UUID
POOL_LIMIT = 5000
_CANDIDATE_FIELDS = ("diode_type", "reg_type", "internal_config", "switching_type")


def resolve(db: sqlite_utils.Database, ref: PartRef) -> tuple[str, int]:
    """(uuid, seq) of a part named by either id."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        row = db.execute("SELECT id, seq FROM parts WHERE seq = ?", [int(ref)]).fetchone()
    else:
        row = db.execute("SELECT id, seq FROM parts WHERE id = ?", [ref]).fetchone()
    if row is None:
        raise NotFound(f"Component {ref} not found")
    return str(row[0]), int(row[1])


def _equivalent(db: sqlite_utils.Database, row: sqlite3.Row) -> Equivalent:
    other = load(db, row["eq_seq"])
    return Equivalent(
        id=row["id"],
        component_id=row["part_seq"],
        equivalent_id=row["eq_seq"],
        reason=row["reason"],
        part_number=other.part_number,
        marking=other.marking,
        technology=other.technology,
        package=other.package,
        v_max=other.v_max,
        i_max=other.i_max,
        unit_price=other.unit_price,
        quantity=other.quantity,
        total_value=money(other.quantity, other.unit_price),
        part_id=row["part_id"],
        equivalent_part_id=row["equivalent_part_id"],
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


_PAIR_SELECT = (
    "SELECT e.*, a.seq AS part_seq, b.seq AS eq_seq FROM equivalents e "
    "JOIN parts a ON a.id = e.part_id JOIN parts b ON b.id = e.equivalent_part_id"
)


def to_candidate(c: Component) -> equivalence.Candidate:
    specs = {f: getattr(c, f) for f in (*SPEC_TEXT_FIELDS, *_CANDIDATE_FIELDS)}
    return equivalence.Candidate(
        part_id=c.part_id,
        seq=c.id,
        part_number=c.part_number,
        marking=c.marking,
        technology=c.technology,
        polarity=c.polarity,
        channel=c.channel,
        package=c.package,
        quantity=c.quantity,
        unit_price=c.unit_price,
        **specs,
    )


class EquivalentService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def list_for(self, ref: PartRef) -> list[Equivalent]:
        def run(db: sqlite_utils.Database) -> list[Equivalent]:
            part_id, _ = resolve(db, ref)
            rows = db.execute(f"{_PAIR_SELECT} WHERE e.part_id = ? ORDER BY e.id", [part_id]).fetchall()
            return [_equivalent(db, r) for r in rows]

        return await self._db.read(run)

    async def add(self, ref: PartRef, other: PartRef, reason: str, actor: Principal | None) -> Equivalent:
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> Equivalent:
            part_id, _ = resolve(db, ref)
            other_id, other_seq = resolve(db, other)
            if part_id == other_id:
                raise BadRequest("A component cannot be its own equivalent")
            try:
                db.execute(
                    "INSERT INTO equivalents (part_id, equivalent_part_id, reason, created_by, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [part_id, other_id, reason.strip(), actor.username if actor else None, now],
                )
            except sqlite3.IntegrityError:
                raise Conflict(f"Component {other_seq} is already recorded as an equivalent") from None
            row = db.execute(f"{_PAIR_SELECT} WHERE e.part_id = ? AND e.equivalent_part_id = ?", [part_id, other_id])
            return _equivalent(db, row.fetchone())

        return await self._db.write(apply)

    async def remove(self, ref: PartRef, other: PartRef) -> None:
        def apply(db: sqlite_utils.Database) -> None:
            part_id, seq = resolve(db, ref)
            other_id, other_seq = resolve(db, other)
            gone = db.execute(
                "DELETE FROM equivalents WHERE part_id = ? AND equivalent_part_id = ?", [part_id, other_id]
            ).rowcount
            if not gone:
                raise NotFound(f"Component {other_seq} is not recorded as an equivalent of {seq}")

        await self._db.write(apply)

    async def suggest(self, ref: PartRef, limit: int) -> list[SuggestedEquivalent]:
        """Candidates from this inventory only, ranked by equivalence.suggest()."""

        def run(db: sqlite_utils.Database) -> tuple[Component, list[Component]]:
            _, seq = resolve(db, ref)
            original = load(db, seq)
            if not original.technology:
                return original, []
            rows = db.execute(
                f"{SELECT} WHERE s.technology = ? AND p.seq != ? AND coalesce(s.status, 'ACTIVE') = 'ACTIVE' LIMIT ?",
                [original.technology, seq, POOL_LIMIT],
            ).fetchall()
            return original, [to_component(r) for r in rows]

        original, pool = await self._db.read(run)
        by_id = {c.part_id: c for c in pool}
        ranked = equivalence.suggest(to_candidate(original), [to_candidate(c) for c in pool], limit)
        return [
            SuggestedEquivalent(
                component=by_id[s.candidate.part_id],
                score=s.score,
                reason=s.reason,
                caveats=s.caveats,
                in_stock=s.in_stock,
            )
            for s in ranked
        ]
