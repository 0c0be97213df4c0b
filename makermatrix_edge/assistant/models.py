"""What the assistant takes and gives: questions, answers with confidence, its configuration, its log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from makermatrix_edge.textcheck import CheckedText

Confidence = Literal["HIGH", "MEDIUM", "LOW"]
Provider = Literal["ollama", "openai_compatible", "openai", "anthropic"]
Question = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
MAX_HISTORY = 20


class AloraChatRequest(msgspec.Struct):
    message: Question


class AloraChatAnswer(msgspec.Struct):
    answer: str
    confidence: Confidence


class HistoryTurn(msgspec.Struct, forbid_unknown_fields=True):
    role: Literal["user", "assistant"]
    content: Annotated[str, msgspec.Meta(max_length=8000)]


class AIChatRequest(msgspec.Struct, forbid_unknown_fields=True):
    message: Question
    conversation_history: Annotated[list[HistoryTurn], msgspec.Meta(max_length=MAX_HISTORY)] = []


class PartLink(msgspec.Struct):
    """A part the answer names: the ALORA id, the /api UUID (the phone links /p/<part_id>) and its number."""

    id: int
    part_id: str
    part_number: str


class Answer(msgspec.Struct):
    answer: str
    confidence: Confidence
    parts: list[PartLink]
    tools_used: list[str]
    degraded: bool  # True: answered from the inventory alone, without the model
    model: str
    notes: list[str]  # what the guard corrected, why the model was not used, how to fix it
    model_seconds: float = 0.0  # the model's own time, as its server reports it
    overhead_ms: float = 0.0  # ours: tools, guard, prompt building (excludes waiting on the model)


class AIConfigView(msgspec.Struct):
    """GET /api/ai/config: the effective configuration; the key itself is never shown."""

    enabled: bool
    provider: str
    api_url: str
    api_key_set: bool
    model_name: str
    temperature: float
    max_tokens: int
    system_prompt: str
    keep_alive: str
    max_rounds: int
    timeout_seconds: float
    source: Literal["config file", "changed through the API"]


class AIConfigUpdate(CheckedText, forbid_unknown_fields=True, omit_defaults=True):
    """PUT /api/ai/config: any subset of the fields; what is left out keeps its value."""

    multiline_fields = frozenset({"system_prompt"})

    enabled: bool | UnsetType = UNSET
    provider: Provider | UnsetType = UNSET
    api_url: Annotated[str, msgspec.Meta(max_length=500)] | UnsetType = UNSET
    api_key: Annotated[str, msgspec.Meta(max_length=500)] | UnsetType = UNSET
    model_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | UnsetType = UNSET
    temperature: Annotated[float, msgspec.Meta(ge=0, le=2)] | UnsetType = UNSET
    max_tokens: Annotated[int, msgspec.Meta(ge=16, le=32768)] | UnsetType = UNSET
    system_prompt: Annotated[str, msgspec.Meta(max_length=4000)] | UnsetType = UNSET
    keep_alive: Annotated[str, msgspec.Meta(min_length=1, max_length=20)] | UnsetType = UNSET
    max_rounds: Annotated[int, msgspec.Meta(ge=1, le=20)] | UnsetType = UNSET
    timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=3600)] | UnsetType = UNSET

    def given(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__struct_fields__ if getattr(self, f) is not UNSET}


class ProviderInfo(msgspec.Struct):
    name: str
    description: str
    needs_internet: bool
    works_offline: bool
    default_url: str


class TestResult(msgspec.Struct):
    ok: bool
    provider: str
    model: str
    reachable: bool
    model_present: bool
    tools_supported: bool | None
    message: str  # in words: what works
    fix: str  # in words: what to do ('' when all works)


class LogEntry(msgspec.Struct):
    id: int
    at: str
    username: str | None
    kind: str  # "question" or "action" (the model's log_action tool)
    action: str
    details: str
    confidence: str | None
    tools: list[str]
