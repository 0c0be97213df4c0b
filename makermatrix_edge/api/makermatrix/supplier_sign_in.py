"""/api/suppliers/{name}/oauth/...: DigiKey's browser sign-in as MakerMatrix's front end drives it.

The URL and the code check are for admins. The callback is the page DigiKey sends the admin's browser
back to, so it has no login to check (a browser coming back from DigiKey carries no API token): it
reads and changes nothing, shows the code to copy (escaped), and is never cached.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import PUBLIC, access
from makermatrix_edge.services import Services
from makermatrix_edge.suppliers import sign_in

Short = Annotated[str, msgspec.Meta(max_length=sign_in.MAX_URL)]
PAGE_HEADERS = {
    "Cache-Control": "no-store",  # the code is a one-time secret: no copy in any cache
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
}


class SignInBody(msgspec.Struct, forbid_unknown_fields=False):
    """MakerMatrix's {"credentials": {...}, "config": {...}}; only the callback URL is read from config."""

    credentials: dict[str, Short] = {}
    config: dict[str, Any] = {}

    def callback(self) -> str | None:
        given = self.config.get("oauth_callback_url")
        return given if isinstance(given, str) else None


def own_callback(request: Request[Any, Any, Any], name: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/api/suppliers/{name}/oauth/callback"


class SupplierSignInController(Controller):
    path = "/suppliers"
    tags = ["suppliers"]

    @post("/{supplier_name:str}/oauth/authorization-url", opt=access(ADMIN), status_code=200)
    async def authorization_url(
        self,
        supplier_name: FromPath[str],
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        data: JSONBody[SignInBody | None] = None,
    ) -> Envelope[str]:
        body = data or SignInBody()
        callback = sign_in.redirect_uri(body.callback(), own_callback(request, supplier_name))
        url = sign_in.authorization_url(services.suppliers, supplier_name, dict(body.credentials), callback)
        return ok(url, "Open this URL to sign in at DigiKey (not needed for lookups: they use client credentials)")

    @post("/{supplier_name:str}/oauth/exchange", opt=access(ADMIN), status_code=200)
    async def exchange(
        self,
        supplier_name: FromPath[str],
        authorization_code: FromQuery[str],
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        data: JSONBody[SignInBody | None] = None,
    ) -> Envelope[sign_in.CodeCheck]:
        body = data or SignInBody()
        callback = sign_in.redirect_uri(body.callback(), own_callback(request, supplier_name))
        found = await sign_in.check_code(
            services.suppliers, supplier_name, authorization_code, dict(body.credentials), callback
        )
        return Envelope(status="success" if found.authenticated else "error", message=found.message, data=found)

    @get("/{supplier_name:str}/oauth/callback", opt=access(PUBLIC))
    async def callback(
        self,
        supplier_name: FromPath[str],
        services: NamedDependency[Services],
        code: FromQuery[str | None] = None,
        error: FromQuery[str | None] = None,
    ) -> Response[str]:
        name = escape(sign_in.code_flow_client(services.suppliers, supplier_name).display_name)  # 422 for the rest
        if error:
            status, title = 400, "OAuth Authorization Failed"
            said = f"<p>{name} said: <code>{escape(error[: sign_in.MAX_CODE])}</code></p><p>Sign in again.</p>"
        elif not code:
            status, title = 400, "Missing Authorization Code"
            said = f"<p>{name} sent no authorization code back. Sign in again.</p>"
        else:
            status, title = 200, "OAuth Authorization Successful"
            said = (
                "<p>Copy the authorization code below and paste it where you started the sign-in "
                "(it works once, for a few minutes):</p>"
                f'<p class="code">{escape(code[: sign_in.MAX_CODE])}</p><p>You can close this page then.</p>'
            )
        return Response(page(f"{name} sign-in", title, said), status_code=status, media_type="text/html",
                        headers=PAGE_HEADERS)  # fmt: skip


def page(head: str, title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(head)}</title><style>"
        "body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;padding:16px;max-width:40em}"
        "h1{font-size:1.5em;line-height:1.25}"
        ".code{font-family:monospace;font-size:18px;word-break:break-all;padding:12px;border:1px solid #888;"
        "border-radius:8px;user-select:all}"
        ".button{display:inline-block;min-height:44px;line-height:44px;padding:0 16px;border:1px solid #888;"
        "border-radius:8px;text-decoration:none}"
        f"</style></head><body><h1>{escape(title)}</h1>{body}"
        '<p><a class="button" href="/suppliers">Suppliers settings</a></p></body></html>'
    )
