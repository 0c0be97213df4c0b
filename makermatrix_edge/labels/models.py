"""Request and answer shapes of the printer API (one Struct per direction)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from makermatrix_edge.bounds import Whole
from makermatrix_edge.devices.printer.media import MODELS
from makermatrix_edge.labels.printing import Job
from makermatrix_edge.labels.templates import TemplateBody

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
SizeName = Annotated[str, msgspec.Meta(max_length=20)]
# Placeholder values sent for a preview: scalars (what MakerMatrix's front end sends), each bounded, so a
# request cannot make the renderer fit megabytes of text.
DataValue = Annotated[str, msgspec.Meta(max_length=500)] | Whole | float | bool | None
LabelValues = Annotated[dict[Annotated[str, msgspec.Meta(max_length=100)], DataValue], msgspec.Meta(max_length=100)]


class PrintRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    copies: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1
    template: Id | None = None  # a template id or name; else the default for label_size
    label_size: SizeName | None = None
    wait: bool = False  # answer once the printer confirmed (or failed), bounded by wait_max_seconds


class BatchPrintRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    part_ids: Annotated[list[Id], msgspec.Meta(min_length=1, max_length=100)]
    copies: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1
    template: Id | None = None
    label_size: SizeName | None = None


class PartRef(msgspec.Struct, kw_only=True):
    """The spec's `part` object: only its id is used."""

    id: Id | None = None
    part_id: Id | None = None


class PrintLabelRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """POST /api/printer/print_label as the MakerMatrix spec has it, plus our options."""

    part: PartRef | None = None
    part_id: Id | None = None
    part_name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    label_size: SizeName | None = None
    template: Id | None = None
    copies: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1
    wait: bool = False


class PrintQrRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    part_id: Id | None = None
    data: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    label_size: SizeName | None = None
    copies: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1
    wait: bool = False


class PreviewRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    template_id: Id | None = None
    template: TemplateBody | None = None  # a draft, not saved
    label_size: SizeName | None = None
    part_id: Id | None = None
    location_id: Id | None = None
    tool_id: Id | None = None  # a shared tool's label: the part templates, its QR opening /t/<id>
    data: LabelValues | None = None  # placeholder values when no part or location is named
    qr_data: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class Media(msgspec.Struct):
    width_mm: int
    type: str
    length_mm: int
    description: str


class PrinterStatusView(msgspec.Struct):
    kind: str
    model: str
    identifier: str | None
    state: str
    reason: str | None
    media: Media | None
    errors: list[str]
    job: Job | None
    queued: int


class PrinterInfo(msgspec.Struct):
    """One entry of GET /api/printer/printers, in the shape MakerMatrix clients read."""

    id: str
    name: str
    driver: str
    model: str
    status: str
    backend: str
    identifier: str | None
    capabilities: list[str]


class DriverInfo(msgspec.Struct):
    id: str
    name: str
    description: str
    models: list[str]


DRIVERS = [
    DriverInfo("brother_ql", "Brother QL", "A Brother QL label printer on USB (raster protocol)", list(MODELS)),
    DriverInfo("fake", "Simulated Brother QL", "Answers like a Brother QL on USB; for trying things out", list(MODELS)),
    DriverInfo("file", "File", "Writes each label's printer instructions to a folder instead of printing", []),
]


class PrinterConfig(msgspec.Struct, kw_only=True):
    """POST /api/printer/config body (MakerMatrix spec) and the current configuration."""

    backend: str = "pyusb"
    driver: str = "brother_ql"
    printer_identifier: Annotated[str, msgspec.Meta(max_length=200)] = ""
    dpi: Whole = 300
    model: str = "QL-700"
    scaling_factor: float = 1.0
    additional_settings: dict[str, Any] = msgspec.field(default_factory=dict)


class SimulatorRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    state: str | None = None
    media: str | None = None  # a label name; "" for none


PartKind = Literal["qr_code", "name", "combined"]
TypedText = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class Rendered(msgspec.Struct):
    """A rendered label: the PNG of exactly the dots that will print."""

    png: bytes
    width_px: int
    height_px: int
    label_size: str


class AdvancedPreview(msgspec.Struct, kw_only=True):
    """What the /api/preview text and advanced routes render (typed text, with MakerMatrix's placeholders)."""

    template: TypedText
    label_size: SizeName = "12"
    label_length_mm: Annotated[float, msgspec.Meta(ge=12.7, le=1000)] | None = None
    include_qr: bool = False
    qr_data: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    font_size_override: Annotated[int, msgspec.Meta(ge=8, le=400)] | None = None
    data: LabelValues | None = None


class TemplatePreviewRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A saved template (template_id) or a draft (template_config) with a part's values or sample ones."""

    template_id: Id | None = None
    template_config: TemplateBody | None = None  # a draft, not saved
    part_id: Id | None = None  # its values; else sample ones, overridden by `data`
    data: LabelValues | None = None


class TemplatePrintRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """POST /api/printer/print/template as MakerMatrix's front end sends it; data.id names the part or location."""

    template_id: Id
    data: LabelValues
    printer_id: Id | None = None
    label_size: SizeName | None = None
    copies: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1
    wait: bool = False
