"""The ALORA face, served under /alora on the same port and over the same data as /api."""

from __future__ import annotations

from litestar import Router

from makermatrix_edge.api.alora import auth, categories, chat, components, errors, inventory
from makermatrix_edge.api.security import authorize
from makermatrix_edge.httpkit.body import check_body
from makermatrix_edge.httpkit.idempotency import RecordReplies, idempotency_guard


def alora_router() -> Router:
    return Router(
        path="/alora",
        route_handlers=[
            auth.health,
            auth.register,
            auth.login,
            auth.me,
            components.ComponentsController,
            inventory.InventoryController,
            categories.AloraCategoriesController,
            chat.chat,
        ],
        guards=[authorize, idempotency_guard],  # Idempotency-Key: once the caller is known
        middleware=[RecordReplies],
        before_request=check_body,
        exception_handlers=errors.EXCEPTION_HANDLERS,
    )
