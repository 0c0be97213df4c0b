"""What the inventory services hand out (the API returns these as they are)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from makermatrix_edge.bounds import Count, PageNumber
from makermatrix_edge.inventory.tag_models import TagRef
from makermatrix_edge.textcheck import CheckedText


class CategoryRef(msgspec.Struct):
    id: str
    name: str
    description: str | None


class LocationRef(msgspec.Struct):
    id: str
    name: str
    path: str
    location_type: str


class DatasheetRef(msgspec.Struct):
    """A datasheet PDF stored for a part (downloaded by enrichment); `url` serves it to logged-in users."""

    id: str
    filename: str
    title: str | None
    url: str
    source_url: str | None
    supplier: str | None
    size_bytes: int
    created_at: str


class PlaceRef(msgspec.Struct):
    """One place a part is kept and how many are there (MakerMatrix's allocation, as a part lists it).

    The primary place (the part's own location) holds what the other places do not; its id is the part's.
    """

    id: str
    location_id: str | None
    location_name: str | None
    location_path: str | None
    quantity_at_location: int
    is_primary_storage: bool
    notes: str | None
    last_updated: str


class PartView(msgspec.Struct):
    id: str
    part_name: str
    part_number: str | None
    manufacturer: str | None
    manufacturer_part_number: str | None
    description: str | None
    quantity: int
    min_quantity: int
    is_low_stock: bool
    supplier: str | None
    location_id: str | None
    location: LocationRef | None
    image_url: str | None
    emoji: str | None
    unit_price: float | None
    currency: str | None
    additional_properties: dict[str, Any]
    categories: list[CategoryRef]
    created_at: str
    updated_at: str
    datasheets: list[DatasheetRef] = msgspec.field(default_factory=list)
    tags: list[TagRef] = msgspec.field(default_factory=list)  # MakerMatrix's tags (#25.7), by name
    allocations: list[PlaceRef] = msgspec.field(default_factory=list)


class CategoryView(msgspec.Struct):
    id: str
    name: str
    description: str | None
    parent_id: str | None
    part_count: int
    created_at: str
    updated_at: str


class _LocationFields(msgspec.Struct):
    """What a location shows in a list and in the tree; the subclasses' fields follow these."""

    id: str
    name: str
    description: str | None
    parent_id: str | None
    location_type: str
    image_url: str | None
    emoji: str | None
    path: str
    part_count: int


class LocationView(_LocationFields):
    children_count: int
    created_at: str
    updated_at: str


class LocationNode(_LocationFields):
    """A location with its children, for the tree view."""

    children: list[LocationNode]


class Movement(msgspec.Struct):
    id: int
    part_id: str
    delta: int
    quantity_after: int
    reason: str
    source: str
    user_id: str | None
    username: str | None
    created_at: str
    # A transfer between two places is a row with delta 0 naming both and the quantity carried (`moved`).
    from_location_id: str | None = None
    to_location_id: str | None = None
    moved: int | None = None


class Page(msgspec.Struct):
    items: list[PartView]
    total: int
    page: int
    page_size: int


# -- inputs (the API decodes request bodies straight into these) -------------------------
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Short = Annotated[str, msgspec.Meta(max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=4000)]
Url = Annotated[str, msgspec.Meta(max_length=1000)]
Emoji = Annotated[str, msgspec.Meta(max_length=32)]  # one emoji may be several code points (a family, a flag)
Quantity = Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)]
Price = Annotated[float, msgspec.Meta(ge=0, le=1e9)]
Currency = Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
CategoryNames = Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=100)]], msgspec.Meta(max_length=50)]


class PartCreate(CheckedText, forbid_unknown_fields=True, kw_only=True):
    part_name: Name
    part_number: Short | None = None
    manufacturer: Short | None = None
    manufacturer_part_number: Short | None = None
    description: LongText | None = None
    quantity: Quantity = 0
    min_quantity: Quantity = 0
    supplier: Short | None = None
    location_id: Short | None = None
    image_url: Url | None = None
    emoji: Emoji | None = None
    unit_price: Price | None = None
    currency: Currency | None = None
    additional_properties: dict[str, Any] = msgspec.field(default_factory=dict)
    category_names: CategoryNames = msgspec.field(default_factory=list)


