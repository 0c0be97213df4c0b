"""The shapes of projects and BOM lines, as the services hand them to the faces."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from makermatrix_edge.textcheck import CheckedText

Name = Annotated[str, msgspec.Meta(max_length=200)]
Slug = Annotated[str, msgspec.Meta(max_length=200)]
Description = Annotated[str, msgspec.Meta(max_length=4000)]
Status = Annotated[str, msgspec.Meta(max_length=40)]
Url = Annotated[str, msgspec.Meta(max_length=2000)]
Cost = Annotated[float, msgspec.Meta(ge=0, le=1e9)]
Notes = Annotated[str, msgspec.Meta(max_length=4000)]


class ProjectCreate(CheckedText):
    name: Name
    slug: Slug | None = None
    description: Description | None = None
    status: Status | None = "planning"
    image_url: Url | None = None
    links: dict[str, Any] | None = None
    project_metadata: dict[str, Any] | None = None


class ProjectUpdate(CheckedText):
    """Fields left out (or null) stay as they are, as in MakerMatrix."""

    name: Name | None = None
    slug: Slug | None = None
    description: Description | None = None
    status: Status | None = None
    image_url: Url | None = None
    links: dict[str, Any] | None = None
    # MakerMatrix's update schema types this as a string; a JSON object is taken too.
    project_metadata: dict[str, Any] | str | None = None
    estimated_cost: Cost | None = None
    completed_at: str | None = None


class ProjectView(msgspec.Struct):
    """MakerMatrix's ProjectResponse, field for field."""

    id: str
    name: str
    slug: str
    description: str | None
    status: str
    image_url: str | None
    links: dict[str, Any] | None
    project_metadata: dict[str, Any] | None
    parts_count: int
    estimated_cost: float | None
    created_at: str
    updated_at: str
    completed_at: str | None


class ProjectList(msgspec.Struct):
    projects: list[ProjectView]


class DeletedProjects(msgspec.Struct):
    deleted_count: int


class PartLink(msgspec.Struct, omit_defaults=False):
    """The answer to tagging a part to a project (or taking the tag off)."""

    project_id: str
    project_name: str
    part_id: str
    parts_count: int
    notes: str | None = None


class LocationBrief(msgspec.Struct):
    id: str
    name: str
    description: str | None


class ProjectPart(msgspec.Struct):
    """A part as MakerMatrix lists it under a project ("name", "quantity", "location")."""

    id: str
    name: str
    part_number: str | None
    description: str | None
    quantity: int
    supplier: str | None
    supplier_url: str | None
    image_url: str | None
    manufacturer: str | None
    manufacturer_part_number: str | None
    location: LocationBrief | None


class ProjectParts(msgspec.Struct):
    project_id: str
    project_name: str
    parts: list[ProjectPart]
    parts_count: int


class PartProjects(msgspec.Struct):
    part_id: str
    projects: list[ProjectView]
    projects_count: int


# --- BOM --------------------------------------------------------------------------------------------

MatchHow = Literal["pinned", "supplier_number", "mpn", "parametric", "none"]


class BomLine(msgspec.Struct, kw_only=True):
    """One line of a BOM file as read (before matching)."""

    row: int  # the file's row number, header included, as a spreadsheet shows it
    designators: list[str]
    quantity: int  # per board
    value: str | None = None
    footprint: str | None = None
    manufacturer: str | None = None
    mpn: str | None = None
    supplier_numbers: dict[str, str] = msgspec.field(default_factory=dict)  # lcsc / digikey / mouser -> number
    dnp: bool = False
    description: str | None = None


class Candidate(msgspec.Struct):
    part_id: str
    part_name: str
    quantity: int
    location: str | None
    reason: str


class Match(msgspec.Struct):
    how: MatchHow
    part_id: str | None
    reason: str  # in words, also when nothing matched
    candidates: list[Candidate]  # the chosen one first (most stock), then the others offered


class BomLineView(msgspec.Struct):
    id: int
    position: int
    designators: list[str]
    quantity_per_board: int
    value: str | None
    footprint: str | None
    manufacturer: str | None
    mpn: str | None
    supplier_numbers: dict[str, str]
    dnp: bool
    rule: dict[str, Any] | None
    pinned_part_id: str | None
    part_id: str | None
    part_name: str | None
    match_reason: str | None
    candidates: list[Candidate]


class PreviewLine(msgspec.Struct):
    row: int
    designators: list[str]
    quantity_per_board: int
    value: str | None
    footprint: str | None
    manufacturer: str | None
    mpn: str | None
    supplier_numbers: dict[str, str]
    dnp: bool
    match: Match


class RowProblem(msgspec.Struct):
    row: int
    reason: str


class BomImport(msgspec.Struct):
    """What importing a BOM file did (or, as a preview, would do)."""

    project_id: str
    file_format: str  # kicad | jlcpcb | mpn_list
    format_name: str
    preview: bool
    lines: list[PreviewLine]
    line_count: int
    matched: int
    unmatched: int
    dnp: int
    replaced: int  # lines of the earlier BOM this import replaces (0 for a first import)


class BomLines(msgspec.Struct):
    project_id: str
    project_name: str
    lines: list[BomLineView]
    line_count: int
    matched: int
    unmatched: int


class PinLine(CheckedText):
    """Pin a BOM line to a part (part_id), or give it back to automatic matching (part_id null)."""

    part_id: Annotated[str, msgspec.Meta(max_length=100)] | None
