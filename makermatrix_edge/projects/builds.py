"""Builds: start one of N boards (reserves the parts), complete it (takes the stock), cancel it, reverse it.

Each step is one write transaction on the database's writer: the check and the reservation
cannot be split by another build, and a refusal writes nothing. Completing takes one stock
movement per part that names the build, each listed in build_movements; the reversal gives back
exactly those, so the parts' histories still add up to their quantities.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import sqlite_utils

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Conflict, InvalidInput, NotFound
from makermatrix_edge.inventory import stock
from makermatrix_edge.projects import buildable
from makermatrix_edge.projects.buildable import Buildable, ProjectSummary
from makermatrix_edge.runtime.events import EventBus
from makermatrix_edge.suppliers import catalogue
from makermatrix_edge.suppliers.carts import CartFile, CartLine, cart_file

MAX_NOTE = 200


class Shortage(Conflict):
    """Not enough on the shelf for the build asked; `details` holds the full answer (lines, cost, suppliers)."""

    def __init__(self, message: str, answer: Buildable) -> None:
        super().__init__(message)
        self.details = answer


class BuildPart(msgspec.Struct):
    part_id: str
    part_name: str | None
    designators: str
    per_board: int
    reserved: int  # still held for the boards not built yet (0 once closed)
    taken: int  # taken from stock by this build, net of a reversal


class BuildView(msgspec.Struct):
    id: str
    number: int
    project_id: str
    project_name: str
    quantity: int
    built: int
    remaining: int
    status: str  # open, completed, cancelled, reversed
    partial: bool  # closed with fewer boards built than started
    username: str | None
    note: str | None
    created_at: str
    updated_at: str
    closed_at: str | None
    parts: list[BuildPart]
    message: str


def _words(b: BuildView) -> str:
    n = f"Build #{b.number} of {b.project_name}"
    if b.status == "open":
        if b.built:
            return f"{n}: {b.built} of {b.quantity} built; {b.remaining} still reserved (complete or cancel the rest)."
        return f"{n}: {b.quantity} board{'s' if b.quantity > 1 else ''} reserved, not built yet."
    if b.status == "completed":
        if b.partial:
            return f"{n}: completed with {b.built} of {b.quantity} built; the rest was released."
        return f"{n}: {b.built} built; the parts were taken from stock."
    if b.status == "cancelled":
        return f"{n}: cancelled; its parts were released."
    return f"{n}: reversed; the parts of {b.built} board{'s' if b.built != 1 else ''} were put back in stock."


_BUILD = (
    "SELECT b.id, b.seq, b.project_id, p.name, b.quantity, b.built, b.status, b.username, b.note, b.created_at, "
    "b.updated_at, b.closed_at FROM builds b JOIN projects p ON p.id = b.project_id"
)


def _view(db: sqlite_utils.Database, row: Any) -> BuildView:
    bid, seq, pid, pname, qty, built, status, user, note, created, updated, closed = row
    left = qty - built if status == "open" else 0
    taken = {
        r[0]: -int(r[1])
        for r in db.execute(
            "SELECT part_id, SUM(delta) FROM build_movements WHERE build_id = ? GROUP BY part_id", [bid]
        )
    }
    parts = [
        BuildPart(r[0], r[1], r[2], int(r[3]), int(r[3]) * left, taken.pop(r[0], 0))
        for r in db.execute(
            "SELECT bl.part_id, p.part_name, group_concat(bl.designators, ', '), SUM(bl.per_board) "
            "FROM build_lines bl LEFT JOIN parts p ON p.id = bl.part_id WHERE bl.build_id = ? "
            "GROUP BY bl.part_id ORDER BY min(bl.id)",
            [bid],
        )
    ]
    partial = status in ("completed", "reversed") and built < qty
    view = BuildView(bid, seq, pid, pname, qty, built, left, status, partial, user, note, created, updated, closed,
                     parts, "")  # fmt: skip
    view.message = _words(view)
    return view


def _load(db: sqlite_utils.Database, build_id: str) -> BuildView:
    row = db.execute(f"{_BUILD} WHERE b.id = ?", [build_id]).fetchone()
    if row is None:
        raise NotFound(f"No build with id {build_id!r}")
    return _view(db, row)


def _open(db: sqlite_utils.Database, build_id: str, doing: str) -> BuildView:
    build = _load(db, build_id)
    if build.status != "open":
        raise Conflict(f"Cannot {doing} build #{build.number}: it is already {build.status}.")
    return build


class BuildService:
    def __init__(self, db: Database, clock: Clock, events: EventBus | None = None) -> None:
        self._db = db
        self._clock = clock
        self._events = events or EventBus(clock)

    async def buildable(self, project_id: str, quantity: int) -> Buildable:
        buildable.check_quantity(quantity)
        return await self._db.read(lambda db: buildable.check(db, project_id, quantity))

    async def summaries(self) -> list[ProjectSummary]:
        return await self._db.read(buildable.summaries)

    async def find_projects(self, text: str) -> list[tuple[str, str]]:
        """(id, name) of the projects the words name, best first (for the assistant)."""
        return await self._db.read(lambda db: buildable.find_projects(db, text))

    async def start(self, project_id: str, quantity: int, actor: Principal | None, note: str = "") -> BuildView:
        """Reserve the parts of `quantity` boards; Shortage (with the lines) when the shelf cannot."""
        buildable.check_quantity(quantity)
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise InvalidInput(f"must be at most {MAX_NOTE} characters", "note")
        now = iso(self._clock())

        def reserve(db: sqlite_utils.Database) -> BuildView:
            answer = buildable.check(db, project_id, quantity)
            if answer.max_buildable < quantity:
                detail = buildable.shortage_words(answer) or answer.message
                raise Shortage(f"Cannot start a build of {quantity}: {answer.message} Short: {detail}.", answer)
            build_id = str(uuid.uuid4())
            db.execute(
                "INSERT INTO builds (id, project_id, quantity, note, user_id, username, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [build_id, answer.project_id, quantity, note or None, actor.user_id if actor else None,
                 actor.username if actor else None, now, now],
            )  # fmt: skip
            db.execute(
                "INSERT INTO build_lines (build_id, bom_line_id, part_id, designators, per_board) "
                "SELECT ?, id, part_id, designators, quantity_per_board FROM bom_lines "
                "WHERE project_id = ? AND dnp = 0 AND quantity_per_board > 0 AND part_id IS NOT NULL "
                "ORDER BY position, id",
                [build_id, answer.project_id],
            )
            return _load(db, build_id)

        done = await self._db.write(reserve)
        self._events.entity("created", "build", done.id, done.message, actor)
        return done

    async def complete(self, build_id: str, actor: Principal | None, quantity: int | None = None) -> BuildView:
        """Take the stock of `quantity` boards (default: all not built yet) in one step."""
        if quantity is not None:
            buildable.check_quantity(quantity)
        now = iso(self._clock())

        def take(db: sqlite_utils.Database) -> tuple[BuildView, list[str]]:
            build = _open(db, build_id, "complete")
            boards = build.remaining if quantity is None else quantity
            if boards > build.remaining:
                raise InvalidInput(
                    f"build #{build.number} has {build.remaining} board(s) left to build, not {boards}", "quantity"
                )
            wanted = {p.part_id: p.per_board * boards for p in build.parts}
            have = {p: stock.last_quantity(db, p) for p in wanted}
            gone = [p.designators or p.part_id for p in build.parts if p.part_name is None]
            if gone:
                raise Conflict(f"Cannot complete build #{build.number}: the part of {', '.join(gone)} was deleted.")
            short = [f"{p.part_name} has {have[p.part_id]}, needs {wanted[p.part_id]}" for p in build.parts
                     if have[p.part_id] < wanted[p.part_id]]  # fmt: skip
            if short:
                raise Conflict(
                    f"Cannot complete build #{build.number}: stock changed since it started ({'; '.join(short)}). "
                    "Count the parts or complete fewer boards."
                )
            reason = f"build #{build.number} of {build.project_name}: {boards} board{'s' if boards > 1 else ''}"
            for part_id, n in wanted.items():
                self._move(db, build.id, part_id, have[part_id] - n, reason, boards, actor, now)
            closing = build.built + boards == build.quantity
            db.execute(
                "UPDATE builds SET built = built + ?, status = ?, updated_at = ?, closed_at = ? WHERE id = ?",
                [boards, "completed" if closing else "open", now, now if closing else None, build.id],
            )
            return _load(db, build.id), list(wanted)

        done, moved = await self._db.write(take)
        self._announce(done, moved, actor)
        return done

    def _move(
        self,
        db: sqlite_utils.Database,
        build_id: str,
        part_id: str,
        new_quantity: int,
        reason: str,
        boards: int,
        actor: Principal | None,
        now: str,
    ) -> None:
        delta = stock.record(
            db, part_id, new_quantity=new_quantity, reason=reason, source="build", actor=actor, now=now
        )
        if delta == 0:
            return
        movement = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        db.execute("UPDATE parts SET quantity = ?, updated_at = ? WHERE id = ?", [new_quantity, now, part_id])
        db.execute(
            "INSERT INTO build_movements (build_id, movement_id, part_id, delta, boards) VALUES (?, ?, ?, ?, ?)",
            [build_id, movement, part_id, delta, boards],
        )

    async def cancel(self, build_id: str, actor: Principal | None) -> BuildView:
        """Release what the build still reserves; a build partly built closes as completed with what was built."""
        now = iso(self._clock())

        def release(db: sqlite_utils.Database) -> BuildView:
            build = _open(db, build_id, "cancel")
            status = "completed" if build.built else "cancelled"
            db.execute(
                "UPDATE builds SET status = ?, updated_at = ?, closed_at = ? WHERE id = ?", [status, now, now, build.id]
            )
            return _load(db, build.id)

        done = await self._db.write(release)
        self._events.entity("updated", "build", done.id, done.message, actor)
        return done

    async def reverse(self, build_id: str, actor: Principal | None) -> BuildView:
        """Give back every part the completed build took, as one action."""
        now = iso(self._clock())

        def give_back(db: sqlite_utils.Database) -> tuple[BuildView, list[str]]:
            build = _load(db, build_id)
            if build.status != "completed":
                why = "it is still open: cancel it instead" if build.status == "open" else f"it is {build.status}"
                raise Conflict(f"Cannot reverse build #{build.number}: {why}.")
            taken = [p for p in build.parts if p.taken]
            gone = [p.designators or p.part_id for p in taken if p.part_name is None]
            if gone:
                raise Conflict(
                    f"Cannot reverse build #{build.number}: the part of {', '.join(gone)} was deleted since; "
                    "add the parts back by hand."
                )
            reason = f"build #{build.number} of {build.project_name} reversed"
            for p in taken:
                current = stock.last_quantity(db, p.part_id)
                self._move(db, build.id, p.part_id, current + p.taken, reason, -build.built, actor, now)
            db.execute("UPDATE builds SET status = 'reversed', updated_at = ? WHERE id = ?", [now, build.id])
            return _load(db, build.id), [p.part_id for p in taken]

        done, moved = await self._db.write(give_back)
        self._announce(done, moved, actor)
        return done

    def _announce(self, build: BuildView, parts: list[str], actor: Principal | None) -> None:
        self._events.entity("updated", "build", build.id, build.message, actor)
        for p in build.parts:
            if p.part_id in parts:
                self._events.entity("updated", "part", p.part_id, p.part_name, actor, changes={"build": build.id})

    async def get(self, build_id: str) -> BuildView:
        return await self._db.read(lambda db: _load(db, build_id))

    async def list_builds(self, project_id: str) -> list[BuildView]:
        def load(db: sqlite_utils.Database) -> list[BuildView]:
            pid, _ = buildable.project_row(db, project_id)
            rows = db.execute(f"{_BUILD} WHERE b.project_id = ? ORDER BY b.seq DESC", [pid]).fetchall()
            return [_view(db, r) for r in rows]

        return await self._db.read(load)

    async def shortage_cart(self, project_id: str, quantity: int, supplier: str) -> CartFile:
        """The parts missing for `quantity` boards bought from `supplier`, in its cart format."""
        if supplier not in catalogue.KEYS:
            raise NotFound(f"No cart format for supplier {supplier!r}; known: {catalogue.either(list(catalogue.KEYS))}")
        answer = await self.buildable(project_id, quantity)
        lines = [
            CartLine(
                ln.supplier_number,
                ln.short,
                mpn=ln.mpn,
                manufacturer=ln.manufacturer,
                reference=ln.designators,
                description=ln.part_name or ln.value,
            )
            for ln in answer.lines
            if ln.short and ln.supplier == supplier and ln.supplier_number
        ]
        if not lines:
            raise NotFound(f"Nothing short for {quantity} of {answer.project_name} is bought from "
                           f"{catalogue.get(supplier).display_name}")  # fmt: skip
        return cart_file(supplier, lines, f"{answer.project_name}-x{quantity}")
