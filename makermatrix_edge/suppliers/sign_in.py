"""DigiKey's browser sign-in (the OAuth code flow) as MakerMatrix's front end drives it.

Lookups never need it: they sign in with client credentials, which take no browser and never
expire. The flow is here so that front end's setup steps work: the URL to send the admin to, and a
check that DigiKey takes the code it sent back. The code's tokens are not kept (nothing would use
them), and credentials sent with a request are used for that request only: never stored or logged.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

import msgspec

from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.suppliers.base import SupplierClient
from makermatrix_edge.suppliers.digikey import DigiKeyClient
from makermatrix_edge.suppliers.models import SupplierError
from makermatrix_edge.suppliers.registry import SupplierRegistry

MAX_CODE = 2000
MAX_URL = 500


class CodeCheck(msgspec.Struct, kw_only=True):
    """POST /api/suppliers/{name}/oauth/exchange: whether DigiKey took the code."""

    authenticated: bool
    message: str


def code_flow_client(reg: SupplierRegistry, name: str) -> DigiKeyClient:
    client = reg.get(name)
    if not isinstance(client, DigiKeyClient):
        raise InvalidInput(f"{client.display_name} does not use OAuth sign-in", "supplier_name")
    return client


def checked_text(value: str, field: str, limit: int) -> str:
    value = value.strip()
    if not value or len(value) > limit or any(ord(c) < 32 or c == "\x7f" for c in value):
        raise InvalidInput(f"give 1 to {limit} printable characters", field)
    return value


def redirect_uri(given: str | None, own: str) -> str:
    """The callback DigiKey sends the browser back to: the one the app was registered with, else our own."""
    uri = checked_text(given, "oauth_callback_url", MAX_URL) if given and given.strip() else own
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("give the callback as an http(s) URL", "oauth_callback_url")
    return uri


def credentials_for(client: SupplierClient, sent: dict[str, str]) -> dict[str, str]:
    """The credentials sent with the request when both are there, else the stored ones."""
    if all(sent.get(k, "").strip() for k in client.credential_keys):
        return {k: sent[k] for k in client.credential_keys}
    missing = client.missing()
    if missing:
        raise InvalidInput(
            f"{client.display_name} needs {' and '.join(missing)}: send them as credentials or store them first "
            f"(POST /api/suppliers/{client.name}/credentials)",
            "credentials",
        )
    return client.credentials()


def authorization_url(reg: SupplierRegistry, name: str, sent: dict[str, str], callback: str) -> str:
    client = code_flow_client(reg, name)
    client_id = checked_text(credentials_for(client, sent)["client_id"], "client_id", MAX_URL)
    return client.authorization_url(client_id, callback)


async def check_code(reg: SupplierRegistry, name: str, code: str, sent: dict[str, str], callback: str) -> CodeCheck:
    client = code_flow_client(reg, name)
    code = checked_text(code, "authorization_code", MAX_CODE)
    creds = credentials_for(client, sent)
    try:
        took = await asyncio.to_thread(client.exchange_code, code, callback, creds, sleep=time.sleep)
    except SupplierError as exc:
        return CodeCheck(authenticated=False, message=f"{client.display_name} could not check the code: {exc}")
    if not took:
        return CodeCheck(
            authenticated=False,
            message=f"{client.display_name} refused the code (used already, expired, or another callback URL); "
            "sign in again for a new one",
        )
    return CodeCheck(
        authenticated=True,
        message=f"{client.display_name} took the code: the client id and secret work. Lookups sign in with "
        "client credentials, so no token is kept",
    )
