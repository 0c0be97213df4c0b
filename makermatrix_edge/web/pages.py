"""Login, logout, and the home page: search as you type, a scanner's payload, the bench-camera feed."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.errors import TooManyRequests, Unauthorized
from makermatrix_edge.httpkit.cookies import REFRESH_COOKIE, refresh_cookie
from makermatrix_edge.httpkit.params import QueryInt
from makermatrix_edge.inventory.activity import MAX_LIMIT
from makermatrix_edge.services import Services
from makermatrix_edge.web import flash
from makermatrix_edge.web.bench_camera import bench_scans, camera_view
from makermatrix_edge.web.guard import OPEN, page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.render import Form, page
from makermatrix_edge.web.scan_view import cards, landing, preview
from makermatrix_edge.web.session import page_principal, safe_next
from makermatrix_edge.web.unsent import cleared, take_unsent

SEARCH_LIMIT = 20
MAX_SHOWN = 100  # "Show more" grows the list by 20 up to this (the search's page size limit)
FEED_LIMIT = 8
CHANGES_SHOWN = 5  # the last few stock changes, moves and edits on the home page
ACTIVITY_SHOWN = MAX_LIMIT  # the activity page: as many as the activity reads at once


# Why the login page is shown (web/session.require names it): one sentence each, never internals.
WHY = {
    "ended": "Your session had ended. Log in to go on.",
    "password_reset": (
        "An admin reset your password, which ended your session. Log in with the new password they gave you."
    ),
    "password_changed": "Your password was changed, which ended your session. Log in with the new password.",
    "disabled": "Your account was deactivated, which ended your session. Ask an admin to turn it back on.",
}


class LoginForm(msgspec.Struct):
    username: str = ""
    password: str = ""
    next: str = "/"


LIVE_TOKEN_SECONDS = 600  # enough to open the socket; a reload gets a fresh one


async def live_token(services: Services, principal: Principal) -> str:
    """A short-lived access token for /ws/events: the page holds only the httponly refresh cookie."""
    return await services.auth.access_token_for(principal.user_id, seconds=LIVE_TOKEN_SECONDS)


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


class AuthPages(Controller):
    @get("/login", opt=page_access(OPEN))
    async def login_page(
        self, request: Req, services: Svc, next: FromQuery[str] = "/", why: FromQuery[str] = ""
    ) -> Template | Redirect:
        if await page_principal(request, services) is not None:
            return Redirect(path=safe_next(next), status_code=303)
        return page(request, "login.html", None, next=safe_next(next), error=None, username="", why=WHY.get(why))

    @post("/login", opt=page_access(OPEN), status_code=200)
    async def login(self, request: Req, data: Annotated[LoginForm, Form], services: Svc) -> Template | Redirect:
        target = safe_next(data.next)
        try:
            if not data.username.strip() or not data.password:
                raise Unauthorized("Enter your user name and password")
            pair = await services.auth.login(data.username, data.password, _client(request))
        except (Unauthorized, TooManyRequests) as exc:
            status = 429 if isinstance(exc, TooManyRequests) else 401
            return page(
                request, "login.html", None, status_code=status, next=target, error=exc.message, username=data.username
            )
        cookies = [refresh_cookie(request, pair), cleared(request)]
        unsent = take_unsent(request, target)
        if unsent is not None:  # back on its page: filled in, and saying it was not done yet
            cookies.append(
                flash.cookie(request, flash.Flash(note=unsent.note, action=unsent.action, kept=unsent.fields))
            )
        return Redirect(path=target, status_code=303, cookies=cookies)

    @post("/logout", opt=page_access(OPEN), status_code=303)
    async def logout(self, request: Req, services: Svc) -> Redirect:
        await services.auth.logout(request.cookies.get(REFRESH_COOKIE))
        response = Redirect(path="/login", status_code=303)
        response.delete_cookie(REFRESH_COOKIE, path="/")
        return response


class HomePages(Controller):
    @get("/", opt=page_access("parts:read"))
    async def home(
        self, request: Req, principal: User, services: Svc, q: FromQuery[str] = "", n: QueryInt = SEARCH_LIMIT
    ) -> Template | Redirect:
        """The search page; a submitted query with one hit (a scanner's Enter) lands on that part."""
        term = q.strip()[:200]
        results, total, scan_note = [], 0, None
        bag: dict[str, Any] = {}
        if term:
            found = await services.search.search_text(term, 1, max(1, min(n, MAX_SHOWN)))
            results, total = found.items, found.total
            if total == 0 and len(term) >= 6:
                # Not a name or number: perhaps a bag's code typed or sent by a USB scanner. It gets
                # the same card as a photo of the bag (receive, add), and is not a bench-camera scan.
                hit = await preview(services, term)
                if (target := landing(hit)) is not None:
                    return Redirect(path=target, status_code=303)
                if hit.parsed.quantity and (hit.part or hit.new_part):
                    bag = await cards(services, [hit], principal.can("parts:write"))
                else:
                    scan_note = hit.message
            elif total == 1:
                return Redirect(path=f"/p/{results[0].id}", status_code=303)
        return page(
            request,
            "home.html",
            principal,
            q=term,
            results=results,
            total=total,
            scan_note=scan_note,
            bag=bag,
            scans=bench_scans(services, FEED_LIMIT),
            camera=camera_view(services),
            changes=await services.activity.recent(limit=CHANGES_SHOWN, hours=None),
            live_token=await live_token(services, principal),
        )

    @get("/activity", opt=page_access("parts:read"))
    async def activity(self, request: Req, principal: User, services: Svc) -> Template:
        """The home page's latest changes, further back."""
        changes = await services.activity.recent(limit=ACTIVITY_SHOWN, hours=None)
        return page(request, "activity.html", principal, changes=changes, shown=ACTIVITY_SHOWN)

    @get("/search", opt=page_access("parts:read"))
    async def search_fragment(self, request: Req, principal: User, services: Svc, q: FromQuery[str] = "") -> Template:
        """The results list alone, fetched as the user types."""
        term = q.strip()[:200]
        found = await services.search.search_text(term, 1, SEARCH_LIMIT) if term else None
        return page(
            request,
            "_results.html",
            principal,
            q=term,
            results=found.items if found else [],
            total=found.total if found else 0,
            scan_note=None,
        )

    @get("/scans/feed", opt=page_access("parts:read"))
    async def scan_feed(self, request: Req, principal: User, services: Svc) -> Template:
        return page(
            request, "_scans.html", principal, scans=bench_scans(services, FEED_LIMIT), camera=camera_view(services)
        )
