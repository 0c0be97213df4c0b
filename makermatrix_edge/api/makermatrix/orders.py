"""/api/orders: imported supplier orders with their items and links to the parts."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from makermatrix_edge.api.makermatrix.envelope import Envelope, ok, paged
from makermatrix_edge.api.security import access
from makermatrix_edge.httpkit.params import QueryInt
from makermatrix_edge.orders.models import OrderView
from makermatrix_edge.services import Services


class OrdersController(Controller):
    path = "/orders"
    tags = ["orders"]

    @get("/", opt=access("parts:read"))
    async def list_orders(
        self,
        services: NamedDependency[Services],
        page: QueryInt = 1,
        page_size: QueryInt = 20,
        supplier: FromQuery[str | None] = None,
    ) -> Envelope[list[OrderView]]:
        """Newest first; each with its number of items (GET /orders/{id} has the items)."""
        orders, total = await services.orders.list_orders(page, page_size, supplier)
        return paged(orders, f"{total} orders", page=page, page_size=page_size, total=total)

    @get("/{order_id:str}", opt=access("parts:read"))
    async def get_order(self, order_id: FromPath[str], services: NamedDependency[Services]) -> Envelope[OrderView]:
        order = await services.orders.get_order(order_id)
        return ok(order, f"{order.supplier} order {order.order_number or order.id}: {order.item_count} items")
