"""/api/templates: MakerMatrix's label template routes over our templates (the same store as /api/printer/templates).

Bodies are our template shape (TemplateBody); a preview is rendered, not described: its PNG is what prints.
"""

from __future__ import annotations

import base64
from collections import Counter
from typing import Annotated, Any

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, PathParameter, QueryParameter

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.devices.printer.media import LabelSize, label_size
from makermatrix_edge.labels import models as m
from makermatrix_edge.labels.templates import Template, TemplateBody
from makermatrix_edge.services import Services

USE, ADMIN = "printer:use", "printer:admin"
NewName = Annotated[str, QueryParameter(min_length=1, max_length=80)]
Search = Annotated[str | None, QueryParameter(max_length=200)]
Query = Annotated[str, QueryParameter(name="query", min_length=1, max_length=200)]
Millimetres = Annotated[float, PathParameter(gt=0, le=1000)]
OptionalMm = Annotated[float | None, QueryParameter(gt=0, le=1000)]


class TemplateList(msgspec.Struct):
    templates: list[Template]
    total_count: int


class Validation(msgspec.Struct):
    is_valid: bool
    errors: list[str]
    warnings: list[str]


class TemplatePreview(msgspec.Struct):
    """A rendered template, in both shapes MakerMatrix answers (its /api/templates and /api/printer routes)."""

    preview_data: str  # base64 PNG of exactly the dots that will print
    preview_url: str  # the same PNG as a data URL (what MakerMatrix's front end puts in an <img>)
    format: str
    width_px: int
    height_px: int
    width: int
    height: int
    label_size: str


def template_view(shown: m.Rendered) -> TemplatePreview:
    encoded = base64.b64encode(shown.png).decode("ascii")
    w, h = shown.width_px, shown.height_px
    return TemplatePreview(encoded, f"data:image/png;base64,{encoded}", "png", w, h, w, h, shown.label_size)


class TemplateStats(msgspec.Struct, kw_only=True):
    total_templates: int
    system_templates: int
    public_templates: int
    user_templates: int
    category_distribution: dict[str, int]
    layout_distribution: dict[str, int]


def _matching(found: list[Template], search: str | None) -> list[Template]:
    if not search:
        return found
    needle = search.lower()
    return [t for t in found if needle in t.name.lower() or needle in t.text.lower()]


def _fits(size: LabelSize, across_mm: float, along_mm: float | None) -> bool:
    if round(across_mm) != size.width_mm:
        return False
    return along_mm is None or size.kind == "endless" or round(along_mm) == size.length_mm


class LabelTemplatesController(Controller):
    path = "/templates"
    tags = ["printer"]

    @get("/", opt=access(USE))
    async def list_templates(
        self, services: NamedDependency[Services], is_system: FromQuery[bool | None] = None, search: Search = None
    ) -> Envelope[TemplateList]:
        found = _matching(await services.labels.templates.list(), search)
        if is_system is not None:
            found = [t for t in found if t.builtin == is_system]
        return ok(TemplateList(found, len(found)), f"Retrieved {len(found)} templates")

    @get("/search", opt=access(USE))
    async def search(self, services: NamedDependency[Services], term: Query) -> Envelope[TemplateList]:
        found = _matching(await services.labels.templates.list(), term)
        return ok(TemplateList(found, len(found)), f"Found {len(found)} templates matching search criteria")

    @get("/compatible/{label_height_mm:float}", opt=access(USE))
    async def compatible(
        self, label_height_mm: Millimetres, services: NamedDependency[Services], label_width_mm: OptionalMm = None
    ) -> Envelope[TemplateList]:
        """Templates for tape `label_height_mm` wide (MakerMatrix's label height is across the tape)."""
        found = [
            t for t in await services.labels.templates.list()
            if _fits(label_size(t.label_size), label_height_mm, label_width_mm)
        ]  # fmt: skip
        return ok(TemplateList(found, len(found)), f"Found {len(found)} compatible templates")

    @get("/stats/summary", opt=access(USE))
    async def stats(self, services: NamedDependency[Services]) -> Envelope[TemplateStats]:
        found = await services.labels.templates.list()
        system = sum(t.builtin for t in found)
        view = TemplateStats(
            total_templates=len(found),
            system_templates=system,
            public_templates=len(found) - system,  # every user's template is shared with everyone who may print
            user_templates=len(found) - system,
            category_distribution=dict(Counter(t.kind for t in found)),
            layout_distribution=dict(Counter(f"qr_{t.qr_side}" if t.has_qr else "text_only" for t in found)),
        )
        return ok(view, "Template statistics retrieved successfully")

    @get("/categories", opt=access(USE))
    async def categories(self) -> Envelope[list[str]]:
        """Our templates are grouped by what they label."""
        return ok(["part", "location"], "Template categories retrieved successfully")

    @get("/{template_id:str}", opt=access(USE))
    async def get_template(self, template_id: FromPath[str], services: NamedDependency[Services]) -> Envelope[Template]:
        return ok(await services.labels.templates.get(template_id), "Template retrieved successfully")

    @post("/", opt=access(ADMIN), status_code=200)
    async def create(
        self, data: JSONBody[TemplateBody], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[Template]:
        made = await services.labels.templates.create(data, principal)
        return ok(made, f"Template '{made.name}' created successfully")

    @put("/{template_id:str}", opt=access(ADMIN))
    async def update(
        self, template_id: FromPath[str], data: JSONBody[TemplateBody], services: NamedDependency[Services]
    ) -> Envelope[Template]:
        changed = await services.labels.templates.update(template_id, data)
        return ok(changed, f"Template '{changed.name}' updated successfully")

    @delete("/{template_id:str}", opt=access(ADMIN), status_code=200)
    async def remove(self, template_id: FromPath[str], services: NamedDependency[Services]) -> Envelope[dict[str, str]]:
        gone = await services.labels.templates.delete(template_id)
        return ok({"template_id": gone.id, "template_name": gone.name}, f"Template '{gone.name}' deleted successfully")

    @post("/{template_id:str}/duplicate", opt=access(ADMIN), status_code=200)
    async def duplicate(
        self,
        template_id: FromPath[str],
        new_name: NewName,
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[Template]:
        made = await services.labels.templates.duplicate(template_id, new_name, principal)
        return ok(made, f"Template duplicated as '{made.name}'")

    @post("/validate", opt=access(USE), status_code=200)
    async def validate(
        self, data: JSONBody[dict[str, Any]], services: NamedDependency[Services]
    ) -> Envelope[Validation]:
        """Whether a body could be saved; its problems are the answer, not an error (as MakerMatrix)."""
        errors = await services.labels.templates.validate(data)
        return ok(Validation(not errors, errors, []), "Template validation completed")

    @post("/preview", opt=access(USE), status_code=200)
    async def preview(
        self, data: JSONBody[m.TemplatePreviewRequest], services: NamedDependency[Services]
    ) -> Envelope[TemplatePreview]:
        return ok(template_view(await services.labels.preview_template(data)), "Template preview rendered")
