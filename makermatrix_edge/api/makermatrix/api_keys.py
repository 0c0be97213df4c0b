"""/api/api-keys: keys for scripts and barcode scanners."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from makermatrix_edge.accounts.models import ApiKeyView, NewApiKey, Principal
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok
from makermatrix_edge.api.security import AUTHENTICATED, access
from makermatrix_edge.bounds import Whole
from makermatrix_edge.httpkit.idempotency import SECRET_ANSWER
from makermatrix_edge.services import Services
from makermatrix_edge.textcheck import CheckedText


class ApiKeyCreate(CheckedText, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    permissions: Annotated[list[Annotated[str, msgspec.Meta(max_length=64)]], msgspec.Meta(max_length=64)] | None = None
    expires_in_days: Whole | None = None
    role_names: Annotated[list[Annotated[str, msgspec.Meta(max_length=64)]], msgspec.Meta(max_length=10)] | None = None


class ApiKeysController(Controller):
    path = "/api-keys"
    tags = ["api-keys"]

    @post("/", opt={**access(AUTHENTICATED), **SECRET_ANSWER}, status_code=200)
    async def create(
        self, data: JSONBody[ApiKeyCreate], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[NewApiKey]:
        """Create a key; the key itself is in this answer only, store it now."""
        created = await services.api_keys.create(
            principal,
            name=data.name,
            permissions=data.permissions,
            expires_in_days=data.expires_in_days,
            role_names=data.role_names,
        )
        return ok(created, "API key created; copy it now, it is not shown again")

    @get("/", opt=access(AUTHENTICATED))
    async def list_keys(
        self, principal: NamedDependency[Principal], services: NamedDependency[Services], all: FromQuery[bool] = False
    ) -> Envelope[list[ApiKeyView]]:
        keys = await services.api_keys.list_keys(principal, all_users=all)
        return ok(keys, f"{len(keys)} API keys")

    @delete("/{key_id:str}", opt=access(AUTHENTICATED), status_code=200)
    async def revoke(
        self, key_id: FromPath[str], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[ApiKeyView]:
        key = await services.api_keys.revoke(principal, key_id)
        return ok(key, f"API key {key.name} revoked")
