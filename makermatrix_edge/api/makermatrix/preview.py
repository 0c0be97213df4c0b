"""/api/preview: MakerMatrix's label previews, rendered by the print path's own renderer at the printer's dots.

The preview answers are MakerMatrix's PreviewResponse (not the envelope): `preview_data` is the base64 PNG of
exactly the dots that will print, the same image /api/printer/preview returns as bytes.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.devices.printer.media import MODELS, LabelSize, label_size, labels_for_model
from makermatrix_edge.errors import DomainError, InvalidInput
from makermatrix_edge.labels import models as m
from makermatrix_edge.services import Services

USE = "printer:use"
PRINTER_ID = "default"  # the one printer this daemon drives; MakerMatrix's preview printer was "mock_preview"
SizeQuery = Annotated[str, QueryParameter(max_length=20)]
OptionalId = Annotated[str | None, QueryParameter(max_length=100)]
CustomText = Annotated[str | None, QueryParameter(max_length=2000)]


class PreviewResponse(msgspec.Struct, kw_only=True):
    success: bool
    preview_data: str | None = None
    format: str | None = None
    width_px: int | None = None
    height_px: int | None = None
    message: str | None = None
    error: str | None = None


class TextPreviewRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    text: m.TypedText
    label_size: m.SizeName = "12"
    printer_id: m.Id | None = None


class AdvancedOptions(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    fit_to_label: bool = True  # we always fit: the renderer never draws outside the label
    include_qr: bool = False
    qr_data: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    font_size_override: Annotated[int, msgspec.Meta(ge=8, le=400)] | None = None


class AdvancedPreviewRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    template: m.TypedText
    text: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    label_size: m.SizeName = "12"
    label_length: Annotated[float, msgspec.Meta(ge=12.7, le=1000)] | None = None  # mm, endless tape only
    options: AdvancedOptions | None = None
    data: m.LabelValues | None = None
    printer_id: m.Id | None = None


class SizeView(msgspec.Struct):
    name: str
    width_mm: int
    height_mm: int
    width_px: int
    height_px: int
    is_continuous: bool


def answer(shown: m.Rendered, what: str) -> PreviewResponse:
    return PreviewResponse(
        success=True,
        preview_data=base64.b64encode(shown.png).decode("ascii"),
        format="png",
        width_px=shown.width_px,
        height_px=shown.height_px,
        message=f"{what} on {label_size(shown.label_size).describe()} labels",
    )


def _printer(printer_id: str | None) -> None:
    """Only our printer; MakerMatrix's preview printer id is taken as a name for it."""
    if printer_id not in (None, "", PRINTER_ID, "mock_preview"):
        raise InvalidInput(f"this daemon drives one printer, '{PRINTER_ID}'; there is no '{printer_id}'", "printer_id")


def _sizes(services: Services, printer_id: str | None) -> list[LabelSize]:
    """Our printer's sizes; a printer_id naming a Brother model (MakerMatrix's clients send e.g. 'ql-800') gives
    that model's sizes."""
    if printer_id in (None, "", PRINTER_ID, "mock_preview"):
        return services.labels.labels()
    model = {name.lower(): name for name in MODELS}.get(str(printer_id).lower())
    if model is None:
        raise InvalidInput(
            f"this daemon drives one printer, '{PRINTER_ID}'; printer_id may also name a Brother model "
            f"({', '.join(MODELS)}) to see its label sizes; there is no '{printer_id}'",
            "printer_id",
        )
    return labels_for_model(model)


