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
History = list[dict[str, Any]]  # the conversation in Ollama's shape: role, content, tool_calls
ToolSpecs = list[dict[str, Any]]  # the tools offered to the model, one JSON-schema function each


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


class ReplyReader:
    """A turn's reply as a provider reads it, held to the limits every provider keeps alike."""

    def __init__(self, options: ChatOptions, on_text: OnText | None) -> None:
        self._options = options
        self._on_text = on_text
        self._content: list[str] = []
        self._chars = 0
        self._calls: list[ToolCall] = []

    async def text(self, piece: str) -> None:
        """More of the reply's text, passed on as it comes; past what max_tokens allows it is set aside."""
        self._chars += len(piece)
        if self._chars > self._options.max_tokens * MAX_CHARS_PER_TOKEN:  # the text the guard would check
            raise too_long(self._options.max_tokens)
        self._content.append(piece)
        if self._on_text is not None:
            await self._on_text(piece)

    def count_calls(self, count: int) -> None:
        """A turn of more than max_tool_calls tool calls is set aside, the rest unread."""
        if count > self._options.max_tool_calls:
            raise too_many_calls(self._options.max_tool_calls)

    def call(self, name: str, arguments: Any) -> None:
        self.count_calls(len(self._calls) + 1)
        self._calls.append(ToolCall(name=name, arguments=arguments))

    def reply(self, eval_ns: int = 0) -> Reply:
        return Reply(content="".join(self._content), tool_calls=self._calls, eval_ns=eval_ns)


class LLM(Protocol):
    kind: str

    async def chat(
        self, messages: History, tools: ToolSpecs, options: ChatOptions, on_text: OnText | None = None
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
