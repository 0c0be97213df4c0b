"""A makerspace's shared tools, as MakerMatrix has them: what the tool service takes and hands out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from makermatrix_edge.bounds import PageNumber
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.inventory.models import CategoryRef, LocationRef, PartView
from makermatrix_edge.inventory.tag_models import TagRef, TagView
from makermatrix_edge.textcheck import CheckedText

Condition = Literal["excellent", "good", "fair", "poor", "needs_repair", "out_of_service"]
MaintenanceType = Literal["calibration", "repair", "inspection", "cleaning", "other"]
UNAVAILABLE: tuple[str, ...] = ("needs_repair", "out_of_service")
ToolName = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
S100 = Annotated[str, msgspec.Meta(max_length=100)]
S255 = Annotated[str, msgspec.Meta(max_length=255)]
LongText = Annotated[str, msgspec.Meta(max_length=4000)]
Url = Annotated[str, msgspec.Meta(max_length=1000)]
Emoji = Annotated[str, msgspec.Meta(max_length=50)]
Money = Annotated[float, msgspec.Meta(ge=0, le=1e9)]
When = Annotated[str, msgspec.Meta(max_length=40)]  # a date or a date and time, ISO 8601
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Ids = Annotated[list[Id], msgspec.Meta(max_length=100)]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]


def when(value: str | None, field: str) -> str | None:
    """A date or date-time as MakerMatrix clients send it ('2025-01-31', '2025-01-31T09:00:00Z'), kept ISO."""
    if value is None or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise InvalidInput("must be a date such as 2025-01-31 or 2025-01-31T09:00:00", field) from None


class ToolCreate(CheckedText, forbid_unknown_fields=True, kw_only=True):
    tool_name: ToolName
    tool_number: S100 | None = None
    description: LongText | None = None
    manufacturer: S255 | None = None
    model_number: S255 | None = None
    tool_type: S100 | None = None
    supplier: S255 | None = None
    supplier_part_number: S255 | None = None
    supplier_url: Url | None = None
    product_url: Url | None = None
    image_url: Url | None = None
    emoji: Emoji | None = None
    additional_properties: dict[str, Any] | None = None
    condition: Condition | None = "good"
    is_checkable: bool | None = True
    is_calibrated_tool: bool | None = False
    is_consumable: bool | None = False
    purchase_date: When | None = None
    purchase_price: Money | None = None
    location_id: Id | None = None
    quantity: Quantity = 1
    category_ids: Ids | None = None


class ToolUpdate(CheckedText, kw_only=True):
    """Only the fields sent change; unknown fields (a client echoing a tool back) are ignored, as MakerMatrix does."""

    multiline_fields = frozenset({"description", "maintenance_notes"})

    tool_name: ToolName | None | UnsetType = UNSET
    tool_number: S100 | None | UnsetType = UNSET
    description: LongText | None | UnsetType = UNSET
    manufacturer: S255 | None | UnsetType = UNSET
    model_number: S255 | None | UnsetType = UNSET
    tool_type: S100 | None | UnsetType = UNSET
    supplier: S255 | None | UnsetType = UNSET
    supplier_part_number: S255 | None | UnsetType = UNSET
    supplier_url: Url | None | UnsetType = UNSET
    product_url: Url | None | UnsetType = UNSET
    image_url: Url | None | UnsetType = UNSET
    emoji: Emoji | None | UnsetType = UNSET
    additional_properties: dict[str, Any] | None | UnsetType = UNSET
    condition: Condition | None | UnsetType = UNSET
    maintenance_notes: LongText | None | UnsetType = UNSET
    last_maintenance_date: When | None | UnsetType = UNSET
    next_maintenance_date: When | None | UnsetType = UNSET
    is_checkable: bool | None | UnsetType = UNSET
    is_calibrated_tool: bool | None | UnsetType = UNSET
    is_consumable: bool | None | UnsetType = UNSET
    purchase_date: When | None | UnsetType = UNSET
    purchase_price: Money | None | UnsetType = UNSET
    current_value: Money | None | UnsetType = UNSET
    location_id: Id | None | UnsetType = UNSET
    quantity: Quantity | None | UnsetType = UNSET
    category_ids: Ids | None | UnsetType = UNSET


class ToolCheckout(CheckedText, forbid_unknown_fields=True, kw_only=True):
    user_id: Id | None = None  # a user's id or username (MakerMatrix's web page sends the username); none = the caller
    expected_return_date: When | None = None
    notes: LongText | None = None


class ToolReturn(CheckedText, forbid_unknown_fields=True, kw_only=True):
    condition: Condition | None = None
    notes: LongText | None = None


class MaintenanceCreate(CheckedText, forbid_unknown_fields=True, kw_only=True):
    maintenance_date: When
    maintenance_type: MaintenanceType
    performed_by: S255 | None = None  # MakerMatrix sets it to the caller whatever is sent; so do we
    notes: LongText | None = None
    next_maintenance_date: When | None = None
    cost: Money | None = None


class MaintenanceUpdate(CheckedText, forbid_unknown_fields=True, kw_only=True):
    maintenance_date: When | UnsetType = UNSET
    maintenance_type: MaintenanceType | UnsetType = UNSET
    performed_by: S255 | None | UnsetType = UNSET
    notes: LongText | None | UnsetType = UNSET
    next_maintenance_date: When | None | UnsetType = UNSET
    cost: Money | None | UnsetType = UNSET


class ToolSearch(CheckedText, forbid_unknown_fields=True, kw_only=True):
    search_term: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    manufacturer: S255 | None = None
    tool_type: S100 | None = None
    condition: Condition | None = None
    is_checked_out: bool | None = None
    is_available: bool | None = None
    needs_maintenance: bool | None = None
    is_calibrated_tool: bool | None = None
    is_consumable: bool | None = None
    category_ids: Ids | None = None
    location_id: Id | None = None
    sort_by: Literal[
        "tool_name", "tool_number", "manufacturer", "model_number", "tool_type", "condition", "created_at"
    ] = "tool_name"
    sort_order: Literal["asc", "desc"] = "asc"
    page: PageNumber = 1
    page_size: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20


class ToolView(msgspec.Struct):
    id: str
    tool_name: str
    tool_number: str | None
    description: str | None
    manufacturer: str | None
    model_number: str | None
    tool_type: str | None
    supplier: str | None
    supplier_part_number: str | None
    supplier_url: str | None
    product_url: str | None
    image_url: str | None
    emoji: str | None
    additional_properties: dict[str, Any]
    condition: str
    last_maintenance_date: str | None
    next_maintenance_date: str | None
    maintenance_notes: str | None
    is_checked_out: bool
    checked_out_by: str | None  # the username who has it
    checked_out_at: str | None  # since when
    expected_return_date: str | None
    purchase_date: str | None
    purchase_price: float | None
    current_value: float | None
    is_checkable: bool
    is_calibrated_tool: bool
    is_consumable: bool
    exclude_from_analytics: bool
    quantity: int
    location: LocationRef | None
    location_id: str | None
    categories: list[CategoryRef]
    tags: list[TagRef]
    created_at: str
    updated_at: str

    @property
    def available(self) -> bool:
        return not self.is_checked_out and self.is_checkable and self.condition not in UNAVAILABLE


class ToolPage(msgspec.Struct):
    tools: list[ToolView]
    total: int
    page: int
    page_size: int
    total_pages: int


class MaintenanceView(msgspec.Struct):
    id: str
    tool_id: str
    maintenance_date: str
    maintenance_type: str
    performed_by: str
    notes: str | None
    next_maintenance_date: str | None
    cost: float | None
    created_at: str


class CheckoutView(msgspec.Struct):
    """One check-out in a tool's history: who had it, from when, until when."""

    username: str
    checked_out_at: str
    expected_return_date: str | None
    notes: str | None
    checked_out_by: str | None
    returned_at: str | None
    returned_by: str | None
    return_condition: str | None
    return_notes: str | None


class ToolStatistics(msgspec.Struct):
    total_tools: int
    total_by_type: dict[str, int]
    total_by_condition: dict[str, int]
    checked_out_count: int
    available_count: int
    needs_maintenance_count: int
    total_value: float
    by_location: dict[str, int]


# The parts or tools of one tag, a page at a time (GET /api/tags/{id}/parts, /tools).
class PartsByTag(msgspec.Struct):
    parts: list[PartView]
    total: int
    page: int
    page_size: int
    total_pages: int
    tag: TagView


class ToolsByTag(msgspec.Struct):
    tools: list[ToolView]
    total: int
    page: int
    page_size: int
    total_pages: int
    tag: TagView
