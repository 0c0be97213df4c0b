"""/api/import: order-file import (any supported file, supplier judged by content) and its preview."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.makermatrix.envelope import Envelope, error_body, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.errors import BadRequest, InvalidInput
from makermatrix_edge.httpkit.uploads import ORDER_FILE_BODY_LIMIT, read_capped
from makermatrix_edge.orders.importers import FORMATS, supplier_key
from makermatrix_edge.orders.importers.base import UnreadableFile
from makermatrix_edge.orders.messages import import_message
from makermatrix_edge.orders.models import ImportOptions, ImportPreview, ImportResult
from makermatrix_edge.orders.service import OrderService, RowsRefused
from makermatrix_edge.services import Services

IMPORT = "csv:import"


class ImportForm(msgspec.Struct):
    file: UploadFile | None = None
    supplier_name: str = ""
    parser_type: str = ""  # the legacy /csv/import-file name for supplier_name
    order_number: str = ""
    order_date: str = ""
    notes: str = ""
    enable_enrichment: str = ""
    enrichment_capabilities: str = ""
    force: str = ""
    location_id: str = ""  # ours, optional: where the order's new parts go (default: the Unsorted location)


# Both upload routes' form (and the preview's): a file and the import options, sent as multipart.
UploadForm = Annotated[ImportForm, Body(media_type=RequestEncodingType.MULTI_PART)]


class SupplierImportInfo(msgspec.Struct):
    name: str
    display_name: str
    supported_file_types: list[str]
    import_available: bool
    missing_credentials: list[str]
    is_configured: bool
    configuration_status: str
    enrichment_capabilities: list[str]
    enrichment_available: bool
    enrichment_missing_credentials: list[str]
    enrichment_message: str  # in words: ready, or which credentials are missing and where to set them


def flag(value: str | bool | None, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = (value or "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise InvalidInput(f"'{text[:20]}' is not true or false", field)


def known_supplier(name: str | None) -> str | None:
    key = supplier_key(name)
    if key is not None and key not in FORMATS:
        raise BadRequest(f"Unknown supplier '{name}'; order files can be imported from {', '.join(FORMATS)}")
    return key


def options_of(form: ImportForm) -> ImportOptions:
    caps = [c.strip() for c in form.enrichment_capabilities.split(",") if c.strip()]
    return ImportOptions(
        supplier_name=known_supplier(form.supplier_name or form.parser_type),
        order_number=form.order_number.strip()[:100] or None,
        order_date=form.order_date.strip()[:40] or None,
        notes=form.notes.strip()[:4000] or None,
        enable_enrichment=flag(form.enable_enrichment, "enable_enrichment"),
        enrichment_capabilities=caps[:20],
        force=flag(form.force, "force"),
        location_id=form.location_id.strip()[:100] or None,
    )


async def read_upload(orders: OrderService, upload: UploadFile | None) -> tuple[bytes, str]:
    if upload is None or not upload.filename:
        raise UnreadableFile("Send the order file as the multipart field 'file'", "file")
    content = await read_capped(upload, orders.settings.max_file_bytes)
    orders.check_size(len(content))
    return content, upload.filename


def import_answer(result: ImportResult) -> Response[Any]:
    body = Envelope(status="success", message=import_message(result), data=result)
    return Response(msgspec.to_builtins(body), status_code=202 if result.status == "queued" else 200)


async def import_and_answer(
    services: Services, content: bytes, filename: str, options: ImportOptions, principal: Principal
) -> Response[Any]:
    """Import a file and answer as every import route does: 200 (or 202 as a task), 422 naming bad rows."""
    try:
        result = await services.orders.import_file(content, filename, options, principal)
    except RowsRefused as exc:
        return refused(exc)
    return import_answer(result)


async def import_upload(form: ImportForm, principal: Principal, services: Services) -> Response[Any]:
    """The multipart upload routes (/api/import/file, /api/csv/import-file)."""
    content, filename = await read_upload(services.orders, form.file)
    return await import_and_answer(services, content, filename, options_of(form), principal)


def refused(exc: RowsRefused) -> Response[Any]:
    """422 naming every unreadable row; nothing was written."""
    items = [{"row": p.row, "reason": p.reason} for p in exc.parsed.problems]
    return Response(error_body(exc.message, {"failed_items": items}), status_code=422)


def preview_message(preview: ImportPreview) -> str:
    said = (
        f"{preview.display_name} order {preview.order_number or '(no number)'}: {preview.new_parts} new parts, "
        f"{preview.added_to_existing} add to existing parts, {preview.skipped} skipped"
    )
    if preview.errors:
        said += f", {len(preview.errors)} rows cannot be read (nothing would be imported)"
    if preview.already_imported:
        said += f"; already imported on {preview.already_imported.import_date}"
    return said


class ImportController(Controller):
    path = "/import"
    tags = ["import"]

    @get("/suppliers", opt=access("parts:read"))
    async def suppliers(self, services: NamedDependency[Services]) -> Envelope[list[SupplierImportInfo]]:
        enrichment = {st.name: st for st in services.suppliers.statuses()}
        infos = []
        for f in FORMATS.values():
            st = enrichment.get(f.supplier)
            infos.append(
                SupplierImportInfo(
                    name=f.supplier,
                    display_name=f.display_name,
                    supported_file_types=list(f.file_types),
                    import_available=True,
                    missing_credentials=[],
                    is_configured=True,  # importing a file needs no supplier account
                    configuration_status="configured",
                    enrichment_capabilities=st.capabilities if st and st.configured else [],
                    enrichment_available=bool(st and st.configured),
                    enrichment_missing_credentials=st.missing_credentials if st else [],
                    enrichment_message=st.message if st else "no enrichment client for this supplier",
                )
            )
        return ok(infos, f"{len(infos)} suppliers can import order files")

    @post("/file", opt=access(IMPORT), status_code=200, request_max_body_size=ORDER_FILE_BODY_LIMIT)
    async def import_file(
        self, data: UploadForm, principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Response[Any]:
        """Import an LCSC/DigiKey CSV or a Mouser XLS/XLSX; supplier_name is optional (judged by content)."""
        return await import_upload(data, principal, services)

    @post("/preview", opt=access(IMPORT), status_code=200, request_max_body_size=ORDER_FILE_BODY_LIMIT)
    async def preview(
        self,
        data: UploadForm,
        services: NamedDependency[Services],
    ) -> Envelope[ImportPreview]:
        """What importing this file would do, row by row, without writing anything."""
        options = options_of(data)
        content, filename = await read_upload(services.orders, data.file)
        preview = await services.orders.preview(content, filename, options)
        return ok(preview, preview_message(preview))
