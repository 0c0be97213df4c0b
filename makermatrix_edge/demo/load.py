"""Load the demo bench: a small, realistic workbench to try the daemon with.

The data is declarative (demo/bench.py, demo/alora.py); `load_demo` adds what is missing through the
services and leaves alone anything that already exists by name, so running it twice adds nothing.
It sits beside the CLI, above the services it drives.
"""

from __future__ import annotations

import asyncio

import msgspec

from makermatrix_edge.demo.alora import ALORA_COMPONENTS
from makermatrix_edge.demo.bench import DEMO_CATEGORIES, DEMO_PARTS, walk
from makermatrix_edge.demo.projects import DEMO_PROJECTS
from makermatrix_edge.errors import Conflict, NotFound
from makermatrix_edge.inventory.component_models import ComponentCreate, InventoryCreate
from makermatrix_edge.inventory.models import CategoryCreate, LocationCreate, PartCreate, PartUpdate
from makermatrix_edge.projects.models import ProjectCreate
from makermatrix_edge.services import Services


class DemoReport(msgspec.Struct):
    """What load_demo added and what it left alone because it was already there (by name)."""

    locations_added: list[str] = msgspec.field(default_factory=list)
    locations_skipped: list[str] = msgspec.field(default_factory=list)
    categories_added: list[str] = msgspec.field(default_factory=list)
    categories_skipped: list[str] = msgspec.field(default_factory=list)
    parts_added: list[str] = msgspec.field(default_factory=list)
    parts_skipped: list[str] = msgspec.field(default_factory=list)
    projects_added: list[str] = msgspec.field(default_factory=list)
    projects_skipped: list[str] = msgspec.field(default_factory=list)

    def lines(self, *, names: bool = False) -> list[str]:
        out = []
        for kind in ("locations", "categories", "parts", "projects"):
            added: list[str] = getattr(self, f"{kind}_added")
            skipped: list[str] = getattr(self, f"{kind}_skipped")
            out.append(f"{kind}: {len(added)} added, {len(skipped)} already there (left alone)")
            if names:
                out += [f"  + {n}" for n in added] + [f"  = {n}" for n in skipped]
        return out


async def _load_locations(services: Services, report: DemoReport) -> dict[str, str]:
    """Ids of every demo location by its path (matched by name under the same parent, case-insensitive)."""
    existing = {(v.parent_id or "", v.name.casefold()): v.id for v in await services.locations.list_flat()}
    ids: dict[str, str] = {}
    for parent_path, path, node in walk():
        parent_id = ids.get(parent_path)
        found = existing.get((parent_id or "", node.name.casefold()))
        if found is not None:
            report.locations_skipped.append(path)
        else:
            created = await services.locations.add(
                LocationCreate(
                    name=node.name,
                    parent_id=parent_id,
                    location_type=node.location_type,
                    description=node.description,
                )
            )
            found = created.id
            report.locations_added.append(path)
        ids[path] = found
    return ids


async def _load_categories(services: Services, report: DemoReport) -> None:
    existing = {c.name.casefold() for c in await services.categories.list_categories()}
    for name, description in DEMO_CATEGORIES:
        if name.casefold() in existing:
            report.categories_skipped.append(name)
            continue
        try:
            await services.categories.add(CategoryCreate(name=name, description=description))
        except Conflict:  # added meanwhile by someone else
            report.categories_skipped.append(name)
        else:
            report.categories_added.append(name)


async def _exists(services: Services, part_name: str) -> bool:
    try:
        await services.parts.get(part_name=part_name)
    except NotFound:
        return False
    return True


async def load_demo(services: Services) -> DemoReport:
    """Add the demo bench: what exists by name is left alone; new parts go in as one transaction."""
    report = DemoReport()
    location_ids = await _load_locations(services, report)
    await _load_categories(services, report)
    # The document's components first: on a fresh database their ALORA ids are the document's.
    await _load_components(services, report, location_ids)
    new: list[PartCreate] = []
    for part in DEMO_PARTS:
        if await _exists(services, part.part_name):
            report.parts_skipped.append(part.part_name)
        else:
            new.append(part.to_create(location_ids[part.bin]))
    if new:
        # add_many_sync blocks until the writer thread has committed; keep it off the event loop.
        await asyncio.to_thread(services.parts.add_many_sync, new, None, source="system")
        report.parts_added.extend(p.part_name for p in new)
    await _load_projects(services, report)
    return report


async def _load_projects(services: Services, report: DemoReport) -> None:
    """The demo projects with their BOMs, imported (and matched to the shelf) as a BOM file is."""
    existing = {p.name.casefold() for p in await services.projects.list_all()}
    for demo in DEMO_PROJECTS:
        if demo.name.casefold() in existing:
            report.projects_skipped.append(demo.name)
            continue
        project = await services.projects.add(
            ProjectCreate(name=demo.name, description=demo.description, status=demo.status)
        )
        await services.boms.import_file(project.id, demo.bom.encode("utf-8"), demo.bom_filename, preview=False)
        report.projects_added.append(demo.name)


async def _load_components(services: Services, report: DemoReport, location_ids: dict[str, str]) -> None:
    """The components of alora-api.md, through the ALORA services (specs, stock, free-text locations)."""
    category_ids = {c.name.casefold(): c.id for c in await services.alora_categories.list_categories(None)}
    for component in ALORA_COMPONENTS:
        if await _exists(services, component.part_number):
            report.parts_skipped.append(component.part_number)
            continue
        fields = {**component.fields, "category_id": category_ids.get(component.category.casefold())}
        created = await services.components.create(msgspec.convert(fields, ComponentCreate), None)
        in_bin = location_ids.get(component.location)
        stock = InventoryCreate(
            component_id=created.id,
            quantity=component.quantity,
            min_qty=component.min_qty,
            location=None if in_bin else component.location,
        )
        await services.component_stock.put(stock, None)
        if in_bin:
            await services.parts.update(created.part_id, PartUpdate(location_id=in_bin), None, source="system")
        report.parts_added.append(component.part_number)


async def load_demo_if_empty(services: Services) -> DemoReport | None:
    """Load the demo bench only into an inventory that has no parts yet; None when it has some."""
    if (await services.parts.counts())["parts"] > 0:
        return None
    return await load_demo(services)
