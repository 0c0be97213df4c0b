"""/api/projects/{id}/buildable and /builds, /api/builds/{id}/complete|cancel|reverse, the reorder files.

Reading needs parts:read; a build moves stock, so starting, completing, cancelling and reversing
one needs parts:write (the permission every stock change needs).
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import access
from makermatrix_edge.bounds import MAX_INT
from makermatrix_edge.projects.buildable import Buildable
from makermatrix_edge.projects.builds import BuildView
from makermatrix_edge.services import Services
from makermatrix_edge.suppliers.carts import CartFile
from makermatrix_edge.suppliers.sourcing import ReorderList
from makermatrix_edge.textcheck import CheckedText

Boards = Annotated[int, msgspec.Meta(ge=-MAX_INT, le=MAX_INT)]  # the service words 1..MAX_BOARDS
QueryBoards = Annotated[int, QueryParameter(ge=-MAX_INT, le=MAX_INT)]


class BuildStart(CheckedText, forbid_unknown_fields=True):
    quantity: Boards
    note: Annotated[str, msgspec.Meta(max_length=200)] = ""


class BuildComplete(msgspec.Struct, forbid_unknown_fields=True):
    quantity: Boards | None = None  # fewer than the build's boards: a partial completion


def _download(cart: CartFile) -> Response[bytes]:
    return Response(
        cart.content,
        media_type=cart.media_type,
        headers={"Content-Disposition": f'attachment; filename="{cart.filename}"'},
    )


class ProjectBuildsController(Controller):
    path = "/projects/{project_id:str}"
    tags = ["builds"]

    @get("/buildable", opt=access("parts:read"))
    async def buildable(
        self, project_id: FromPath[str], services: NamedDependency[Services], quantity: QueryBoards = 1
    ) -> Envelope[Buildable]:
        """Can N boards be built now: per line need, available (stock minus other builds' reservations), short."""
        answer = await services.builds.buildable(project_id, quantity)
        return ok(answer, answer.message)

    @get("/buildable/reorder/{supplier:str}", opt=access("parts:read"), media_type="text/csv")
    async def shortage_cart(
        self, project_id: FromPath[str], supplier: FromPath[str], services: NamedDependency[Services],
        quantity: QueryBoards = 1,
    ) -> Response[bytes]:  # fmt: skip
        """The parts missing for N boards bought from one supplier, as that supplier's cart upload file."""
        return _download(await services.builds.shortage_cart(project_id, quantity, supplier))

    @get("/builds", opt=access("parts:read"))
    async def list_builds(
        self, project_id: FromPath[str], services: NamedDependency[Services]
    ) -> Envelope[list[BuildView]]:
        found = await services.builds.list_builds(project_id)
        return ok(found, f"{len(found)} builds")

    @post("/builds", opt=access("parts:write"), status_code=201)
    async def start(
        self,
        project_id: FromPath[str],
        data: JSONBody[BuildStart],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> Envelope[BuildView]:
        """Reserve the parts of N boards; 409 with the buildable answer in data when the shelf cannot."""
        build = await services.builds.start(project_id, data.quantity, principal, data.note)
        return ok(build, build.message)


class BuildsController(Controller):
    path = "/builds/{build_id:str}"
    tags = ["builds"]

    @get("/", opt=access("parts:read"))
    async def get_build(self, build_id: FromPath[str], services: NamedDependency[Services]) -> Envelope[BuildView]:
        build = await services.builds.get(build_id)
        return ok(build, build.message)

    @post("/complete", opt=access("parts:write"), status_code=200)
    async def complete(
        self,
        build_id: FromPath[str],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        data: JSONBody[BuildComplete | None] = None,
    ) -> Envelope[BuildView]:
        """Take the stock of the boards built (all not built yet, or `quantity` of them) in one step."""
        build = await services.builds.complete(build_id, principal, data.quantity if data else None)
        return ok(build, build.message)

    @post("/cancel", opt=access("parts:write"), status_code=200)
    async def cancel(
        self, build_id: FromPath[str], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[BuildView]:
        build = await services.builds.cancel(build_id, principal)
        return ok(build, build.message)

    @post("/reverse", opt=access("parts:write"), status_code=200)
    async def reverse(
        self, build_id: FromPath[str], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[BuildView]:
        """Put back every part a completed build took, as one action."""
        build = await services.builds.reverse(build_id, principal)
        return ok(build, build.message)


class ReorderController(Controller):
    path = "/reorder"
    tags = ["builds"]

    @get("/low-stock", opt=access("parts:read"))
    async def low_stock(self, services: NamedDependency[Services]) -> Envelope[ReorderList]:
        """Parts below their minimum with supplier, last price, shortage, and the totals per supplier."""
        listed = await services.reorder.low_stock()
        return ok(listed, f"{listed.total} parts below their minimum")

    @get("/low-stock/{supplier:str}", opt=access("parts:read"), media_type="text/csv")
    async def low_stock_cart(self, supplier: FromPath[str], services: NamedDependency[Services]) -> Response[bytes]:
        """The low-stock parts bought from one supplier, as that supplier's cart upload file."""
        return _download(await services.reorder.low_stock_cart(supplier))
