"""/api/printer: print labels, preview them, printer status and config, label templates, the job queue."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.makermatrix.label_templates import TemplatePreview, template_view
from makermatrix_edge.api.security import access
from makermatrix_edge.devices.printer.media import LabelSize
from makermatrix_edge.errors import InvalidInput, NotFound
from makermatrix_edge.httpkit.params import OptionalQueryInt
from makermatrix_edge.labels import models as m
from makermatrix_edge.labels.job_words import said
from makermatrix_edge.labels.printing import Job
from makermatrix_edge.labels.templates import Template, TemplateBody
from makermatrix_edge.services import Services

USE, ADMIN = "printer:use", "printer:admin"


def job_answer(job: Job) -> Envelope[Job]:
    return Envelope(status="error" if job.state == "failed" else "success", message=said(job), data=job)


class PrinterController(Controller):
    path = "/printer"
    tags = ["printer"]

    @post("/print_label", opt=access(USE), status_code=202)
    async def print_label(
        self,
        data: JSONBody[m.PrintLabelRequest],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[Job]:
        """Print a part's label (MakerMatrix spec); answers the job at once, or its result with wait=true."""
        part_id = data.part_id or (data.part and (data.part.id or data.part.part_id))
        if not part_id:
            if not data.part_name:
                raise InvalidInput("give part (with its id), part_id or part_name", "part")
            part_id = (await services.parts.get(part_name=data.part_name)).id
        req = m.PrintRequest(copies=data.copies, template=data.template, label_size=data.label_size, wait=data.wait)
        return job_answer(await services.labels.print_entity("part", part_id, req, principal))

    @post("/print_qr", opt=access(USE), status_code=202)
    async def print_qr(
        self,
        data: JSONBody[m.PrintQrRequest],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[Job]:
        return job_answer(await services.labels.print_qr(data, principal))

    @post("/print_batch", opt=access(USE), status_code=202)
    async def print_batch(
        self,
        data: JSONBody[m.BatchPrintRequest],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[list[Job]]:
        jobs = await services.labels.print_batch(data, principal)
        return ok(jobs, f"{len(jobs)} labels queued")

    @post("/preview", opt=access(USE), status_code=200)
    async def preview(self, data: JSONBody[m.PreviewRequest], services: NamedDependency[Services]) -> Response[bytes]:
        """PNG of exactly the dots that will print (width across the tape x length along it)."""
        image, (width, height) = await services.labels.preview(data)
        headers = {"X-Label-Width": str(width), "X-Label-Height": str(height), "Cache-Control": "no-store"}
        return Response(image, media_type="image/png", headers=headers)

    @post("/preview/template", opt=access(USE), status_code=200)
    async def preview_template(
        self, data: JSONBody[m.TemplatePreviewRequest], services: NamedDependency[Services]
    ) -> Envelope[TemplatePreview]:
        """MakerMatrix's front end's template preview: the PNG as a data URL (the same one /api/templates answers)."""
        return ok(
            template_view(await services.labels.preview_template(data)), "Template preview generated successfully"
        )

    @post("/preview/template/draft", opt=access(USE), status_code=200)
    async def preview_draft(
        self, data: JSONBody[m.TemplatePreviewRequest], services: NamedDependency[Services]
    ) -> Envelope[TemplatePreview]:
        if data.template_config is None:
            raise InvalidInput("give the draft template", "template_config")
        shown = await services.labels.preview_template(data)
        return ok(template_view(shown), "Draft template preview generated successfully")

    @post("/print/template", opt=access(USE), status_code=202)
    async def print_template(
        self,
        data: JSONBody[m.TemplatePrintRequest],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[Job]:
        """A saved template printed for the part (or location) data.id names, with its stored values."""
        return job_answer(await services.labels.print_template(data, principal))

    @get("/status", opt=access(USE))
    async def status(self, services: NamedDependency[Services]) -> Envelope[m.PrinterStatusView]:
        view = await services.labels.status()
        return ok(view, f"{view.model}: {view.state}" + (f" ({view.reason})" if view.reason else ""))

    @get("/printers", opt=access(USE))
    async def printers(self, services: NamedDependency[Services]) -> Envelope[list[m.PrinterInfo]]:
        """The printers this daemon drives: the one configured (MakerMatrix clients list several)."""
        view = await services.labels.status(refresh=False)
        current = services.labels.current()
        info = m.PrinterInfo(
            id="default",
            name=f"Brother {view.model}" if view.kind == "brother_ql" else f"{view.model} ({view.kind})",
            driver=view.kind,
            model=view.model,
            status=view.state,
            backend=current.backend,
            identifier=view.identifier,
            capabilities=["text", "qr_codes", "images"],
        )
        return ok([info], "1 printer")

    @get("/drivers", opt=access(USE))
    async def drivers(self) -> Envelope[list[m.DriverInfo]]:
        return ok(m.DRIVERS, f"{len(m.DRIVERS)} printer drivers")

    @get("/labels", opt=access(USE))
    async def labels(self, services: NamedDependency[Services]) -> Envelope[list[LabelSize]]:
        sizes = services.labels.labels()
        return ok(sizes, f"{len(sizes)} label sizes")

    @get("/jobs", opt=access(USE))
    async def jobs(self, services: NamedDependency[Services], limit: OptionalQueryInt = None) -> Envelope[list[Job]]:
        """Newest first; `limit` from 1 to printer.keep_jobs (all kept jobs without it)."""
        jobs = services.labels.queue.jobs(limit)
        return ok(jobs, f"{len(jobs)} jobs")

    @get("/jobs/{job_id:str}", opt=access(USE))
    async def job(self, job_id: FromPath[str], services: NamedDependency[Services]) -> Envelope[Job]:
        found = services.labels.queue.get(job_id)
        if found is None:
            raise NotFound(f"No print job {job_id}")
        return job_answer(found)

    @post("/config", opt=access(ADMIN), status_code=200)
    async def config(
        self, data: JSONBody[m.PrinterConfig], services: NamedDependency[Services]
    ) -> Envelope[m.PrinterConfig]:
        return ok(await services.labels.configure(data), "Printer configured")

    @get("/load_config", opt=access(ADMIN))
    async def load_config(self, services: NamedDependency[Services]) -> Envelope[m.PrinterConfig]:
        return ok(await services.labels.load_config(), "Printer configuration loaded")

    @get("/current_printer", opt=access(USE))
    async def current_printer(self, services: NamedDependency[Services]) -> Envelope[m.PrinterConfig]:
        return ok(services.labels.current(), "Current printer")


class TemplatesController(Controller):
    path = "/printer/templates"
    tags = ["printer"]

    @get("/", opt=access(USE))
    async def list_templates(self, services: NamedDependency[Services]) -> Envelope[list[Template]]:
        found = await services.labels.templates.list()
        return ok(found, f"{len(found)} label templates")

    @get("/{template_id:str}", opt=access(USE))
    async def get_template(self, template_id: FromPath[str], services: NamedDependency[Services]) -> Envelope[Template]:
        return ok(await services.labels.templates.get(template_id), "Label template")

    @post("/", opt=access(ADMIN), status_code=200)
    async def create(
        self, data: JSONBody[TemplateBody], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[Template]:
        made = await services.labels.templates.create(data, principal)
        return ok(made, f"Label template '{made.name}' added")

    @put("/{template_id:str}", opt=access(ADMIN))
    async def update(
        self, template_id: FromPath[str], data: JSONBody[TemplateBody], services: NamedDependency[Services]
    ) -> Envelope[Template]:
        changed = await services.labels.templates.update(template_id, data)
        return ok(changed, f"Label template '{changed.name}' updated")

    @delete("/{template_id:str}", opt=access(ADMIN), status_code=200)
    async def remove(self, template_id: FromPath[str], services: NamedDependency[Services]) -> Envelope[Template]:
        gone = await services.labels.templates.delete(template_id)
        return ok(gone, f"Label template '{gone.name}' deleted")


class EntityPrintController(Controller):
    """POST /api/parts/{id}/print and /api/locations/{id}/print."""

    path = "/"
    tags = ["printer"]

    @post("/parts/{part_id:str}/print", opt=access(USE), status_code=202)
    async def print_part(
        self,
        part_id: FromPath[str],
        data: JSONBody[m.PrintRequest],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[Job]:
        return job_answer(await services.labels.print_entity("part", part_id, data, principal))

    @post("/locations/{location_id:str}/print", opt=access(USE), status_code=202)
    async def print_location(
        self,
        location_id: FromPath[str],
        data: JSONBody[m.PrintRequest],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[Job]:
        return job_answer(await services.labels.print_entity("location", location_id, data, principal))


class Simulated(msgspec.Struct):
    state: str
    media: str | None
    jobs: int


class SimulatorController(Controller):
    """Dev mode only ([printer] kind = "fake"): script the simulated QL and see what it printed."""

    path = "/printer/simulator"
    tags = ["printer"]

    @post("/", opt=access(ADMIN), status_code=200)
    async def set_state(
        self, data: JSONBody[m.SimulatorRequest], services: NamedDependency[Services]
    ) -> Envelope[Simulated]:
        sim = services.labels.simulated()
        if data.state is not None:
            services.labels.script_simulator(data.state, data.media)
        elif data.media is not None:
            services.labels.script_simulator(sim.state, data.media)
        return ok(Simulated(state=sim.state, media=sim.media, jobs=len(sim.jobs)), f"Simulated printer: {sim.state}")

    @get("/last_print", opt=access(USE))
    async def last_print(self, services: NamedDependency[Services]) -> Response[bytes]:
        """The last label the simulated printer received, decoded from its bytes (comparable with the preview)."""
        return Response(await services.labels.last_simulated_print(), media_type="image/png")
