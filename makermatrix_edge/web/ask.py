"""Ask: a question about the inventory from the phone; the answer streams in, then its confidence and part links.

Without JavaScript the form posts and the page comes back with the answer; with it, /ask/stream
sends the model's text as it comes (NDJSON over plain HTTP, which works through any proxy).
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import JSONBody
from litestar.response import Stream, Template

from makermatrix_edge.assistant.models import AIChatRequest
from makermatrix_edge.assistant.stream import ndjson
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.render import Form, page

ASK = "parts:read"


class AskForm(msgspec.Struct):
    message: str = ""


class AskPages(Controller):
    @get("/ask", opt=page_access(ASK))
    async def ask_page(self, request: Req, principal: User) -> Template:
        return page(request, "ask.html", principal, answer=None, message="")

    @post("/ask", opt=page_access(ASK), status_code=200)
    async def ask_form(self, request: Req, data: Annotated[AskForm, Form], principal: User, services: Svc) -> Template:
        message = data.message.strip()
        if not message:
            raise InvalidInput("type a question first", "message")
        if len(message) > 2000:
            raise InvalidInput("is too long (2000 characters at most)", "message")
        answer = await services.assistant.ask(message, [], principal)
        return page(request, "ask.html", principal, answer=answer, message=message)

    @post("/ask/stream", opt=page_access(ASK), status_code=200)
    async def ask_stream(self, data: JSONBody[AIChatRequest], principal: User, services: Svc) -> Stream:
        services.assistant.check_room(principal)  # a refusal is a 429/503 before the stream starts
        body = ndjson(services.assistant, data.message, data.conversation_history, principal)
        return Stream(body, media_type="application/x-ndjson", headers={"Cache-Control": "no-store"})
