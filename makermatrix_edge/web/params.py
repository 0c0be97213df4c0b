"""Short names for what a page handler takes, so that most handlers' signatures read on one line."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.services import Services

Req = Request[Any, Any, Any]
Svc = NamedDependency[Services]
User = NamedDependency[Principal]  # the logged-in user the page guard let in (its scope state "principal")
