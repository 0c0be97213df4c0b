"""What goes on a label: the placeholder values of a part or a location, and the URL its QR encodes."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from makermatrix_edge.errors import NotFound
from makermatrix_edge.inventory import queries


@dataclass(frozen=True)
class LabelData:
    entity_type: str  # "part", "location", "tool" or "qr"
    entity_id: str | None
    title: str  # what a person calls it ("Resistor 10k")
    values: dict[str, str]
    qr: str | None


def public_url(configured: str, port: int) -> str:
    """The base URL phones open: [server] public_url, else http://<hostname>.local:<port>."""
    if configured.strip():
        return configured.strip().rstrip("/")
    host = socket.gethostname().split(".")[0] or "localhost"
    return f"http://{host}.local:{port}"


def part_url(base: str, part_id: str) -> str:
    return f"{base}/p/{part_id}"


def location_url(base: str, location_id: str) -> str:
    return f"{base}/l/{location_id}"


def tool_url(base: str, tool_id: str) -> str:
    return f"{base}/t/{tool_id}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def part_data(db: sqlite_utils.Database, part_id: str, base_url: str) -> LabelData:
    view = queries.part_view(db, part_id)
    if view is None:
        raise NotFound(f"No part with id {part_id}")
    values = {
        "id": view.id,
        "part_name": view.part_name,
        "part_number": _text(view.part_number),
        "manufacturer_part_number": _text(view.manufacturer_part_number),
        "manufacturer": _text(view.manufacturer),
        "description": _text(view.description),
        "quantity": str(view.quantity),
        "location": view.location.name if view.location else "",
        "location_path": view.location.path if view.location else "",
        "category": ", ".join(c.name for c in view.categories),
        "supplier": _text(view.supplier),
    }
    for key, value in (view.additional_properties or {}).items():
        values[f"prop:{key}"] = _text(value)
    return LabelData("part", view.id, view.part_name, values, part_url(base_url, view.id))


def location_data(db: sqlite_utils.Database, location_id: str, base_url: str) -> LabelData:
    row = db.execute(
        "SELECT id, name, path, description, location_type FROM locations WHERE id = ?", [location_id]
    ).fetchone()
    if row is None:
        raise NotFound(f"No location with id {location_id}")
    values = {
        "id": row["id"],
        "location": row["name"],
        "location_path": _text(row["path"]),
        "description": _text(row["description"]),
        "location_type": _text(row["location_type"]),
    }
    return LabelData("location", row["id"], row["name"], values, location_url(base_url, row["id"]))


def tool_data(db: sqlite_utils.Database, tool_id: str, base_url: str) -> LabelData:
    """A tool's label fills the part templates' places (name, number, maker...); its QR opens the tool page."""
    row = db.execute(
        "SELECT t.*, l.name AS loc_name, l.path AS loc_path FROM tools t LEFT JOIN locations l ON l.id = t.location_id "
        "WHERE t.id = ?",
        [tool_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"No tool with id {tool_id}")
    values = {
        "id": row["id"],
        "part_name": row["tool_name"],
        "tool_name": row["tool_name"],
        "part_number": _text(row["tool_number"]),
        "tool_number": _text(row["tool_number"]),
        "manufacturer_part_number": _text(row["model_number"]),
        "manufacturer": _text(row["manufacturer"]),
        "description": _text(row["description"]),
        "quantity": str(row["quantity"]),
        "location": _text(row["loc_name"]),
        "location_path": _text(row["loc_path"]),
        "category": _text(row["tool_type"]),
        "supplier": _text(row["supplier"]),
    }
    return LabelData("tool", row["id"], row["tool_name"], values, tool_url(base_url, row["id"]))
