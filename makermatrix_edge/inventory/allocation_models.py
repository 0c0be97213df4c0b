"""A part in several places (MakerMatrix's allocations): what the service takes and hands out."""

from __future__ import annotations

from typing import Annotated

import msgspec

from makermatrix_edge.inventory.models import Emoji, LocationRef, LocationView, Short
from makermatrix_edge.textcheck import CheckedText

Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)]
Positive = Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000)]
Notes = Annotated[str, msgspec.Meta(max_length=500)]
CassetteName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class PartBrief(msgspec.Struct):
    id: str
    part_name: str
    part_number: str | None


class Allocation(msgspec.Struct):
    """One place of a part, in MakerMatrix's shape; the primary place's id is the part's own id."""

    id: str
    part_id: str
    location_id: str | None
    quantity_at_location: int
    is_primary_storage: bool
    notes: str | None
    auto_synced: bool
    allocated_at: str
    last_updated: str
    last_nfc_scan: str | None
    location: LocationRef | None
    location_path: str | None
    part: PartBrief


class AllocationSummary(msgspec.Struct):
    part_id: str
    part_name: str
    part_number: str | None
    total_quantity: int
    location_count: int
    primary_location: LocationRef | None
    allocations: list[Allocation]


class AllocationCreate(CheckedText, forbid_unknown_fields=True, kw_only=True):
    location_id: Short
    quantity: Positive
    is_primary: bool = False
    notes: Notes | None = None


class AllocationUpdate(CheckedText, forbid_unknown_fields=True, kw_only=True):
    quantity: Count | None = None
    is_primary: bool | None = None
    notes: Notes | None = None


class Transfer(CheckedText, forbid_unknown_fields=True, kw_only=True):
    from_location_id: Short
    to_location_id: Short
    quantity: Positive
    notes: Notes | None = None


class SplitToCassette(CheckedText, forbid_unknown_fields=True, kw_only=True):
    from_location_id: Short
    quantity: Positive
    create_new_cassette: bool = True
    cassette_id: Short | None = None
    cassette_name: CassetteName | None = None
    parent_location_id: Short | None = None
    cassette_capacity: Count | None = None
    cassette_emoji: Emoji | None = "📦"
    notes: Notes | None = None


class Removed(msgspec.Struct):
    allocation_id: str
    deleted: bool


class Returned(msgspec.Struct):
    allocation_id: str
    quantity_returned: int
    primary_location_id: str | None
    deleted: bool


class Transferred(msgspec.Struct):
    part_id: str
    transferred_quantity: int
    from_allocation: Allocation | None
    to_allocation: Allocation
    from_deleted: bool


class Split(msgspec.Struct):
    part_id: str
    cassette: LocationView
    allocation: Allocation
    cassette_created: bool
    transferred_quantity: int


class KeptHere(msgspec.Struct):
    """A part kept at a location that is not its primary place (a location page lists these)."""

    allocation_id: str
    part_id: str
    part_name: str
    quantity_here: int
    total_quantity: int
