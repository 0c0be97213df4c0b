"""Tags as MakerMatrix has them: what the tag service takes and hands out."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.textcheck import CheckedText

TagName = Annotated[str, msgspec.Meta(min_length=1, max_length=51)]  # "#" + 50
Color = Annotated[str, msgspec.Meta(max_length=7)]
TagText = Annotated[str, msgspec.Meta(max_length=500)]
Icon = Annotated[str, msgspec.Meta(max_length=50)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Ids = Annotated[list[Id], msgspec.Meta(min_length=1, max_length=500)]
MAX_NAME = 50


def tag_name(value: str, field: str = "name") -> str:
    """MakerMatrix's form of a tag name: trimmed, no leading '#', spaces as dashes."""
    name = value.strip().removeprefix("#").replace(" ", "-")
    if not name:
        raise InvalidInput("must not be empty", field)
    if len(name) > MAX_NAME:
        raise InvalidInput(f"must be at most {MAX_NAME} characters", field)
    return name


def tag_color(value: str | None) -> str | None:
    """'#RRGGBB' in capitals (a missing '#' is added, as MakerMatrix does); blank is no color."""
    if not value or not value.strip():
        return None
    color = value.strip()
    color = color if color.startswith("#") else f"#{color}"
    if len(color) != 7 or any(c not in "0123456789abcdefABCDEF" for c in color[1:]):
        raise InvalidInput("must be a hex color code such as '#FF5733'", "color")
    return color.upper()


class TagCreate(CheckedText, forbid_unknown_fields=True, kw_only=True):
    name: TagName
    color: Color | None = None
    description: TagText | None = None
    icon: Icon | None = None
    is_system: bool = False


class TagUpdate(CheckedText, forbid_unknown_fields=True, kw_only=True):
    name: TagName | None | UnsetType = UNSET
    color: Color | None | UnsetType = UNSET
    description: TagText | None | UnsetType = UNSET
    icon: Icon | None | UnsetType = UNSET
    is_active: bool | None | UnsetType = UNSET


class TagView(msgspec.Struct):
    id: str
    name: str
    color: str | None
    description: str | None
    icon: str | None
    created_at: str
    updated_at: str
    created_by: str | None
    usage_count: int
    parts_count: int
    tools_count: int
    last_used_at: str | None
    is_system: bool
    is_active: bool


class TagWithItems(TagView):
    parts: list[dict[str, Any]] = msgspec.field(default_factory=list)
    tools: list[dict[str, Any]] = msgspec.field(default_factory=list)


class TagRef(msgspec.Struct):
    """A tag as a part or tool carries it in its own answer."""

    id: str
    name: str
    color: str | None
    icon: str | None


class TagFilter(msgspec.Struct, kw_only=True):
    search: str | None = None
    is_active: bool | None = None
    is_system: bool | None = None
    min_usage: int | None = None
    max_usage: int | None = None
    has_color: bool | None = None
    sort_by: str = "name"
    sort_order: str = "asc"
    page: int = 1
    page_size: int = 20


class TagPage(msgspec.Struct):
    tags: list[TagView]
    total: int
    page: int
    page_size: int
    total_pages: int


class TagBulk(CheckedText, forbid_unknown_fields=True):
    item_ids: Ids
    tag_ids: Ids
    operation: Literal["add", "remove"]
    item_type: Literal["part", "tool"]


class TagMerge(CheckedText, forbid_unknown_fields=True):
    source_tag_ids: Ids
    target_tag_id: Id
    delete_sources: bool = True


class TagCleanup(msgspec.Struct, forbid_unknown_fields=True):
    remove_unused: bool = True
    merge_similar: bool = False  # MakerMatrix accepts it and does nothing; so do we
    similarity_threshold: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] = 0.8
