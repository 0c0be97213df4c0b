"""Projects as MakerMatrix has them: create, read, update, delete, and parts tagged to a project."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from typing import Any

import sqlite_utils

from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.errors import Conflict, InvalidInput, NotFound
from makermatrix_edge.projects.models import (
    LocationBrief,
    PartLink,
    PartProjects,
    ProjectCreate,
    ProjectPart,
    ProjectParts,
    ProjectUpdate,
    ProjectView,
)

_SELECT = (
    "SELECT pr.*, (SELECT count(*) FROM project_parts pp WHERE pp.project_id = pr.id) AS parts_count FROM projects pr"
)


def slug_of(name: str) -> str:
    """'Golf Cart Harness!' -> 'golf-cart-harness' (MakerMatrix's rule: word characters, spaces to hyphens)."""
    slug = re.sub(r"[^\w\s-]", "", name.lower().strip())
    return re.sub(r"[-\s]+", "-", slug).strip("-")


def _json(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    value = json.loads(text)
    return value if isinstance(value, dict) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def view_of(row: sqlite3.Row) -> ProjectView:
    return ProjectView(
        id=row["id"],
        name=row["name"],
        slug=row["slug"],
        description=row["description"],
        status=row["status"],
        image_url=row["image_url"],
        links=_json(row["links"]),
        project_metadata=_json(row["project_metadata"]),
        parts_count=int(row["parts_count"]),
        estimated_cost=row["estimated_cost"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        completed_at=row["completed_at"],
    )


def load(db: sqlite_utils.Database, project_id: str) -> ProjectView:
    """The project, or NotFound in MakerMatrix's words (its clients look for "not found")."""
    row = db.execute(f"{_SELECT} WHERE pr.id = ?", [project_id]).fetchone()
    if row is None:
        raise NotFound(f"Project not found with identifier: {project_id}")
    return view_of(row)


def _check_unique(db: sqlite_utils.Database, name: str, slug: str, other_than: str | None) -> None:
    for column, value in (("name", name), ("slug", slug)):
        row = db.execute(f"SELECT id FROM projects WHERE {column} = ? AND id IS NOT ?", [value, other_than]).fetchone()
        if row is not None:
            raise Conflict(f"Project with {column} '{value}' already exists")


def _metadata(value: dict[str, Any] | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            raise InvalidInput("must be a JSON object", "project_metadata") from None
        if not isinstance(parsed, dict):
            raise InvalidInput("must be a JSON object", "project_metadata")
        value = parsed
    return json.dumps(value)


class ProjectService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def add(self, data: ProjectCreate) -> ProjectView:
        name = data.name.strip()
        if not name:
            raise InvalidInput("Project name is required", "name")
        slug = slug_of((data.slug or "").strip() or name)
        if not slug:
            raise InvalidInput("needs at least one letter or digit (the slug is made from it)", "name")
        now = iso(self._clock())
        project_id = str(uuid.uuid4())

        def insert(db: sqlite_utils.Database) -> ProjectView:
            _check_unique(db, name, slug, None)
            db.execute(
                "INSERT INTO projects (id, name, slug, description, status, image_url, links, project_metadata, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    project_id,
                    name,
                    slug,
                    data.description,
                    (data.status or "planning").strip() or "planning",
                    data.image_url,
                    json.dumps(data.links) if data.links is not None else None,
                    _metadata(data.project_metadata),
                    now,
                    now,
                ],
            )
            return load(db, project_id)

        return await self._db.write(insert)

    async def get(self, project_id: str, *, name: str | None = None, slug: str | None = None) -> ProjectView:
        """By id; MakerMatrix's front end asks `/projects/undefined?name=...` too, so a name or slug also finds it."""

        def run(db: sqlite_utils.Database) -> ProjectView:
            if db.execute("SELECT 1 FROM projects WHERE id = ?", [project_id]).fetchone() is None:
                for column, value in (("name", name), ("slug", slug)):
                    row = (
                        db.execute(f"SELECT id FROM projects WHERE {column} = ?", [value]).fetchone() if value else None
                    )
                    if row is not None:
                        return load(db, row[0])
            return load(db, project_id)

        return await self._db.read(run)

    async def list_all(self) -> list[ProjectView]:
        def run(db: sqlite_utils.Database) -> list[ProjectView]:
            return [view_of(r) for r in db.execute(f"{_SELECT} ORDER BY pr.name")]

        return await self._db.read(run)

    async def update(self, project_id: str, data: ProjectUpdate) -> ProjectView:
        changes: dict[str, Any] = {}
        if data.name is not None:
            changes["name"] = data.name.strip()
            if not changes["name"]:
                raise InvalidInput("must not be empty", "name")
        if data.slug is not None and data.slug.strip():
            changes["slug"] = slug_of(data.slug)
        elif "name" in changes:
            changes["slug"] = slug_of(changes["name"])
        if "slug" in changes and not changes["slug"]:
            raise InvalidInput("needs at least one letter or digit", "slug")
        for field in ("description", "status", "image_url", "estimated_cost", "completed_at"):
            value = getattr(data, field)
            if value is not None:
                changes[field] = value
        if data.links is not None:
            changes["links"] = json.dumps(data.links)
        if data.project_metadata is not None:
            changes["project_metadata"] = _metadata(data.project_metadata)
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> ProjectView:
            current = load(db, project_id)
            _check_unique(db, changes.get("name", current.name), changes.get("slug", current.slug), project_id)
            if changes:
                columns = ", ".join(f"{c} = ?" for c in changes)
                db.execute(
                    f"UPDATE projects SET {columns}, updated_at = ? WHERE id = ?",
                    [*changes.values(), now, project_id],
                )
            return load(db, project_id)

        return await self._db.write(apply)

    async def delete(self, project_id: str) -> ProjectView:
        """The project, its part tags and its BOM go; the parts themselves stay."""

        def remove(db: sqlite_utils.Database) -> ProjectView:
            project = load(db, project_id)
            db.execute("DELETE FROM projects WHERE id = ?", [project_id])
            return project

        return await self._db.write(remove)

    async def delete_all(self) -> int:
        def remove(db: sqlite_utils.Database) -> int:
            count = int(db.execute("SELECT count(*) FROM projects").fetchone()[0])
            db.execute("DELETE FROM projects")
            return count

        return await self._db.write(remove)

    async def add_part(self, project_id: str, part_id: str, notes: str | None) -> PartLink:
        """Tag a part to a project; tagging it again only updates the notes (as MakerMatrix does)."""
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> PartLink:
            project = load(db, project_id)
            if db.execute("SELECT 1 FROM parts WHERE id = ?", [part_id]).fetchone() is None:
                raise NotFound(f"Part not found with identifier: {part_id}")
            db.execute(
                "INSERT INTO project_parts (project_id, part_id, added_at, notes) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (project_id, part_id) DO UPDATE SET notes = coalesce(excluded.notes, notes)",
                [project_id, part_id, now, notes],
            )
            db.execute("UPDATE projects SET updated_at = ? WHERE id = ?", [now, project_id])
            count = _parts_count(db, project_id)
            return PartLink(project_id, project.name, part_id, count, notes)

        return await self._db.write(apply)

    async def remove_part(self, project_id: str, part_id: str) -> PartLink:
        now = iso(self._clock())

        def apply(db: sqlite_utils.Database) -> PartLink:
            project = load(db, project_id)
            gone = db.execute(
                "DELETE FROM project_parts WHERE project_id = ? AND part_id = ?", [project_id, part_id]
            ).rowcount
            if not gone:
                raise NotFound(f"Part {part_id} is not in project '{project.name}' (not found)")
            db.execute("UPDATE projects SET updated_at = ? WHERE id = ?", [now, project_id])
            return PartLink(project_id, project.name, part_id, _parts_count(db, project_id))

        return await self._db.write(apply)

    async def parts_of(self, project_id: str) -> ProjectParts:
        def run(db: sqlite_utils.Database) -> ProjectParts:
            project = load(db, project_id)
            rows = db.execute(
                "SELECT p.*, l.name AS loc_name, l.description AS loc_description FROM project_parts pp "
                "JOIN parts p ON p.id = pp.part_id LEFT JOIN locations l ON l.id = p.location_id "
                "WHERE pp.project_id = ? ORDER BY p.part_name",
                [project_id],
            ).fetchall()
            parts = [
                ProjectPart(
                    id=r["id"],
                    name=r["part_name"],
                    part_number=r["part_number"],
                    description=r["description"],
                    quantity=r["quantity"],
                    supplier=r["supplier"],
                    supplier_url=_text((_json(r["additional_properties"]) or {}).get("supplier_url")),
                    image_url=r["image_url"],
                    manufacturer=r["manufacturer"],
                    manufacturer_part_number=r["manufacturer_part_number"],
                    location=LocationBrief(r["location_id"], r["loc_name"], r["loc_description"])
                    if r["location_id"]
                    else None,
                )
                for r in rows
            ]
            return ProjectParts(project_id, project.name, parts, len(parts))

        return await self._db.read(run)

    async def projects_of(self, part_id: str) -> PartProjects:
        def run(db: sqlite_utils.Database) -> PartProjects:
            rows = db.execute(
                f"{_SELECT} WHERE pr.id IN (SELECT project_id FROM project_parts WHERE part_id = ?) ORDER BY pr.name",
                [part_id],
            ).fetchall()
            projects = [view_of(r) for r in rows]
            return PartProjects(part_id, projects, len(projects))

        return await self._db.read(run)


def _parts_count(db: sqlite_utils.Database, project_id: str) -> int:
    return int(db.execute("SELECT count(*) FROM project_parts WHERE project_id = ?", [project_id]).fetchone()[0])