class PreviewController(Controller):
    path = "/preview"
    tags = ["printer"]

    @get("/printers", opt=access(USE))
    async def printers(self) -> Envelope[dict[str, Any]]:
        return ok({"printers": [PRINTER_ID], "default": PRINTER_ID}, "Available printers retrieved successfully")

    @get("/health", opt=access(USE))
    async def health(self, services: NamedDependency[Services]) -> Envelope[dict[str, Any]]:
        """Whether a label renders here now (a small text label through the print path's renderer)."""
        try:
            shown = await services.labels.preview_text(m.AdvancedPreview(template="Preview", label_size="12"))
        except DomainError as exc:  # e.g. a printer model that has no 12 mm tape
            test: dict[str, Any] = {"status": "failed", "error": str(exc)}
        else:
            test = {"status": "success", "width_px": shown.width_px, "height_px": shown.height_px}
        status = "healthy" if test["status"] == "success" else "degraded"
        data = {"status": status, "registered_printers": [PRINTER_ID], "test_preview": test,
                "errors": [] if status == "healthy" else [test["error"]]}  # fmt: skip
        return ok(data, f"Preview system is {status}")

    @get("/labels/sizes", opt=access(USE))
    async def sizes(
        self, services: NamedDependency[Services], printer_id: OptionalId = None
    ) -> Envelope[dict[str, Any]]:
        sizes = [
            SizeView(s.name, s.width_mm, s.length_mm, s.width_dots, s.length_dots, s.kind == "endless")
            for s in _sizes(services, printer_id)
        ]
        return ok({"sizes": sizes}, "Available label sizes retrieved successfully")

    @get("/validate/size/{size:str}", opt=access(USE))
    async def validate_size(
        self, size: FromPath[str], services: NamedDependency[Services], printer_id: OptionalId = None
    ) -> Envelope[dict[str, Any]]:
        names = [s.name for s in _sizes(services, printer_id)]
        return ok(
            {"valid": size in names, "label_size": size, "supported_sizes": names}, "Label size validation completed"
        )

    @post("/part/qr_code/{part_id:str}", opt=access(USE), status_code=200)
    async def part_qr(
        self, part_id: FromPath[str], services: NamedDependency[Services], label_size: SizeQuery = "12",
        printer_id: OptionalId = None,
    ) -> PreviewResponse:  # fmt: skip
        _printer(printer_id)
        return answer(await services.labels.preview_part_kind("qr_code", part_id, label_size), "QR code label")

    @post("/part/name/{part_id:str}", opt=access(USE), status_code=200)
    async def part_name(
        self, part_id: FromPath[str], services: NamedDependency[Services], label_size: SizeQuery = "12",
        printer_id: OptionalId = None,
    ) -> PreviewResponse:  # fmt: skip
        _printer(printer_id)
        return answer(await services.labels.preview_part_kind("name", part_id, label_size), "Part name label")

    @post("/part/combined/{part_id:str}", opt=access(USE), status_code=200)
    async def part_combined(
        self, part_id: FromPath[str], services: NamedDependency[Services], label_size: SizeQuery = "12",
        custom_text: CustomText = None, printer_id: OptionalId = None,
    ) -> PreviewResponse:  # fmt: skip
        _printer(printer_id)
        shown = await services.labels.preview_part_kind("combined", part_id, label_size, custom_text)
        return answer(shown, "QR code and text label")

    @post("/text", opt=access(USE), status_code=200)
    async def text(self, data: JSONBody[TextPreviewRequest], services: NamedDependency[Services]) -> PreviewResponse:
        _printer(data.printer_id)
        return answer(await services.labels.preview_plain(data.text, data.label_size), "Text label")

    @post("/advanced", opt=access(USE), status_code=200)
    async def advanced(
        self, data: JSONBody[AdvancedPreviewRequest], services: NamedDependency[Services]
    ) -> PreviewResponse:
        _printer(data.printer_id)
        options = data.options or AdvancedOptions()
        req = m.AdvancedPreview(
            template=data.template,
            label_size=data.label_size,
            label_length_mm=data.label_length,
            include_qr=options.include_qr,
            qr_data=options.qr_data,
            font_size_override=options.font_size_override,
            data=data.data,
        )
        return answer(await services.labels.preview_text(req), "Label")
