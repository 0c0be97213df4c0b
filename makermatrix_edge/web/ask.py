"""Ask: a question about the inventory from the phone; the answer streams in, then its confidence and part links.

Without JavaScript the form posts and the page comes back with the answer; with it, /ask/stream
sends the model's text as it comes (NDJSON over plain HTTP, which works through any proxy).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.response import Stream, Template

from makermatrix_edge.assistant.models import AIChatRequest
from makermatrix_edge.assistant.stream import ndjson
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.services import Services
from makermatrix_edge.web.pages import Form
from makermatrix_edge.web.render import page
from makermatrix_edge.web.session import check_csrf, require

ASK = "parts:read"


class AskForm(msgspec.Struct):
    csrf_token: str = ""
    message: str = ""


class AskPages(Controller):
    @get("/ask")
    async def ask_page(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Template:
        principal = await require(request, services, ASK)
        return page(request, "ask.html", principal, answer=None, message="")

    @post("/ask", status_code=200)
    async def ask_form(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[AskForm, Form],
        services: NamedDependency[Services],
    ) -> Template:
        check_csrf(request, data.csrf_token)
        principal = await require(request, services, ASK)
        message = data.message.strip()
        if not message:
            raise InvalidInput("type a question first", "message")
        if len(message) > 2000:
            raise InvalidInput("is too long (2000 characters at most)", "message")
        answer = await services.assistant.ask(message, [], principal)
        return page(request, "ask.html", principal, answer=answer, message=message)

    @post("/ask/stream", status_code=200)
    async def ask_stream(
        self, request: Request[Any, Any, Any], data: JSONBody[AIChatRequest], services: NamedDependency[Services]
    ) -> Stream:
        check_csrf(request, None)  # the page sends its token in the X-CSRF-Token header
        principal = await require(request, services, ASK)
        services.assistant.check_room(principal)  # a refusal is a 429/503 before the stream starts
        body = ndjson(services.assistant, data.message, data.conversation_history, principal)
        return Stream(body, media_type="application/x-ndjson", headers={"Cache-Control": "no-store"})
