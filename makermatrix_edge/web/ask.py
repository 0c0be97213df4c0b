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

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.assistant.models import AIChatRequest, Answer
from makermatrix_edge.assistant.stream import ndjson
from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.web.guard import page_access
from makermatrix_edge.web.params import Req, Svc, User
from makermatrix_edge.web.render import Form, page

ASK = "parts:read"
# The page's words for an answer without the model; the answer's notes (the API's technical reason,
# an admin's fix pointing at /api/health) stay in the API's answer, the log and the doctor.
WITHOUT_MODEL = "Answered from the inventory alone: the assistant's model is not available right now."
ADMIN_HINT = "Admins: run “makermatrix-edge doctor” on the Pi; it says how to start the model."


def shown_text(answer: Answer) -> str:
    """The answer without its notes (the page says those in its own words)."""
    text = answer.answer
    for note in answer.notes:
        text = text.replace(note, "")
    return " ".join(text.split())


def status_words(answer: Answer, principal: Principal) -> str:
    if not answer.degraded:
        return f"Answered by {answer.model}"
    told = any(n.startswith("Admins:") for n in answer.notes) and principal.can(ADMIN)
    return f"{WITHOUT_MODEL} {ADMIN_HINT}" if told else WITHOUT_MODEL


class AskForm(msgspec.Struct):
    message: str = ""


class AskPages(Controller):
    @get("/ask", opt=page_access(ASK))
    async def ask_page(self, request: Req, principal: User) -> Template:
        return page(request, "ask.html", principal, answer=None, message="", words=_words(principal))

    @post("/ask", opt=page_access(ASK), status_code=200)
    async def ask_form(self, request: Req, data: Annotated[AskForm, Form], principal: User, services: Svc) -> Template:
        message = data.message.strip()
        if not message:
            raise InvalidInput("type a question first", "message")
        if len(message) > 2000:
            raise InvalidInput("is too long (2000 characters at most)", "message")
        answer = await services.assistant.ask(message, [], principal)
        return page(
            request,
            "ask.html",
            principal,
            answer=answer,
            message=message,
            text=shown_text(answer),
            status=status_words(answer, principal),
            words=_words(principal),
        )

    @post("/ask/stream", opt=page_access(ASK), status_code=200)
    async def ask_stream(self, data: JSONBody[AIChatRequest], principal: User, services: Svc) -> Stream:
        services.assistant.check_room(principal)  # a refusal is a 429/503 before the stream starts
        body = ndjson(services.assistant, data.message, data.conversation_history, principal)
        return Stream(body, media_type="application/x-ndjson", headers={"Cache-Control": "no-store"})


def _words(principal: Principal) -> dict[str, str]:
    """What ask.js says of a streamed answer without the model (the same words as the page)."""
    return {"without": WITHOUT_MODEL, "admin": ADMIN_HINT if principal.can(ADMIN) else ""}
