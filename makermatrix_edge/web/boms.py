"""A project's BOM on the phone: pick a file, see each line and its match (nothing written), confirm; pin a line.

The same flow as an order import (web/imports.py): the previewed file is kept under a random token
in the import previews (bounded per user, only its owner may confirm it) so the phone does not send
it twice, and the confirm imports exactly those bytes. Pinning a line to a part is one form post.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import DomainError, InvalidInput
from makermatrix_edge.httpkit.uploads import BOM_FILE_BODY_LIMIT
from makermatrix_edge.projects.bom_formats import EXPORT_HINT, MAX_FILE_BYTES, RowsRefused
from makermatrix_edge.projects.models import BomImport, RowProblem
from makermatrix_edge.web.boards import boards_asked
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.imports import STATUS
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.photos import Multipart, read_upload
from makermatrix_edge.web.projects import BOM_UPLOAD_ROUTE
from makermatrix_edge.web.render import Form, back, form_error, page, refused

EDIT = "projects:update"  # MakerMatrix's permission for a project's BOM (the API's import and pin)
LABELS = {"file": "", "staged": "", "line_id": "", "part_id": ""}
LIMIT_WORDS = f"{MAX_FILE_BYTES // 1_000_000} MB"


class UploadForm(msgspec.Struct):
    file: UploadFile | None = None


class ConfirmForm(msgspec.Struct):
    staged: str = ""
    filename: str = ""


class PinForm(msgspec.Struct):
    line_id: str = ""
    part_id: str = ""
    n: str = ""  # the Boards number on the page: the page comes back with it, its shortages still shown


def _page_of(project_id: str, data: PinForm) -> str:
    return f"/projects/{project_id}?n={boards_asked(data.n)[0]}"


def _line_id(text: str) -> int:
    if not text.strip().isdigit() or len(text.strip()) > 12:
        raise InvalidInput("This line is not in the BOM; reload the page", "line_id")
    return int(text)


def said_of(result: BomImport) -> str:
    """What an import did (or, previewed, would do), in one sentence."""
    said = (
        f"{result.format_name}: {result.line_count} line{'' if result.line_count == 1 else 's'}, "
        f"{result.matched} matched, {result.unmatched} unmatched, {result.dnp} not placed"
    )
    if result.preview:
        return said
    return said + (f"; it replaced the {result.replaced} earlier lines" if result.replaced else "") + "."


class BomPages(Controller):
    async def _form(
        self, request: Req, principal: Principal, services: Svc, project_id: str, status_code: int = 200, **shown: Any
    ) -> Template:
        """The upload page, with what `shown` adds (a preview, or an error and the rows refused)."""
        project = await services.projects.get(project_id)
        context = {"preview": None, "error": None, "problems": [], "staged": None, **shown}
        return page(
            request, "bom_import.html", principal, status_code, project=project, hint=EXPORT_HINT,
            limit=LIMIT_WORDS, **context,
        )  # fmt: skip

    @get(BOM_UPLOAD_ROUTE, opt=page_access(EDIT))
    async def bom_page(self, request: Req, project_id: FromPath[str], principal: User, services: Svc) -> Template:
        return await self._form(request, principal, services, project_id)

    @post(
        BOM_UPLOAD_ROUTE,
        opt=page_access(EDIT, file_limit=LIMIT_WORDS),
        status_code=200,
        request_max_body_size=BOM_FILE_BODY_LIMIT,
    )
    async def preview(
        self, request: Req, project_id: FromPath[str], data: Annotated[UploadForm, Multipart], principal: User,
        services: Svc,
    ) -> Template:  # fmt: skip
        """Read and match the file, write nothing; keep the bytes for the confirm."""
        problems: list[RowProblem] = []
        try:
            content = await read_upload(data.file, MAX_FILE_BYTES, "choose the BOM file first", "file")
            filename = data.file.filename if data.file else ""
            preview = await services.boms.import_file(project_id, content, filename, preview=True)
            staged = await asyncio.to_thread(services.orders.uploads.stage_preview, content, principal.user_id)
        except DomainError as exc:
            problems = exc.problems[:200] if isinstance(exc, RowsRefused) else []
            sentence, status = form_error(exc, LABELS)
            status = 422 if problems else STATUS.get(type(exc), status)
            return await self._form(
                request, principal, services, project_id, error=sentence, problems=problems, status_code=status
            )
        return await self._form(
            request, principal, services, project_id, preview=preview, staged=staged, filename=filename,
            summary=said_of(preview),
        )  # fmt: skip

    @post(f"{BOM_UPLOAD_ROUTE}/confirm", opt=page_access(EDIT), status_code=303)
    async def confirm(
        self, request: Req, project_id: FromPath[str], data: Annotated[ConfirmForm, Form], principal: User,
        services: Svc,
    ) -> Redirect:  # fmt: skip
        uploads = services.orders.uploads
        try:
            content = await asyncio.to_thread(uploads.read_preview, data.staged, principal.user_id)
            result = await services.boms.import_file(
                project_id, content, data.filename[:300] or "bom.csv", preview=False
            )
        except DomainError as exc:  # the preview is gone with the post: back to choosing the file
            return refused(request, f"/projects/{project_id}/bom", exc, labels=LABELS)
        await asyncio.to_thread(uploads.discard_preview, data.staged, principal.user_id)
        return back(request, f"/projects/{result.project_id}", f"BOM imported. {said_of(result)}")

    @post(f"{BOM_UPLOAD_ROUTE}/pin", opt=page_access(EDIT), status_code=303)
    async def pin(
        self, request: Req, project_id: FromPath[str], data: Annotated[PinForm, Form], services: Svc
    ) -> Redirect:
        part_id = data.part_id.strip()[:100]
        if not part_id:
            raise InvalidInput("Choose a part for the line", "part_id")
        line = await services.boms.pin(project_id, _line_id(data.line_id), part_id)
        return back(
            request,
            _page_of(project_id, data),
            f"{', '.join(line.designators) or 'The line'}: {line.part_name}, pinned.",
        )

    @post(f"{BOM_UPLOAD_ROUTE}/unpin", opt=page_access(EDIT), status_code=303)
    async def unpin(
        self, request: Req, project_id: FromPath[str], data: Annotated[PinForm, Form], services: Svc
    ) -> Redirect:
        line = await services.boms.pin(project_id, _line_id(data.line_id), None)
        return back(
            request,
            _page_of(project_id, data),
            f"{', '.join(line.designators) or 'The line'}: unpinned. {line.match_reason}",
        )
