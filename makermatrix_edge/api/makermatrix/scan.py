"""/api/scan and /api/scanner: scan-to-find (payloads, phone photos, bag receiving) and the bench camera."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.httpkit.admission import photo_admission
from makermatrix_edge.httpkit.params import QueryInt
from makermatrix_edge.httpkit.uploads import SCAN_PHOTO_BODY_LIMIT, read_capped
from makermatrix_edge.scanning.receive import Received, ReceiveRequest, receive
from makermatrix_edge.scanning.service import ScannerStatus, ScanResult
from makermatrix_edge.services import Services


class ScanRequest(msgspec.Struct, forbid_unknown_fields=True):
    payload: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class PhotoUpload(msgspec.Struct):
    file: UploadFile


class ScanController(Controller):
    path = "/scan"
    tags = ["scan"]

    @post("/", opt=access("parts:read"), status_code=200)
    async def scan(self, data: JSONBody[ScanRequest], services: NamedDependency[Services]) -> Envelope[ScanResult]:
        """What a wedge scanner types or a paste sends: the part, its location and quantity, or why not."""
        result = await services.scans.scan(data.payload)
        return ok(result, result.message)

    @post(
        "/image",
        opt=access("parts:read"),
        status_code=200,
        request_max_body_size=SCAN_PHOTO_BODY_LIMIT,
        middleware=[photo_admission],
    )
    async def scan_image(
        self,
        data: Annotated[PhotoUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        services: NamedDependency[Services],
    ) -> Envelope[list[ScanResult]]:
        """Every code in a phone photo (up to 20 MB, [scanner] max_image_bytes), each resolved."""
        content = await read_capped(data.file, services.scans.settings.max_image_bytes)
        results = await services.scans.scan_image(content)
        return ok(results, f"{len(results)} codes found" if results else "No code found in the photo")

    @post("/receive", opt=access("parts:write"), status_code=200)
    async def receive(
        self,
        data: JSONBody[ReceiveRequest],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[Received]:
        """Create the bag's part, or add the bag's quantity to it (a stock movement with source scan)."""
        done = await receive(services.scans, data, principal)
        verb = "Created" if done.action == "created" else "Added to"
        return ok(done, f"{verb} '{done.part.part_name}': +{done.quantity_added}, {done.part.quantity} now")

    @get("/recent", opt=access("parts:read"))
    async def recent(self, services: NamedDependency[Services], limit: QueryInt = 20) -> Envelope[list[ScanResult]]:
        results = services.scans.recent(limit)
        return ok(results, f"{len(results)} recent scans")


class ScannerController(Controller):
    path = "/scanner"
    tags = ["scan"]

    @get("/status", opt=access("parts:read"))
    async def status(self, services: NamedDependency[Services]) -> Envelope[ScannerStatus]:
        status = services.scans.status()
        return ok(status, f"Camera {status.camera.state}")

    @post("/start", opt=access("parts:write"), status_code=200)
    async def start(self, services: NamedDependency[Services]) -> Envelope[ScannerStatus]:
        status = await services.scans.start_camera()
        return ok(status, "Camera started")

    @post("/stop", opt=access("parts:write"), status_code=200)
    async def stop(self, services: NamedDependency[Services]) -> Envelope[ScannerStatus]:
        status = await services.scans.stop_camera()
        return ok(status, "Camera stopped")
