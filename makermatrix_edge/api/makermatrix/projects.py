"""/api/projects: MakerMatrix's project routes, and each project's BOM (beyond MakerMatrix)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, delete, get, post, put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody

from makermatrix_edge.api.makermatrix.envelope import Envelope, error_body, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.httpkit.params import PathInt
from makermatrix_edge.httpkit.uploads import BOM_FILE_BODY_LIMIT, read_capped
from makermatrix_edge.orders.importers.base import UnreadableFile
from makermatrix_edge.projects.bom_formats import MAX_FILE_BYTES, RowsRefused
from makermatrix_edge.projects.models import (
    BomImport,
    BomLines,
    BomLineView,
    DeletedProjects,
    PartLink,
    PartProjects,
    PinLine,
    ProjectCreate,
    ProjectList,
    ProjectParts,
    ProjectUpdate,
    ProjectView,
)
from makermatrix_edge.services import Services

Id = Annotated[str, msgspec.Meta(max_length=100)]
Notes = Annotated[str, msgspec.Meta(max_length=4000)]


class BomForm(msgspec.Struct):
    file: UploadFile | None = None


class ProjectsController(Controller):
    path = "/projects"
    tags = ["projects"]

    @get("/", opt=access("projects:read"))
    async def list_all(self, services: NamedDependency[Services]) -> Envelope[ProjectList]:
        return ok(ProjectList(await services.projects.list_all()), "All projects retrieved successfully")

    @post("/", opt=access("projects:create"), status_code=200)
    async def create(self, data: JSONBody[ProjectCreate], services: NamedDependency[Services]) -> Envelope[ProjectView]:
        project = await services.projects.add(data)
        return ok(project, f"Project '{project.name}' created successfully")

    @delete("/", opt=access("admin"), status_code=200)
    async def delete_all(self, services: NamedDependency[Services]) -> Envelope[DeletedProjects]:
        count = await services.projects.delete_all()
        return ok(DeletedProjects(count), f"All {count} projects removed successfully")

    @get("/parts/{part_id:str}/projects", opt=access("projects:read"))
    async def projects_of_part(
        self, part_id: FromPath[Id], services: NamedDependency[Services]
    ) -> Envelope[PartProjects]:
        found = await services.projects.projects_of(part_id)
        return ok(found, f"Retrieved {found.projects_count} projects for part")

    @get("/{project_id:str}", opt=access("projects:read"))
    async def get_one(
        self,
        project_id: FromPath[Id],
        services: NamedDependency[Services],
        name: FromQuery[Id | None] = None,
        slug: FromQuery[Id | None] = None,
    ) -> Envelope[ProjectView]:
        project = await services.projects.get(project_id, name=name, slug=slug)
        return ok(project, f"Project '{project.name}' retrieved successfully")

    @put("/{project_id:str}", opt=access("projects:update"))
    async def update(
        self, project_id: FromPath[Id], data: JSONBody[ProjectUpdate], services: NamedDependency[Services]
    ) -> Envelope[ProjectView]:
        project = await services.projects.update(project_id, data)
        return ok(project, f"Project '{project.name}' updated successfully")

    @delete("/{project_id:str}", opt=access("projects:delete"), status_code=200)
    async def delete_one(self, project_id: FromPath[Id], services: NamedDependency[Services]) -> Envelope[ProjectView]:
        project = await services.projects.delete(project_id)
        return ok(project, f"Project '{project.name}' removed successfully")

    @post("/{project_id:str}/parts/{part_id:str}", opt=access("projects:update"), status_code=200)
    async def add_part(
        self,
        project_id: FromPath[Id],
        part_id: FromPath[Id],
        services: NamedDependency[Services],
        notes: FromQuery[Notes | None] = None,
    ) -> Envelope[PartLink]:
        link = await services.projects.add_part(project_id, part_id, notes)
        return ok(link, f"Part added to project '{link.project_name}' successfully")

    @delete("/{project_id:str}/parts/{part_id:str}", opt=access("projects:update"), status_code=200)
    async def remove_part(
        self, project_id: FromPath[Id], part_id: FromPath[Id], services: NamedDependency[Services]
    ) -> Envelope[PartLink]:
        link = await services.projects.remove_part(project_id, part_id)
        return ok(link, f"Part removed from project '{link.project_name}' successfully")

    @get("/{project_id:str}/parts", opt=access("projects:read"))
    async def parts(self, project_id: FromPath[Id], services: NamedDependency[Services]) -> Envelope[ProjectParts]:
        found = await services.projects.parts_of(project_id)
        return ok(found, f"Retrieved {found.parts_count} parts for project '{found.project_name}'")

    @post(
        "/{project_id:str}/bom",
        opt=access("projects:update"),
        status_code=200,
        request_max_body_size=BOM_FILE_BODY_LIMIT,
    )
    async def import_bom(
        self,
        project_id: FromPath[Id],
        data: Annotated[BomForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        services: NamedDependency[Services],
        preview: FromQuery[bool] = False,
    ) -> Response[Any]:
        """Import a KiCad / JLCPCB BOM CSV or an MPN + quantity list; `?preview=true` writes nothing."""
        if data.file is None or not data.file.filename:
            raise UnreadableFile("Send the BOM file as the multipart field 'file'", "file")
        content = await read_capped(data.file, MAX_FILE_BYTES)
        try:
            result = await services.boms.import_file(project_id, content, data.file.filename, preview=preview)
        except RowsRefused as exc:
            items = [{"row": p.row, "reason": p.reason} for p in exc.problems]
            return Response(error_body(exc.message, {"failed_items": items}), status_code=422)
        body = Envelope(status="success", message=_import_message(result), data=result)
        return Response(msgspec.to_builtins(body), status_code=200)

    @get("/{project_id:str}/bom", opt=access("projects:read"))
    async def bom(self, project_id: FromPath[Id], services: NamedDependency[Services]) -> Envelope[BomLines]:
        found = await services.boms.lines(project_id)
        return ok(found, f"{found.line_count} BOM lines: {found.matched} matched, {found.unmatched} unmatched")

    @put("/{project_id:str}/bom/lines/{line_id:int}", opt=access("projects:update"))
    async def pin(
        self,
        project_id: FromPath[Id],
        line_id: PathInt,
        data: JSONBody[PinLine],
        services: NamedDependency[Services],
    ) -> Envelope[BomLineView]:
        line = await services.boms.pin(project_id, line_id, data.part_id)
        said = f"Line {line.position} pinned to {line.part_name}" if data.part_id else f"Line {line.position} unpinned"
        return ok(line, said + (f" ({line.match_reason})" if not data.part_id else ""))


def _import_message(result: BomImport) -> str:
    said = (
        f"{result.format_name}: {result.line_count} lines, {result.matched} matched, "
        f"{result.unmatched} unmatched, {result.dnp} do not place"
    )
    if result.preview:
        return said + " (preview: nothing was written)"
    if result.replaced:
        return said + f"; replaced the project's {result.replaced} earlier lines in one step"
    return said
