"""ALORA POST /chat: the agent's answer and its confidence, as the document shapes them."""

from __future__ import annotations

from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.api.security import access
from makermatrix_edge.assistant.models import AloraChatAnswer, AloraChatRequest
from makermatrix_edge.services import Services


@post("/chat", opt=access("parts:read"), status_code=200, tags=["alora"])
async def chat(
    data: JSONBody[AloraChatRequest], principal: NamedDependency[Principal], services: NamedDependency[Services]
) -> AloraChatAnswer:
    """Ask about components, stock and replacements; answered from this inventory (never invented)."""
    answer = await services.assistant.ask(data.message, [], principal)
    return AloraChatAnswer(answer=answer.answer, confidence=answer.confidence)
