"""Writing what a supplier said into a part, inside one write transaction, without overwriting a person's values.

A field is filled when it is empty, or when it still holds what an earlier enrichment wrote (so a
refresh keeps supplier data current); anything else is a person's and stays unless `overwrite`.
Every change is one row of `enrichment_log` (who, what, old, new, when).
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
import sqlite_utils

from makermatrix_edge.db import sql
from makermatrix_edge.inventory import queries
from makermatrix_edge.inventory.components import write_specs
from makermatrix_edge.suppliers.models import PartDetails

# Supplier parameter names (lower case, matched by prefix) -> the component spec they fill, so that
# parametric search ("v_max_min=40V") finds enriched parts: write_specs reads them with the unit parser.
SPEC_PARAMETERS: tuple[tuple[str, str], ...] = (
    ("voltage - collector emitter breakdown", "v_max"),
    ("drain to source voltage", "v_max"),
    ("voltage - rated", "v_max"),
    ("voltage rating", "v_max"),
    ("voltage - dc reverse", "v_max"),
    ("vceo", "v_max"),
    ("current - collector (ic)", "i_max"),
    ("current - continuous drain", "i_max"),
    ("current - average rectified", "i_max"),
    ("current rating", "i_max"),
    ("current - output", "i_out_max"),
    ("power - max", "power_max"),
    ("power (watts)", "power_max"),
    ("pd - power dissipation", "power_max"),
    ("rds on", "rds_on"),
    ("vgs(th)", "vgs_th"),
    ("vgs (max)", "vgs_max"),
    ("voltage - forward (vf)", "vf"),
    ("transistor type", "technology"),
    ("fet type", "channel"),
)


class Who(msgspec.Struct, frozen=True):
    user_id: str | None
    username: str | None
    task_id: str | None


class Applied(msgspec.Struct):
    changed: list[str]
    kept: list[str]  # fields a person had set, left alone


def spec_values(details: PartDetails) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in details.parameters.items():
        key = name.lower()
        for prefix, field in SPEC_PARAMETERS:
            if key.startswith(prefix) and field not in out:
                # "100mA @ 5V, 10mA": the headline value is what comes before the first comma.
                out[field] = re.split(r",\s", value, maxsplit=1)[0]
    if details.package:
        out["package"] = details.package
    return out


def _last_written(db: sqlite_utils.Database, part_id: str) -> dict[str, str | None]:
    rows = db.execute(
        "SELECT field, new_value FROM enrichment_log WHERE id IN "
        "(SELECT max(id) FROM enrichment_log WHERE part_id = ? GROUP BY field)",
        [part_id],
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def _json_len(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class PartWriter:
    """Collects the changes for one part, honouring the protection rule; `log` is written by `finish`."""

    def __init__(self, db: sqlite_utils.Database, part: dict[str, Any], overwrite: bool, supplier: str) -> None:
        self.db = db
        self.part = part
        self.overwrite = overwrite
        self.supplier = supplier
        self.last = _last_written(db, part["id"])
        self.columns: dict[str, Any] = {}
        self.props: dict[str, Any] = json.loads(part["additional_properties"] or "{}")
        self.props_changed = False
        self.props_chars = _json_len(self.props)
        self.log: list[tuple[str, str | None, str | None]] = []
        self.kept: list[str] = []
        self.no_room: list[str] = []  # properties left out: the part holds no more (queries.encode_properties)

    def _may(self, field: str, current: Any, new: Any) -> bool:
        if new is None or new == "" or current == new:
            return False
        if current in (None, "") or self.overwrite or _text(current) == self.last.get(field):
            return True
        self.kept.append(field)
        return False

    def column(self, name: str, value: Any) -> None:
        if self._may(name, self.part.get(name), value):
            self.log.append((name, _text(self.part.get(name)), _text(value)))
            self.columns[name] = value

    def _room_for(self, key: str, value: Any) -> bool:
        if key in self.props:
            grows = _json_len(value) - _json_len(self.props[key])
        else:
            if len(self.props) >= queries.MAX_PROPERTY_KEYS:
                return False
            grows = _json_len(key) + 1 + _json_len(value) + (1 if self.props else 0)  # "key":value and a comma
        if self.props_chars + grows > queries.MAX_PROPERTIES_CHARS:
            return False
        self.props_chars += grows
        return True

    def prop(self, key: str, value: Any) -> None:
        field = f"properties.{key}"
        if self._may(field, self.props.get(key), value):
            if not self._room_for(key, value):
                self.no_room.append(key)
                return
            self.log.append((field, _text(self.props.get(key)), _text(value)))
            self.props[key] = value
            self.props_changed = True

    def specs(self, values: dict[str, str]) -> None:
        row = self.db.execute("SELECT * FROM component_specs WHERE part_id = ?", [self.part["id"]]).fetchone()
        current = dict(row) if row is not None else {}
        wanted = {}
        for field, value in values.items():
            name = f"specs.{field}"
            if self._may(name, current.get(field), value):
                self.log.append((name, _text(current.get(field)), value))
                wanted[field] = value
        if wanted:
            write_specs(self.db, self.part["id"], wanted)

    def note(self, field: str, old: str | None, new: str | None) -> None:
        """A change made elsewhere (a datasheet row, an offer) that belongs in the log."""
        self.log.append((field, old, new))

    def finish(self, who: Who, now: str) -> list[str]:
        if self.props_changed:
            self.columns["additional_properties"] = queries.encode_properties(self.props)
        if self.columns:
            sql.update(self.db, "parts", self.columns, where="id = ?", params=[self.part["id"]], now=now)
        for field, old, new in self.log:
            self.db.execute(
                "INSERT INTO enrichment_log (part_id, field, old_value, new_value, supplier, task_id, user_id, "
                "username, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [self.part["id"], field, old, new, self.supplier, who.task_id, who.user_id, who.username, now],
            )
        return [f for f, _, _ in self.log]


def save_offer(db: sqlite_utils.Database, part_id: str, details: PartDetails, now: str) -> None:
    breaks = [msgspec.to_builtins(b) for b in details.price_breaks]
    db.execute(
        "INSERT INTO supplier_offers (part_id, supplier, supplier_part_number, product_url, currency, price_breaks, "
        "stock, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (part_id, supplier) DO UPDATE SET "
        "supplier_part_number = excluded.supplier_part_number, product_url = excluded.product_url, "
        "currency = excluded.currency, price_breaks = excluded.price_breaks, stock = excluded.stock, "
        "fetched_at = excluded.fetched_at",
        [
            part_id,
            details.supplier,
            details.supplier_part_number,
            details.product_url,
            details.currency,
            json.dumps(breaks),
            details.stock,
            now,
        ],
    )
