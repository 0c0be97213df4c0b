"""The LLM device contract: one chat turn with tools, a probe of the server, the models it has.

Providers turn every failure into an LLMError whose `problem` says which kind it is, so the
assistant can answer without the model and tell the person what to do (never a 500).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol

import msgspec

Problem = Literal[
    "unreachable", "model_missing", "no_tools", "timeout", "needs_internet", "bad_reply", "over_limit", "error"
]
OnText = Callable[[str], Awaitable[None]]


class LLMError(Exception):
    """The model could not answer; `message` is for a person, `fix` says what to do."""

    def __init__(self, problem: Problem, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.problem: Problem = problem
        self.message = message
        self.fix = fix


class ToolCall(msgspec.Struct):
    name: str
    arguments: Any  # a JSON object when the model behaves; anything else is answered as a tool error


class Reply(msgspec.Struct):
    content: str
    tool_calls: list[ToolCall]
    eval_ns: int = 0  # the model's own time for this turn, as the server reports it (0 when unknown)


class ModelInfo(msgspec.Struct):
    name: str
    size_bytes: int | None = None
    parameter_size: str | None = None
    quantization: str | None = None
    tools: bool | None = None  # None: the server does not say


class Probe(msgspec.Struct):
    """What works: each step is only tried when the one before it worked."""

    reachable: bool
    version: str | None = None
    model_present: bool = False
    tools_supported: bool | None = None
    problem: Problem | None = None
    message: str = ""
    fix: str = ""


class ChatOptions(msgspec.Struct):
    model: str
    temperature: float
    max_tokens: int
    num_ctx: int
    keep_alive: str
    timeout_seconds: float
    max_tool_calls: int = 8  # more in one turn and the reply is set aside (over_limit), the rest unread


# What to tell the person when a model's reply went past a limit: it is the model, not them.
OVER_LIMIT_FIX = "try another model (ollama pull qwen3:1.7b); if its answers are long on purpose, raise the limit"


def too_many_calls(limit: int) -> LLMError:
    return LLMError("over_limit", f"the model asked for more than {limit} tool calls in one turn", OVER_LIMIT_FIX)


# A token is a few characters; more than this many per token asked for means num_predict was ignored.
MAX_CHARS_PER_TOKEN = 16


def too_long(max_tokens: int) -> LLMError:
    return LLMError("over_limit", f"the model wrote past max_tokens ({max_tokens} tokens)", OVER_LIMIT_FIX)


def too_large(limit: int) -> LLMError:
    return LLMError("over_limit", f"the model's reply went past {limit} bytes (max_reply_bytes)", OVER_LIMIT_FIX)


class LLM(Protocol):
    kind: str

    async def chat(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        options: ChatOptions,
        on_text: OnText | None = None,
    ) -> Reply:
        """One model turn; raises LLMError."""
        ...

    async def probe(self, model: str) -> Probe: ...

    async def models(self) -> list[ModelInfo]:
        """The server's models; raises LLMError."""
        ...

    async def close(self) -> None: ...


def pull_fix(model: str) -> str:
    return f"ollama pull {model}"
