"""LLM devices: Ollama (the real one on a Pi), an OpenAI-compatible server, and the cloud kinds that need internet."""

from __future__ import annotations

from typing import Any

from makermatrix_edge.devices.llm.base import LLM, ChatOptions, LLMError, ModelInfo, OnText, Probe, Reply
from makermatrix_edge.devices.llm.ollama import OllamaLLM
from makermatrix_edge.devices.llm.openai_compat import OpenAICompatibleLLM

__all__ = ["LLM", "ChatOptions", "LLMError", "ModelInfo", "OnText", "Probe", "Reply", "build_llm"]


class InternetLLM:
    """openai / anthropic: accepted in the config, but a bench Pi has no internet, so they say so."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def _error(self) -> LLMError:
        return LLMError(
            "needs_internet",
            f"the {self.kind} provider needs the internet, which this Pi does not have",
            "use provider ollama with a local model (ollama pull qwen3:1.7b) in /api/ai/config",
        )

    async def chat(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], options: ChatOptions, on_text: Any = None
    ) -> Reply:
        raise self._error()

    async def probe(self, model: str) -> Probe:
        err = self._error()
        return Probe(reachable=False, problem=err.problem, message=err.message, fix=err.fix)

    async def models(self) -> list[ModelInfo]:
        raise self._error()

    async def close(self) -> None:
        return None


def build_llm(provider: str, *, ollama_url: str, api_url: str, api_key: str, max_reply_bytes: int) -> LLM:
    if provider == "ollama":
        return OllamaLLM(ollama_url, max_reply_bytes)
    if provider == "openai_compatible":
        return OpenAICompatibleLLM(api_url, api_key, max_reply_bytes)
    return InternetLLM(provider)
