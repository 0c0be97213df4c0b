"""The orders on the phone: the list (newest first), one order with its lines and parts, labels for its new parts."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from makermatrix_edge.httpkit.params import QueryInt
from makermatrix_edge.labels import models as m
from makermatrix_edge.orders.models import OrderView, PartOrderItem
from makermatrix_edge.orders.planning import DISPLAY_SUPPLIER
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.render import back, page

PAGE_SIZE = 30
MAX_LABELS = 100  # one batch print at most (the API's limit)


def order_title(supplier: str, number: str | None) -> str:
    """ "LCSC order 20241222_232708": the words the stock history uses for the same order."""
    return f"{DISPLAY_SUPPLIER.get(supplier, supplier)} order {number or '(no number)'}"


def titled(orders: list[OrderView]) -> list[tuple[OrderView, str]]:
    return [(o, order_title(o.supplier, o.order_number)) for o in orders]


def import_links(items: list[PartOrderItem]) -> dict[str, str]:
    """A part's history row "import: LCSC order 123" -> that order's page (the row's words stay as stored)."""
    return {f"import: {order_title(i.supplier, i.order_number)}": f"/orders/{i.order_id}" for i in items}


class OrderPages(Controller):
    @get("/orders", opt=page_access("parts:read"))
    async def orders(self, request: Req, principal: User, services: Svc, page_no: QueryInt = 1) -> Template:
        number = max(1, page_no)
        found, total = await services.orders.list_orders(number, PAGE_SIZE, None)
        return page(
            request,
            "orders.html",
            principal,
            orders=titled(found),
            total=total,
            page_no=number,
            more=total > number * PAGE_SIZE,
        )

    @get("/orders/{order_id:str}", opt=page_access("parts:read"))
    async def order(self, request: Req, order_id: FromPath[str], principal: User, services: Svc) -> Template:
        order = await services.orders.get_order(order_id)
        parts = await services.orders.order_parts(order_id)
        new_ids = list(dict.fromkeys(i.part_id for i in order.order_items or [] if i.action == "created"))
        new_parts = [p for p in new_ids if p in parts]
        return page(
            request,
            "order.html",
            principal,
            order=order,
            title=order_title(order.supplier, order.order_number),
            parts=parts,
            new_parts=new_parts,
            new_places=list(dict.fromkeys(parts[p].location for p in new_parts)),
            can_print=principal.can("printer:use"),
            can_move=principal.can("parts:write"),
        )

    @post("/orders/{order_id:str}/print", opt=page_access("printer:use"), status_code=200)
    async def print_labels(self, request: Req, order_id: FromPath[str], principal: User, services: Svc) -> Redirect:
        """One label for each part this order created (the existing batch print)."""
        order = await services.orders.get_order(order_id)
        ids = [i.part_id for i in order.order_items or [] if i.action == "created" and i.part_id and i.part_url]
        if not ids:
            return back(request, f"/orders/{order_id}", "This order made no new parts to label")
        jobs = await services.labels.print_batch(m.BatchPrintRequest(part_ids=ids[:MAX_LABELS]), principal)
        more = f" (the first {MAX_LABELS})" if len(ids) > MAX_LABELS else ""
        return back(request, f"/orders/{order_id}", f"{len(jobs)} labels sent to the printer{more}")
