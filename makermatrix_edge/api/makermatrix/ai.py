"""/api/ai/*: the assistant on the MakerMatrix face — configuration, chat, test, models, the agent log."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.response import Stream

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.api.makermatrix.envelope import Envelope, ok, paged
from makermatrix_edge.api.security import AUTHENTICATED, access
from makermatrix_edge.assistant.models import (
    AIChatRequest,
    AIConfigUpdate,
    AIConfigView,
    Answer,
    LogEntry,
    ProviderInfo,
    TestResult,
)
from makermatrix_edge.assistant.stream import ndjson
from makermatrix_edge.bounds import MAX_INT
from makermatrix_edge.devices.llm import ModelInfo
from makermatrix_edge.errors import DeviceUnavailable
from makermatrix_edge.services import Services

ASK = "parts:read"  # a question reads the inventory, nothing more


class ChatData(msgspec.Struct):
    response: str
    answer: str
    confidence: str
    parts: list[dict[str, object]]
    tools_used: list[str]
    degraded: bool
    model: str
    notes: list[str]
    model_seconds: float  # the time spent waiting on the model
    overhead_ms: float  # ours: tools, guard, prompts (the model's time excluded)


class Providers(msgspec.Struct):
    providers: dict[str, ProviderInfo]
    current_provider: ProviderInfo | None
    sql_support: bool


class Models(msgspec.Struct, omit_defaults=True):
    provider: str
    models: list[ModelInfo]
    current_model: str
    reason: str | None = None  # why there are none: the provider cannot be reached, and how to fix it


def _chat_data(answer: Answer) -> ChatData:
    return ChatData(
        response=answer.answer,
        answer=answer.answer,
        confidence=answer.confidence,
        parts=[msgspec.to_builtins(p) for p in answer.parts],
        tools_used=answer.tools_used,
        degraded=answer.degraded,
        model=answer.model,
        notes=answer.notes,
        model_seconds=answer.model_seconds,
        overhead_ms=answer.overhead_ms,
    )


class AIController(Controller):
    path = "/ai"
    tags = ["ai"]

    @get("/config", opt=access(AUTHENTICATED))
    async def get_config(self, services: NamedDependency[Services]) -> Envelope[AIConfigView]:
        return ok(await services.assistant.get_config(), "AI configuration (the API key is never shown)")

    @put("/config", opt=access(ADMIN))
    async def put_config(
        self, data: JSONBody[AIConfigUpdate], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[AIConfigView]:
        return ok(await services.assistant.update_config(data, principal), "AI configuration saved")

    @post("/reset", opt=access(ADMIN), status_code=200)
    async def reset(self, services: NamedDependency[Services]) -> Envelope[AIConfigView]:
        return ok(await services.assistant.reset_config(), "AI configuration reset to the config file's values")

    @post("/chat", opt=access(ASK), status_code=200)
    async def chat(
        self, data: JSONBody[AIChatRequest], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Envelope[ChatData]:
        answer = await services.assistant.ask(data.message, data.conversation_history, principal)
        message = "Answered from the inventory without the model" if answer.degraded else "Answered"
        return ok(_chat_data(answer), message)

    @post("/chat/stream", opt=access(ASK), status_code=200)
    async def chat_stream(
        self, data: JSONBody[AIChatRequest], principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> Stream:
        """NDJSON: {"type":"queued"|"token"|"tool"|...} lines while the model works, then {"type":"answer",...}."""
        services.assistant.check_room(principal)  # a refusal is a 429/503 before the stream starts
        body = ndjson(services.assistant, data.message, data.conversation_history, principal)
        return Stream(body, media_type="application/x-ndjson", headers={"Cache-Control": "no-store"})

    @post("/test", opt=access(AUTHENTICATED), status_code=200)
    async def test(self, services: NamedDependency[Services]) -> Envelope[TestResult]:
        result = await services.assistant.test()
        return Envelope(
            status="success" if result.ok else "error", message=result.message, data=result
        )  # as MakerMatrix

    @get("/providers", opt=access(AUTHENTICATED))
    async def providers(self, services: NamedDependency[Services]) -> Envelope[Providers]:
        """MakerMatrix's shape: the providers keyed by name, the configured one, and whether SQL is offered."""
        known = {p.name: p for p in services.assistant.providers()}
        current = (await services.assistant.get_config()).provider
        # sql_support false: the model reads the inventory through fixed tools, never through SQL it writes
        return ok(Providers(providers=known, current_provider=known.get(current), sql_support=False),
                  "Providers this daemon can use")  # fmt: skip

    @get("/models", opt=access(AUTHENTICATED))
    async def models(self, services: NamedDependency[Services]) -> Envelope[Models]:
        """The provider's models; when it cannot be reached, MakerMatrix's 200 with status "error" and the reason."""
        config = await services.assistant.get_config()
        try:
            found = await services.assistant.models()
        except DeviceUnavailable as exc:
            down = Models(provider=config.provider, models=[], current_model=config.model_name, reason=exc.message)
            return Envelope(status="error", message=exc.message, data=down)
        listed = Models(provider=config.provider, models=found, current_model=config.model_name)
        return ok(listed, f"{len(found)} model(s); tools=true marks those that can use the inventory tools")

    @get("/log", opt=access(ADMIN))
    async def agent_log(
        self,
        services: NamedDependency[Services],
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
        offset: Annotated[int, QueryParameter(ge=0, le=MAX_INT)] = 0,
    ) -> Envelope[list[LogEntry]]:
        entries, total = await services.assistant.log_entries(limit, offset)
        return paged(entries, "Assistant log, newest first", page=offset // limit + 1, page_size=limit, total=total)
