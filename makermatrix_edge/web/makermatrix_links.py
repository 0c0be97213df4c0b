"""MakerMatrix's web-app addresses (a bookmark, a link in a note) lead to the phone page that shows the same thing.

MakerMatrix answers its single-page app for any path; here each of its own page addresses that has a
phone page goes there, and /settings lists the setting pages this account may open. Other paths stay
404: a page that does not exist says so instead of showing a blank app.
"""

from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Redirect, Template

from makermatrix_edge.web.guard import LOGIN, page_access
from makermatrix_edge.web.params import Req, User
from makermatrix_edge.web.render import nav, page

# The pages MakerMatrix's settings screen gathers, as far as the phone has them: (address, label, permission).
SETTINGS = (
    ("/printer", "Printer", "printer:use"),
    ("/suppliers", "Suppliers", "admin"),
    ("/backups", "Backups", "backup:manage"),
    ("/users", "Users and your password", "users:read"),
    ("/tasks", "Tasks", "tasks:read"),
)


def _to(path: str) -> Redirect:
    # 303 as every other page hop here, and not permanent: the same address may serve MakerMatrix again one day.
    return Redirect(path=path, status_code=303)


def _part(part_id: str) -> str:
    return quote(part_id, safe="")  # an id is one path segment; "../" or "?" in it stays inside /p/


class MakerMatrixLinks(Controller):
    @get(["/dashboard", "/parts", "/inventory"], opt=page_access("parts:read"))
    async def home(self) -> Redirect:
        """Its dashboard and parts list: the home page (search, the last changes, the bench camera)."""
        return _to("/")

    @get("/parts/{part_id:str}", opt=page_access("parts:read"))
    async def part(self, part_id: FromPath[str]) -> Redirect:
        return _to(f"/p/{_part(part_id)}")

    @get("/parts/{part_id:str}/edit", opt=page_access("parts:write"))
    async def edit(self, part_id: FromPath[str]) -> Redirect:
        return _to(f"/p/{_part(part_id)}/edit")

    @get("/settings", opt=page_access(LOGIN))
    async def settings(self, request: Req, principal: User) -> Template:
        return page(request, "settings.html", principal, pages=nav(request, principal, SETTINGS))
