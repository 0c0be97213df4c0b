"""An OpenAI-compatible server on the LAN or the Pi (llama.cpp server, LM Studio): /chat/completions with tools.

Arguments arrive as a JSON string here (Ollama sends an object); a string that is not JSON is
passed on as it is and the assistant answers it as a tool error. Tool results go back with the
call's id, which this protocol requires. Answers are read through a CappedTransport (max_reply_bytes).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from makermatrix_edge.devices.llm import base as llm
from makermatrix_edge.devices.llm.capped import CappedTransport, ReplyTooLarge

START_FIX = "start the OpenAI-compatible server (e.g. llama-server --port 8081) or fix api_url in /api/ai/config"


class OpenAICompatibleLLM:
    kind = "openai_compatible"

    def __init__(self, url: str, api_key: str, max_reply_bytes: int) -> None:
        self.url = url.rstrip("/")
        self.max_reply_bytes = max_reply_bytes
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=None, transport=CappedTransport(self.max_reply_bytes))

    def _error(self, exc: BaseException, model: str, timeout: float) -> llm.LLMError:
        if isinstance(exc, ReplyTooLarge):
            return llm.too_large(exc.limit)
        if isinstance(exc, httpx.ConnectError):
            return llm.LLMError("unreachable", f"no OpenAI-compatible server answers at {self.url}", START_FIX)
        if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
            return llm.LLMError(
                "timeout", f"the model {model} did not answer within {timeout:g} s", "use a smaller model"
            )
        if isinstance(exc, httpx.HTTPStatusError):
            code = exc.response.status_code
            if code == 404:
                return llm.LLMError("model_missing", f"the server has no model {model}", "load the model in the server")
            return llm.LLMError("error", f"the server answered {code}: {exc.response.text[:200]}", START_FIX)
        if isinstance(exc, (KeyError, IndexError, TypeError, ValueError)):
            return llm.LLMError("bad_reply", f"the server's reply cannot be read ({type(exc).__name__})")
        return llm.LLMError("error", f"the server failed: {exc}", START_FIX)

    @staticmethod
    def _wire(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Ollama-shaped history -> OpenAI shape (string arguments, ids pairing calls and results)."""
        out: list[dict[str, Any]] = []
        pending: list[str] = []
        for i, m in enumerate(messages):
            if m.get("tool_calls"):
                ids = [f"call_{i}_{j}" for j in range(len(m["tool_calls"]))]
                pending = list(ids)
                calls = [
                    {"id": cid, "type": "function", "function": {"name": c["function"]["name"],
                     "arguments": json.dumps(c["function"]["arguments"])}}
                    for cid, c in zip(ids, m["tool_calls"], strict=True)
                ]  # fmt: skip
                out.append({"role": "assistant", "content": m.get("content") or None, "tool_calls": calls})
            elif m["role"] == "tool":
                out.append({"role": "tool", "content": m["content"], "tool_call_id": pending.pop(0) if pending else ""})
            else:
                out.append({"role": m["role"], "content": m.get("content", "")})
        return out

    async def chat(
        self, messages: llm.History, tools: llm.ToolSpecs, options: llm.ChatOptions, on_text: llm.OnText | None = None
    ) -> llm.Reply:
        body: dict[str, Any] = {
            "model": options.model,
            "messages": self._wire(messages),
            "temperature": options.temperature,
            "max_tokens": options.max_tokens,
            "stream": False,
        }
        if tools:
            body["tools"] = tools
        try:
            async with asyncio.timeout(options.timeout_seconds), self._client() as client:
                response = await client.post(f"{self.url}/chat/completions", json=body, headers=self._headers)
                response.raise_for_status()
                message = response.json()["choices"][0]["message"]
        except Exception as exc:
            raise self._error(exc, options.model, options.timeout_seconds) from exc
        reply = llm.ReplyReader(options, on_text)
        reply.count_calls(len(message.get("tool_calls") or []))  # all of them, before any is read
        for call in message.get("tool_calls") or []:
            raw = call["function"].get("arguments") or "{}"
            try:
                arguments = json.loads(raw) if isinstance(raw, str) else raw
            except ValueError:
                arguments = raw
            reply.call(call["function"]["name"], arguments)
        content = message.get("content") or ""
        if content:
            await reply.text(content)
        return reply.reply()

    async def _models_raw(self) -> list[str]:
        async with asyncio.timeout(10), self._client() as client:
            response = await client.get(f"{self.url}/models", headers=self._headers)
            response.raise_for_status()
            return [str(m["id"]) for m in response.json().get("data", [])]

    async def probe(self, model: str) -> llm.Probe:
        try:
            names = await self._models_raw()
        except Exception as exc:
            err = self._error(exc, model, 10)
            return llm.Probe(reachable=False, problem=err.problem, message=err.message, fix=err.fix)
        if model not in names and names:
            return llm.Probe(
                reachable=True,
                problem="model_missing",
                message=f"the server has {', '.join(names)}, not {model}",
                fix="set model_name in /api/ai/config to one of those",
            )
        return llm.Probe(
            reachable=True, model_present=True, message=f"OpenAI-compatible server at {self.url} has {model}"
        )

    async def models(self) -> list[llm.ModelInfo]:
        try:
            return [llm.ModelInfo(name=n) for n in await self._models_raw()]
        except Exception as exc:
            raise self._error(exc, "", 10) from exc

    async def close(self) -> None:
        return None
