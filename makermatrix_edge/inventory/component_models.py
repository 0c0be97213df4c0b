"""The ALORA face's shapes: a component is a part seen with its electrical specs and stock."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from makermatrix_edge.bounds import Whole
from makermatrix_edge.textcheck import CheckedText

Status = Literal["ACTIVE", "INACTIVE"]
Spec = Annotated[str, msgspec.Meta(max_length=100)]
Word = Annotated[str, msgspec.Meta(max_length=100)]
PartNumber = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Notes = Annotated[str, msgspec.Meta(max_length=4000)]
Price = Annotated[float, msgspec.Meta(ge=0, le=1e9)]
Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)]
LocationText = Annotated[str, msgspec.Meta(max_length=100)]

# The component_specs columns a component shows as fields: the text as given (each with its number in
# SI units beside it, for search) and the words. tests/test_migrations.py holds them equal to the table.
SPEC_TEXT_FIELDS = (
    "v_max", "i_max", "power_max", "gain_min", "gain_max",
    "rds_on", "vgs_max", "vgs_th", "qg", "ciss",
    "vf", "trr", "cj",
    "v_in_max", "v_out", "i_out_max", "accuracy",
)  # fmt: skip
SPEC_WORD_FIELDS = (
    "marking", "technology", "polarity", "channel", "package",
    "switching_type", "diode_type", "internal_config", "reg_type",
)  # fmt: skip


class Component(msgspec.Struct):
    """Field order as in alora-api.md."""

    id: int
    part_number: str
    marking: str | None
    category_id: Whole | None
    category_name: str | None
    technology: str | None
    polarity: str | None
    channel: str | None
    package: str | None
    v_max: str | None
    i_max: str | None
    power_max: str | None
    gain_min: str | None
    gain_max: str | None
    unit_price: float
    status: str
    notes: str | None
    additional_characteristics: dict[str, Any] | None
    quantity: int
    min_qty: int | None
    location: str | None
    inventory_last_updated: str | None
    total_value: float
    rds_on: str | None
    vgs_max: str | None
    vgs_th: str | None
    qg: str | None
    ciss: str | None
    switching_type: str | None
    vf: str | None
    trr: str | None
    cj: str | None
    diode_type: str | None
    internal_config: str | None
    v_in_max: str | None
    v_out: str | None
    i_out_max: str | None
    accuracy: str | None
    reg_type: str | None
    part_id: str  # the same row's UUID on the MakerMatrix face (/api)


class _SpecFields(CheckedText, kw_only=True, forbid_unknown_fields=True):
    marking: Word | None | UnsetType = UNSET
    category_id: Whole | None | UnsetType = UNSET
    technology: Word | None | UnsetType = UNSET
    polarity: Word | None | UnsetType = UNSET
    channel: Word | None | UnsetType = UNSET
    package: Word | None | UnsetType = UNSET
    v_max: Spec | None | UnsetType = UNSET
    i_max: Spec | None | UnsetType = UNSET
    power_max: Spec | None | UnsetType = UNSET
    gain_min: Spec | None | UnsetType = UNSET
    gain_max: Spec | None | UnsetType = UNSET
    unit_price: Price | None | UnsetType = UNSET
    status: Status | UnsetType = UNSET
    notes: Notes | None | UnsetType = UNSET
    additional_characteristics: dict[str, Any] | None | UnsetType = UNSET
    rds_on: Spec | None | UnsetType = UNSET
    vgs_max: Spec | None | UnsetType = UNSET
    vgs_th: Spec | None | UnsetType = UNSET
    qg: Spec | None | UnsetType = UNSET
    ciss: Spec | None | UnsetType = UNSET
    switching_type: Word | None | UnsetType = UNSET
    vf: Spec | None | UnsetType = UNSET
    trr: Spec | None | UnsetType = UNSET
    cj: Spec | None | UnsetType = UNSET
    diode_type: Word | None | UnsetType = UNSET
    internal_config: Word | None | UnsetType = UNSET
    v_in_max: Spec | None | UnsetType = UNSET
    v_out: Spec | None | UnsetType = UNSET
    i_out_max: Spec | None | UnsetType = UNSET
    accuracy: Spec | None | UnsetType = UNSET
    reg_type: Word | None | UnsetType = UNSET

    def given(self) -> dict[str, Any]:
        read_only = {"id", "category_name", "quantity", "min_qty", "location", "inventory_last_updated"}
        read_only |= {"total_value", "part_id"}
        return {
            f: getattr(self, f) for f in self.__struct_fields__ if f not in read_only and getattr(self, f) is not UNSET
        }


class ComponentCreate(_SpecFields, kw_only=True, forbid_unknown_fields=True):
    part_number: PartNumber


class ComponentUpdate(_SpecFields, kw_only=True, forbid_unknown_fields=True):
    part_number: PartNumber | UnsetType = UNSET
    # Read-only fields a client may send back from a GET; accepted and ignored.
    id: Any = UNSET
    category_name: Any = UNSET
    quantity: Any = UNSET
    min_qty: Any = UNSET
    location: Any = UNSET
    inventory_last_updated: Any = UNSET
    total_value: Any = UNSET
    part_id: Any = UNSET


class InventoryItem(msgspec.Struct):
    component_id: Whole
    part_number: str
    component_name: str
    category_name: str | None
    quantity: int
    min_qty: int | None
    location: str | None
    last_updated: str | None
    unit_price: float
    total_value: float


class InventoryCreate(CheckedText, forbid_unknown_fields=True):
    component_id: Whole
    quantity: Count = 0
    min_qty: Count | None = None
    location: LocationText | None = None


class InventoryUpdate(CheckedText, forbid_unknown_fields=True):
    quantity: Count | None = None
    min_qty: Count | None = None
    location: LocationText | None = None


class CategoryTotals(msgspec.Struct):
    component_count: int
    total_quantity: int
    total_value: float


class LowStockItem(msgspec.Struct):
    component_id: Whole
    part_number: str
    category_name: str | None
    quantity: int
    min_qty: int
    unit_price: float
    total_value: float
    shortage: int


class CostSummary(msgspec.Struct):
    total_components: int
    total_quantity: int
    total_value: float
    currency: str
    breakdown_by_category: dict[str, CategoryTotals]
    low_stock_items: list[LowStockItem] | None


class AloraCategory(msgspec.Struct):
    id: int
    name: str
    description: str | None
    status: str


class AloraCategoryCreate(CheckedText, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    description: Notes | None = None


class AloraCategoryUpdate(CheckedText, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None
    description: Notes | None = None
    status: str | None = None  # checked by the service: a wrong value is a 400 with a clear message
    id: Any = None  # echoed back by clients; ignored


class Equivalent(msgspec.Struct):
    id: int
    component_id: Whole
    equivalent_id: Whole
    reason: str
    part_number: str
    marking: str | None
    technology: str | None
    package: str | None
    v_max: str | None
    i_max: str | None
    unit_price: float
    quantity: int
    total_value: float
    part_id: str
    equivalent_part_id: str
    created_by: str | None
    created_at: str


class EquivalentCreate(CheckedText, forbid_unknown_fields=True):
    equivalent_id: Whole | str  # an ALORA integer id, or a part UUID on the MakerMatrix face
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class SuggestedEquivalent(msgspec.Struct):
    component: Component
    score: float
    reason: str
    caveats: list[str]
    in_stock: bool