class PartUpdate(CheckedText, forbid_unknown_fields=True, kw_only=True):
    """Only the fields sent change; null clears a field that may be empty."""

    part_name: Name | UnsetType = UNSET
    part_number: Short | None | UnsetType = UNSET
    manufacturer: Short | None | UnsetType = UNSET
    manufacturer_part_number: Short | None | UnsetType = UNSET
    description: LongText | None | UnsetType = UNSET
    quantity: Quantity | UnsetType = UNSET
    min_quantity: Quantity | UnsetType = UNSET
    supplier: Short | None | UnsetType = UNSET
    location_id: Short | None | UnsetType = UNSET
    image_url: Url | None | UnsetType = UNSET
    emoji: Emoji | None | UnsetType = UNSET
    unit_price: Price | None | UnsetType = UNSET
    currency: Currency | None | UnsetType = UNSET
    additional_properties: dict[str, Any] | UnsetType = UNSET
    category_names: CategoryNames | UnsetType = UNSET
    reason: Annotated[str, msgspec.Meta(max_length=200)] | UnsetType = UNSET
    # Read-only fields a client may echo back from a GET; accepted and ignored.
    id: Any = UNSET
    categories: Any = UNSET
    location: Any = UNSET
    is_low_stock: Any = UNSET
    datasheets: Any = UNSET
    tags: Any = UNSET  # tags change through /api/tags, not a part update
    allocations: Any = UNSET
    created_at: Any = UNSET
    updated_at: Any = UNSET

    def changes(self) -> dict[str, Any]:
        ignored = frozenset({"categories", "location", "is_low_stock", "datasheets", "allocations", "reason", "tags"})
        return provided(self, ignore=ignored)


class PartSearch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    search_term: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    min_quantity: Count | None = None
    max_quantity: Count | None = None
    category_names: CategoryNames | None = None
    location_id: Short | None = None
    supplier: Short | None = None
    sort_by: Literal["part_name", "part_number", "quantity", "location"] | None = None
    sort_order: Literal["asc", "desc"] = "asc"
    page: PageNumber = 1
    page_size: Annotated[int, msgspec.Meta(ge=1, le=100)] = 10


class CategoryCreate(CheckedText, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    description: LongText | None = None
    parent_id: Short | None = None


class CategoryUpdate(CheckedText, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | UnsetType = UNSET
    description: LongText | None | UnsetType = UNSET
    parent_id: Short | None | UnsetType = UNSET
    id: Any = UNSET  # echoed back by clients; ignored
    part_count: Any = UNSET


class LocationCreate(CheckedText, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    description: LongText | None = None
    parent_id: Short | None = None
    location_type: Annotated[str, msgspec.Meta(min_length=1, max_length=50)] = "standard"
    image_url: Url | None = None
    emoji: Emoji | None = None


class LocationUpdate(CheckedText, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | UnsetType = UNSET
    description: LongText | None | UnsetType = UNSET
    parent_id: Short | None | UnsetType = UNSET
    location_type: Annotated[str, msgspec.Meta(min_length=1, max_length=50)] | UnsetType = UNSET
    image_url: Url | None | UnsetType = UNSET
    emoji: Emoji | None | UnsetType = UNSET
    id: Any = UNSET  # echoed back by clients; ignored
    path: Any = UNSET
    part_count: Any = UNSET
    children_count: Any = UNSET
    created_at: Any = UNSET
    updated_at: Any = UNSET


def provided(struct: msgspec.Struct, *, ignore: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields a client actually sent in a partial update."""
    read_only = {"id", "part_count", "children_count", "path", "created_at", "updated_at"}
    return {
        f: getattr(struct, f)
        for f in struct.__struct_fields__
        if f not in read_only and f not in ignore and getattr(struct, f) is not UNSET
    }
