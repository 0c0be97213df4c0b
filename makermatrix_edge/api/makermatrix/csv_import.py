"""/api/csv: the deprecated CSV routes, kept as thin adapters over the order importer."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.makermatrix.imports import (
    IMPORT,
    UploadForm,
    flag,
    import_and_answer,
    import_answer,
    import_upload,
    known_supplier,
    preview_message,
    refused,
)
from makermatrix_edge.api.security import access
from makermatrix_edge.errors import NotFound
from makermatrix_edge.httpkit.uploads import ORDER_FILE_BODY_LIMIT
from makermatrix_edge.orders.importers import FORMATS, FilenameInfo, filename_info, supplier_key
from makermatrix_edge.orders.models import ImportConfig, ImportOptions, ImportPreview
from makermatrix_edge.orders.service import RowsRefused
from makermatrix_edge.orders.tasks import IMPORT_TYPE
from makermatrix_edge.services import Services
from makermatrix_edge.tasks.models import TaskFilter

Text = Annotated[str, msgspec.Meta(max_length=200)]
CsvText = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000_000)]


class OrderInfo(msgspec.Struct, kw_only=True):
    supplier: Text | None = None
    order_number: Text | None = None
    order_date: Text | None = None
    notes: Annotated[str, msgspec.Meta(max_length=4000)] | None = None


class CsvImportIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    csv_content: CsvText
    parser_type: Text | None = None
    filename: Text | None = None  # lets the name's order number and date count, as with a file upload
    order_info: OrderInfo | None = None
    force: bool | str = False
    enable_enrichment: bool | str = False

    def options(self) -> ImportOptions:
        info = self.order_info or OrderInfo()
        return ImportOptions(
            supplier_name=known_supplier(self.parser_type or info.supplier),
            order_number=info.order_number,
            order_date=info.order_date,
            notes=info.notes,
            enable_enrichment=flag(self.enable_enrichment, "enable_enrichment"),
            force=flag(self.force, "force"),
        )


class CsvParseIn(msgspec.Struct, kw_only=True):
    csv_content: CsvText
    parser_type: Text | None = None
    filename: Text | None = None


class FilenameIn(msgspec.Struct, kw_only=True):
    filename: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]


class ParserInfo(msgspec.Struct):
    parser_type: str
    name: str
    display_name: str
    file_types: list[str]
    required_columns: list[str]
    example_header: str
    detection: str


class ImportProgress(msgspec.Struct):
    task_id: str | None
    status: str
    progress_percentage: int
    current_step: str | None
    result: Any = None


def _info(supplier: str) -> ParserInfo:
    fmt = FORMATS[supplier]
    return ParserInfo(
        parser_type=supplier,
        name=supplier,
        display_name=fmt.display_name,
        file_types=list(fmt.file_types),
        required_columns=["supplier_part_number (or manufacturer_part_number)", "quantity"],
        example_header=fmt.example_header,
        detection="by the file's header row, whatever the file is called",
    )


def _encoded(body: CsvImportIn | CsvParseIn) -> tuple[bytes, str]:
    return body.csv_content.encode("utf-8"), body.filename or "import.csv"


class CsvController(Controller):
    path = "/csv"
    tags = ["import"]

    @get("/supported-types", opt=access("parts:read"))
    async def supported_types(self) -> Envelope[list[ParserInfo]]:
        return ok([_info(s) for s in FORMATS], "LCSC and DigiKey CSV, Mouser XLS/XLSX")

    @post("/import", opt=access(IMPORT), status_code=200, request_max_body_size=ORDER_FILE_BODY_LIMIT)
    async def import_csv(
        self, data: JSONBody[CsvImportIn], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Response[Any]:
        content, filename = _encoded(data)
        return await import_and_answer(services, content, filename, data.options(), principal)

    @post("/import-file", opt=access(IMPORT), status_code=200, request_max_body_size=ORDER_FILE_BODY_LIMIT)
    async def import_file(
        self, data: UploadForm, principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Response[Any]:
        return await import_upload(data, principal, services)

    @post("/import/with-progress", opt=access(IMPORT), status_code=202, request_max_body_size=ORDER_FILE_BODY_LIMIT)
    async def import_with_progress(
        self, data: JSONBody[CsvImportIn], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Response[Any]:
        """Always a task: follow it on /ws/tasks or GET /api/csv/import/progress."""
        content, filename = _encoded(data)
        try:
            result = await services.orders.import_file(content, filename, data.options(), principal, as_task=True)
        except RowsRefused as exc:
            return refused(exc)
        return import_answer(result)

    @get("/import/progress", opt=access(IMPORT))
    async def import_progress(
        self, principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[ImportProgress]:
        """Your newest import task: its status and progress (idle when you have none)."""
        flt = TaskFilter(task_types=[IMPORT_TYPE], created_by_user_id=principal.user_id, limit=1)
        tasks, _ = await services.tasks.search(flt, principal)
        if not tasks:
            return ok(ImportProgress(None, "idle", 0, None), "No import has run")
        t = tasks[0]
        progress = ImportProgress(t.id, t.status, t.progress_percentage, t.current_step, t.result_data)
        return ok(progress, f"Import {t.status}: {t.progress_percentage}%")

    @post("/parse", opt=access(IMPORT), status_code=200, request_max_body_size=ORDER_FILE_BODY_LIMIT)
    async def parse(self, data: JSONBody[CsvParseIn], services: NamedDependency[Services]) -> Envelope[ImportPreview]:
        """What importing this CSV text would do, row by row, without writing anything."""
        content, filename = _encoded(data)
        options = ImportOptions(supplier_name=known_supplier(data.parser_type))
        preview = await services.orders.preview(content, filename, options)
        return ok(preview, preview_message(preview))

    @post("/extract-filename-info", opt=access("parts:read"), status_code=200)
    async def extract_filename_info(self, data: JSONBody[FilenameIn]) -> Envelope[FilenameInfo]:
        info = filename_info(data.filename)
        said = f"Looks like {info.supplier}" if info.supplier else "The name does not say which supplier"
        return ok(info, said)

    @get("/parsers/{parser_type:str}/info", opt=access("parts:read"))
    async def parser_info(self, parser_type: FromPath[str]) -> Envelope[ParserInfo]:
        key = supplier_key(parser_type)
        if key not in FORMATS:
            raise NotFound(f"No parser '{parser_type}'; there are {', '.join(FORMATS)}")
        return ok(_info(key), FORMATS[key].display_name)

    @get("/config", opt=access("parts:read"))
    async def get_config(self, services: NamedDependency[Services]) -> Envelope[ImportConfig]:
        return ok(await services.orders.config(), "Import configuration")

    @put("/config", opt=access(IMPORT))
    async def put_config(
        self, data: JSONBody[ImportConfig], services: NamedDependency[Services]
    ) -> Envelope[ImportConfig]:
        return ok(await services.orders.save_config(data), "Import configuration saved")
