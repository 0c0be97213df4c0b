"""Label printing as the API sees it: templates, previews, print requests, printer status and config."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

import msgspec
import sqlite_utils
from PIL import Image

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.clock import Clock
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.devices.printer import build_printer
from makermatrix_edge.devices.printer.media import MODELS, LabelSize, find_loaded, label_size, labels_for_model
from makermatrix_edge.devices.printer.simulator import SIMULATED_MODELS, SimState, SimulatedQL, SimulatedUsb
from makermatrix_edge.errors import DeviceUnavailable, InvalidInput, NotFound
from makermatrix_edge.labels import models as m
from makermatrix_edge.labels.printing import Job, PrintQueue
from makermatrix_edge.labels.quick import QR_FIELD, SAMPLE, as_values, literal_values, name_only, qr_only, text_label
from makermatrix_edge.labels.raster import decode, printable_area, to_instructions
from makermatrix_edge.labels.render import render
from makermatrix_edge.labels.sources import LabelData, location_data, part_data, public_url, tool_data
from makermatrix_edge.labels.store import TemplateStore
from makermatrix_edge.labels.templates import BUILTIN_BY_ID, DEFAULT_FOR, Kind, Template, check
from makermatrix_edge.settings import PrinterSettings, Settings

CONFIG_FILE = "printer.json"


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _generic(kind: Kind, size: LabelSize) -> Template:
    """A template for a label size without a built-in one: the name (and number) beside the QR."""
    long_tape = (size.kind == "endless" and size.width_mm < 50) or size.length_dots > size.width_dots
    text = "{part_name}\n{part_number}\n{location}" if kind == "part" else "{location}\n{location_path}"
    return msgspec.convert(
        {
            "id": f"{kind}-{size.name}",
            "builtin": True,
            "name": f"{kind.title()} {size.describe()}",
            "kind": kind,
            "label_size": size.name,
            "text": text,
            "qr_position": "left",
            "orientation": "landscape" if long_tape else "portrait",
            "margin_px": 2 if size.width_dots < 200 else 8,
        },
        Template,
    )


class LabelService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, queue: PrintQueue) -> None:
        self._db = db
        self._settings = settings
        self.cfg: PrinterSettings = settings.printer
        self.queue = queue
        self.templates = TemplateStore(db, clock)
        self.base_url = public_url(settings.server.public_url, settings.server.port)
        self._config_path = settings.data_dir / CONFIG_FILE

    # -- choosing what to render --------------------------------------------------------
    async def _template(self, kind: Kind, template_id: str | None, size_name: str | None) -> Template:
        if template_id:
            template = await self.templates.get(template_id)
            if template.kind != kind:
                raise InvalidInput(f"template '{template.name}' is for {template.kind} labels", "template")
            if size_name and label_size(size_name).name != template.label_size:
                raise InvalidInput(
                    f"template '{template.name}' is for {template.label_size} labels, not {size_name}", "label_size"
                )
            return template
        size = label_size(size_name or self.cfg.default_label)
        builtin = DEFAULT_FOR.get((kind, size.name))
        return BUILTIN_BY_ID[builtin] if builtin else _generic(kind, size)

    async def _data(self, entity_type: str, entity_id: str, base_url: str | None = None) -> LabelData:
        base = base_url or self.base_url

        def load(db: sqlite_utils.Database) -> LabelData:
            if entity_type == "part":
                return part_data(db, entity_id, base)
            if entity_type == "tool":
                return tool_data(db, entity_id, base)
            return location_data(db, entity_id, base)

        return await self._db.read(load)

    def _check_model(self, size: LabelSize) -> None:
        if all(s.name != size.name for s in labels_for_model(self.queue.printer.model or self.cfg.model)):
            raise InvalidInput(f"the {self.queue.printer.model} cannot print {size.describe()} labels", "label_size")

    # -- previews -------------------------------------------------------------------
    async def preview(self, req: m.PreviewRequest, base_url: str | None = None) -> tuple[bytes, tuple[int, int]]:
        """PNG of exactly the dots that will print (the same render() as the print path).

        `base_url`: the address the QR code opens, when the caller knows better than the configured one.
        """
        kind: Kind = "location" if req.location_id else "part"  # a tool's label uses the part templates
        if req.template is not None:
            check(req.template)
            template = msgspec.convert({**msgspec.to_builtins(req.template), "id": "draft"}, Template)
        else:
            template = await self._template(kind, req.template_id, req.label_size)
        if req.tool_id:
            data = await self._data("tool", req.tool_id, base_url)
            values, qr = data.values, data.qr
        elif req.part_id or req.location_id:
            data = await self._data(kind, req.part_id or req.location_id or "", base_url)
            values, qr = data.values, data.qr
        else:
            values = as_values(req.data)
            qr = req.qr_data or f"{self.base_url}/p/{values.get('id', 'preview')}"
        image = await asyncio.to_thread(render, template, values, qr)
        return await asyncio.to_thread(png, image), image.size

    async def _rendered(self, template: Template, values: Mapping[str, str], qr: str | None) -> m.Rendered:
        self._check_model(label_size(template.label_size))
        image = await asyncio.to_thread(render, template, values, qr)
        return m.Rendered(await asyncio.to_thread(png, image), image.size[0], image.size[1], template.label_size)

    async def preview_part_kind(
        self, kind: m.PartKind, part_id: str, size_name: str, text: str | None = None
    ) -> m.Rendered:
        """A part's QR label (as print_qr prints it), its name, or both (its default label, or `text` with the QR)."""
        size = label_size(size_name)
        data = await self._data("part", part_id)
        if kind == "qr_code":
            template = qr_only(size)
        elif kind == "name":
            template = name_only(size)
        elif text:
            template = msgspec.structs.replace(text_label(size, text), qr_position="left")
            return await self._rendered(template, {**data.values, **literal_values(text)}, data.qr)
        else:
            template = await self._template("part", None, size.name)
        return await self._rendered(template, data.values, data.qr)

    async def preview_plain(self, text: str, size_name: str) -> m.Rendered:
        """Text printed as typed: no QR code, braces kept ("{qr}" alone cannot be printed, the renderer owns it)."""
        return await self._rendered(text_label(label_size(size_name), text), literal_values(text), None)

    async def preview_text(self, req: m.AdvancedPreview) -> m.Rendered:
        """Typed text with MakerMatrix's {qr} / {qr=field} and `data` values; other braces print as typed."""
        size = label_size(req.label_size)
        text = req.template.replace("\\n", "\n")
        qr_field = QR_FIELD.search(text)
        include_qr = req.include_qr or "{qr}" in text or qr_field is not None
        text = QR_FIELD.sub("", text).replace("{qr}", "")
        values = {**literal_values(text), **as_values(req.data)}
        qr = req.qr_data or (values.get(qr_field.group(1)) if qr_field else None)
        qr = qr or f"{self.base_url}/p/{values.get('id', 'preview')}"
        template = text_label(size, text, req.label_length_mm, req.font_size_override)
        if include_qr:
            template = msgspec.structs.replace(template, qr_position="left")
        return await self._rendered(template, values, qr if include_qr else None)

    async def preview_template(self, req: m.TemplatePreviewRequest) -> m.Rendered:
        """A saved or draft template with a part's values or sample ones, as the print path would print it."""
        if req.template_config is not None:
            check(req.template_config)
            template = msgspec.convert({**msgspec.to_builtins(req.template_config), "id": "draft"}, Template)
        elif req.template_id:
            template = await self.templates.get(req.template_id)
        else:
            raise InvalidInput("give template_id or template_config", "template_id")
        if req.part_id:
            found = await self._data(template.kind, req.part_id)
            return await self._rendered(template, found.values, found.qr)
        values = {**SAMPLE, **as_values(req.data)}
        return await self._rendered(template, values, f"{self.base_url}/p/{values['id']}")

    # -- printing -------------------------------------------------------------------
    async def print_entity(
        self,
        entity_type: Kind | Literal["tool"],
        entity_id: str,
        req: m.PrintRequest,
        actor: Principal | None,
        base_url: str | None = None,
    ) -> Job:
        kind: Kind = "part" if entity_type == "tool" else entity_type  # a tool's label uses the part templates
        template = await self._template(kind, req.template, req.label_size)
        data = await self._data(entity_type, entity_id, base_url)
        return await self._submit(template, data, req, actor)

    async def print_template(self, req: m.TemplatePrintRequest, actor: Principal | None) -> Job:
        """A template printed for the part or location `data.id` names, with its stored values (not `data`'s)."""
        template = await self.templates.get(req.template_id)
        entity_id = str((req.data or {}).get("id") or "")
        if not entity_id:
            raise InvalidInput("name the part or location to print for (data.id)", "data")
        one = m.PrintRequest(copies=req.copies, template=template.id, label_size=req.label_size, wait=req.wait)
        return await self.print_entity(template.kind, entity_id, one, actor)

    async def print_batch(self, req: m.BatchPrintRequest, actor: Principal | None) -> list[Job]:
        template = await self._template("part", req.template, req.label_size)
        datas = [await self._data("part", pid) for pid in req.part_ids]  # all found before any is queued
        one = m.PrintRequest(copies=req.copies)
        return [await self._submit(template, d, one, actor) for d in datas]

    async def print_qr(self, req: m.PrintQrRequest, actor: Principal | None) -> Job:
        size = label_size(req.label_size or self.cfg.default_label)
        if req.part_id:
            data = await self._data("part", req.part_id)
        elif req.data:
            data = LabelData("qr", None, req.data[:60], {}, req.data)
        else:
            raise InvalidInput("give part_id or data", "data")
        return await self._submit(qr_only(size), data, m.PrintRequest(copies=req.copies, wait=req.wait), actor)

    async def _submit(self, template: Template, data: LabelData, req: m.PrintRequest, actor: Principal | None) -> Job:
        size = label_size(template.label_size)
        self._check_model(size)
        if not 1 <= req.copies <= self.cfg.max_copies:
            raise InvalidInput(f"must be between 1 and {self.cfg.max_copies}", "copies")
        state = self.queue.state()
        if state.state == "disabled":
            raise DeviceUnavailable(state.reason or "printing is turned off")
        queue = self.queue

        def build() -> bytes:
            return to_instructions(render(template, data.values, data.qr), size, queue.printer.model)

        job = queue.submit(
            build,
            size,
            entity_type=data.entity_type,
            entity_id=data.entity_id,
            title=data.title,
            template_id=template.id,
            copies=req.copies,
            user=actor.username if actor else None,
        )
        if req.wait:
            return await queue.wait(job.id, self.cfg.wait_max_seconds)
        return job

    # -- status and config --------------------------------------------------------------
    async def status(self, refresh: bool = True) -> m.PrinterStatusView:
        if refresh and self.queue.current is None:
            await self.queue.poll()
        printer = self.queue.printer
        state = printer.state()
        st = self.queue.last_status
        media = None
        if st is not None:
            media = m.Media(width_mm=st.media_width_mm, type=st.media_type, length_mm=st.media_length_mm,
                            description=st.media())  # fmt: skip
        return m.PrinterStatusView(
            kind=printer.kind,
            model=printer.model,
            identifier=getattr(printer, "identifier", None),
            state=state.state,
            reason=state.reason,
            media=media,
            errors=list(st.errors) if st else [],
            job=self.queue.current,
            queued=self.queue.queued(),
        )

    def labels(self) -> list[LabelSize]:
        return labels_for_model(self.queue.printer.model or self.cfg.model)

    def current(self) -> m.PrinterConfig:
        printer = self.queue.printer
        return m.PrinterConfig(
            backend=_backend_of(getattr(printer, "identifier", "")) if printer.kind != "file" else "file",
            driver=printer.kind,
            printer_identifier=getattr(printer, "identifier", ""),
            dpi=300,
            model=printer.model,
            scaling_factor=1.0,
            additional_settings={"default_label": self.cfg.default_label},
        )

    async def configure(self, req: m.PrinterConfig) -> m.PrinterConfig:
        if req.model not in MODELS:
            raise InvalidInput(f"unknown model '{req.model}'; models are {', '.join(MODELS)}", "model")
        if self.cfg.kind == "fake" and req.model not in SIMULATED_MODELS:
            raise InvalidInput(
                f"the simulated printer cannot be a {req.model}; it can be {', '.join(SIMULATED_MODELS)}", "model"
            )
        if req.dpi != 300:
            raise InvalidInput("only 300 dpi is supported", "dpi")
        default_label = str(req.additional_settings.get("default_label", self.cfg.default_label))
        label_size(default_label)
        changes: dict[str, Any] = {"model": req.model, "default_label": default_label}
        if req.printer_identifier and self.cfg.kind == "brother_ql":
            changes["identifier"] = req.printer_identifier
        if self.cfg.kind == "fake":
            changes["fake_model"] = req.model
        self.cfg = msgspec.structs.replace(self.cfg, **changes)
        await self.queue.replace_printer(build_printer(self.cfg, self._settings.data_dir))
        await asyncio.to_thread(self._save, changes)
        return self.current()

    def _save(self, changes: dict[str, Any]) -> None:
        tmp = self._config_path.with_suffix(".tmp")
        tmp.write_bytes(msgspec.json.encode(changes))
        tmp.replace(self._config_path)

    async def load_config(self) -> m.PrinterConfig:
        """Apply the configuration saved by POST /api/printer/config (data_dir/printer.json)."""
        path: Path = self._config_path
        if not path.exists():
            return self.current()
        saved = msgspec.json.decode(await asyncio.to_thread(path.read_bytes))
        keys = ("model", "identifier", "default_label", "fake_model")
        self.cfg = msgspec.structs.replace(self.cfg, **{k: v for k, v in saved.items() if k in keys})
        await self.queue.replace_printer(build_printer(self.cfg, self._settings.data_dir))
        return self.current()

    # -- the simulated printer (kind "fake") ---------------------------------------------
    def simulated(self) -> SimulatedQL:
        bus = getattr(self.queue.printer, "simulator", None)
        if not isinstance(bus, SimulatedUsb):
            raise NotFound('There is no simulated printer: [printer] kind is not "fake"')
        return bus.printers[0]

    def script_simulator(self, state: str, media: str | None) -> None:
        sim = self.simulated()
        if state not in get_args(SimState):
            raise InvalidInput(f"must be one of {', '.join(get_args(SimState))}", "state")
        if media is not None:
            sim.media = label_size(media).name if media else None
        sim.state = state  # type: ignore[assignment]

    async def last_simulated_print(self) -> bytes:
        sim = self.simulated()
        if not sim.jobs:
            raise NotFound("The simulated printer has printed nothing yet")
        job, model = sim.jobs[-1], sim.model

        def decode_last() -> bytes:
            page = decode(job)[-1]
            label = self._label_of(job)
            return png(printable_area(page, label, model))

        return await asyncio.to_thread(decode_last)

    @staticmethod
    def _label_of(job: bytes) -> LabelSize:
        at = job.find(b"\x1biz")
        width, length, mtype = job[at + 5], job[at + 6], job[at + 4]
        found = find_loaded(width, length, mtype)
        if found is None:
            raise NotFound(f"no label of {width}x{length} mm")
        return found


def _backend_of(identifier: str) -> str:
    if identifier.startswith("tcp://"):
        return "network"
    if identifier.startswith(("file://", "/dev/")):
        return "linux_kernel"
    return "pyusb"
