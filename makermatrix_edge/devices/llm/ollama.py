"""Ollama through the `ollama` package's AsyncClient: /api/chat with tools (streamed), /api/tags, /api/show.

Quirks handled here (see the Ollama reference notes): arguments arrive as a JSON object (a string
makes the client raise a pydantic error); a refused connection is ConnectionError, or the raw
httpx.ConnectError while streaming; a missing model is a 404, a model without tools a 400;
`think` must be false or a thinking model spends the Pi's minutes thinking. Every answer is read
through a CappedTransport (at most max_reply_bytes), no faster than a model can write (pace.py), and a
turn stops being read at the first tool call past max_tool_calls: what a broken or hostile model may
cost us is bounded before it is parsed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator
from typing import cast

import httpx
import ollama
import pydantic

from makermatrix_edge.devices.llm.base import (
    ChatOptions,
    History,
    LLMError,
    ModelInfo,
    OnText,
    Probe,
    Reply,
    ReplyReader,
    ToolSpecs,
    pull_fix,
    too_large,
    too_long,
)
from makermatrix_edge.devices.llm.capped import CappedTransport, ReplyTooLarge
from makermatrix_edge.devices.llm.pace import Pace

START_FIX = (
    "start Ollama on the Pi: sudo systemctl start ollama (install: curl -fsSL https://ollama.com/install.sh | sh)"
)
LINES_OVER_MAX_TOKENS = 32  # tool-call lines, the final line, tokens split across lines
TOOLS_FIX = "choose a model with tool support, e.g. qwen3:1.7b (ollama pull qwen3:1.7b), in /api/ai/config"


def _keep_alive(value: str) -> float | str:
    """Ollama wants a number of seconds or a duration with a unit ("-1" alone fails to parse)."""
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        return text


class OllamaLLM:
    kind = "ollama"

    def __init__(self, url: str, max_reply_bytes: int) -> None:
        self.url = url.rstrip("/")
        self.max_reply_bytes = max_reply_bytes
        # httpx clients belong to the event loop that made them; the app may run on another loop
        # than the one a test or a CLI command used before, so one client per loop.
        self._clients: dict[int, ollama.AsyncClient] = {}

    def _client(self) -> ollama.AsyncClient:
        loop = id(asyncio.get_running_loop())
        client = self._clients.get(loop)
        if client is None:
            transport = CappedTransport(self.max_reply_bytes)
            client = self._clients[loop] = ollama.AsyncClient(host=self.url, timeout=None, transport=transport)
        return client

    def _error(self, exc: BaseException, model: str, timeout: float) -> LLMError:
        if isinstance(exc, ReplyTooLarge):
            return too_large(exc.limit)
        if isinstance(exc, (ConnectionError, httpx.ConnectError)):
            return LLMError(
                "unreachable", f"Ollama is not running at {self.url}", f"{START_FIX}, then: {pull_fix(model)}"
            )
        if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
            return LLMError(
                "timeout",
                f"the model {model} did not answer within {timeout:g} s",
                f"use a smaller model or raise timeout_seconds; keep it loaded with keep_alive (ollama pull {model})",
            )
        if isinstance(exc, ollama.ResponseError):
            text = exc.error or str(exc)
            if exc.status_code == 404 or "not found" in text:
                return LLMError("model_missing", f"the model {model} is not pulled on this Ollama", pull_fix(model))
            if "does not support tools" in text:
                return LLMError("no_tools", f"the model {model} does not support tool calling", TOOLS_FIX)
            return LLMError("error", f"Ollama answered: {text}", START_FIX)
        if isinstance(exc, (pydantic.ValidationError, json.JSONDecodeError, ValueError)):
            return LLMError("bad_reply", f"the model {model} sent a reply that cannot be read ({type(exc).__name__})")
        if isinstance(exc, httpx.HTTPError):
            return LLMError(
                "unreachable", f"Ollama at {self.url} failed: {exc}", f"{START_FIX}, then: {pull_fix(model)}"
            )
        return LLMError("error", f"Ollama failed: {exc}")

    async def chat(
        self, messages: History, tools: ToolSpecs, options: ChatOptions, on_text: OnText | None = None
    ) -> Reply:
        try:
            async with asyncio.timeout(options.timeout_seconds):
                return await self._chat(messages, tools, options, ReplyReader(options, on_text))
        except LLMError:
            raise
        except Exception as exc:
            raise self._error(exc, options.model, options.timeout_seconds) from exc

    async def _chat(self, messages: History, tools: ToolSpecs, options: ChatOptions, reply: ReplyReader) -> Reply:
        stream = await self._client().chat(
            model=options.model,
            messages=messages,
            tools=tools,
            stream=True,
            think=False,
            options={
                "temperature": options.temperature,
                "num_predict": options.max_tokens,
                "num_ctx": options.num_ctx,
            },
            keep_alive=_keep_alive(options.keep_alive),
        )
        eval_ns = 0
        # Leaving the loop early must close the HTTP response (the client's generator holds it open).
        async with contextlib.aclosing(cast(AsyncGenerator[ollama.ChatResponse], stream)) as chunks:
            read = 0
            pace = Pace()
            async for chunk in chunks:
                read += 1
                # Ollama streams about a token a line and stops at num_predict (max_tokens): a model that
                # goes on has ignored it, and each line costs us parsing, so it is cut off here.
                if read > options.max_tokens + LINES_OVER_MAX_TOKENS:
                    raise too_long(options.max_tokens)
                await pace.line()
                message = chunk.message
                if message.content:
                    await reply.text(message.content)
                for call in message.tool_calls or []:
                    reply.call(call.function.name, dict(call.function.arguments))
                if chunk.done:
                    eval_ns = int(chunk.eval_duration or 0) + int(chunk.prompt_eval_duration or 0)
                    eval_ns += int(chunk.load_duration or 0)
        return reply.reply(eval_ns)

    async def probe(self, model: str) -> Probe:
        """Reachable (/api/version), model pulled (/api/show), tools among its capabilities."""
        client = self._client()
        try:
            async with asyncio.timeout(10):
                raw = await client._client.get("/api/version")
                raw.raise_for_status()
                version = str(raw.json().get("version", ""))
        except Exception as exc:
            err = self._error(exc, model, 10)
            return Probe(reachable=False, problem=err.problem, message=err.message, fix=err.fix)
        try:
            async with asyncio.timeout(10):
                shown = await client.show(model)
        except Exception as exc:
            err = self._error(exc, model, 10)
            return Probe(reachable=True, version=version, problem=err.problem, message=err.message, fix=err.fix)
        capabilities = list(shown.capabilities or [])
        if capabilities and "tools" not in capabilities:
            return Probe(
                reachable=True,
                version=version,
                model_present=True,
                tools_supported=False,
                problem="no_tools",
                message=f"the model {model} does not support tool calling",
                fix=TOOLS_FIX,
            )
        return Probe(
            reachable=True,
            version=version,
            model_present=True,
            tools_supported=True if capabilities else None,
            message=f"Ollama {version} has {model}" + (" with tool support" if capabilities else ""),
        )

    async def models(self) -> list[ModelInfo]:
        client = self._client()
        try:
            async with asyncio.timeout(10):
                listed = await client.list()
                out: list[ModelInfo] = []
                for m in listed.models:
                    name = m.model or ""
                    try:
                        capabilities = list((await client.show(name)).capabilities or [])
                    except ollama.ResponseError:
                        capabilities = []
                    details = m.details
                    out.append(
                        ModelInfo(
                            name=name,
                            size_bytes=m.size,
                            parameter_size=details.parameter_size if details else None,
                            quantization=details.quantization_level if details else None,
                            tools=("tools" in capabilities) if capabilities else None,
                        )
                    )
                return out
        except Exception as exc:
            raise self._error(exc, "qwen3:1.7b", 10) from exc

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            with contextlib.suppress(Exception):  # a client of a loop that is gone: nothing left to close
                await client.close()  # type: ignore[no-untyped-call]
