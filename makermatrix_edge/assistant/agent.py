"""The agent loop: the model calls tools (at most max_rounds turns), then answers; the guard checks the answer.

Confidence is the document's: HIGH when several tools were used, MEDIUM for one, LOW for none
or when the guard had to correct the answer. Any failure of the model (offline, not pulled, no
tool support, too slow, unreadable) ends in the answer without the model, confidence MEDIUM (LOW
when its rules cannot read the question); so does a reply past the limits (too many bytes, tool
calls or claims to check), which is set aside.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from makermatrix_edge.assistant import fallback, guard
from makermatrix_edge.assistant.evidence import Evidence, norm
from makermatrix_edge.assistant.models import Answer, Confidence, HistoryTurn
from makermatrix_edge.assistant.tools import SPECS, ToolBox, schemas
from makermatrix_edge.assistant.untrusted import RULES, as_data, asks_for_action
from makermatrix_edge.devices.llm.base import LLM, ChatOptions, LLMError, Reply, ToolCall, too_many_calls
from makermatrix_edge.inventory.component_models import Component

Emit = Callable[[dict[str, Any]], Awaitable[None]]
SYSTEM = (
    """You are ALORA, the parts assistant of an electronics workbench. Answer from this inventory only.
Rules:
- Use the tools. Never invent a component, a quantity or a price: state only what a tool returned.
- Check stock with check_inventory before recommending a part.
- Give unit price and total value (quantity x unit price) in dollars.
- Suggest equivalents (find_equivalents) only when the part is missing or short, and say why they fit.
- Explain your reasoning in one or two short sentences. Plain text, no tables.
"""
    + RULES
)
# Older Ollama servers ignore think=false and qwen3 writes its thoughts inline: they are not the answer.
_THINK = re.compile(r"<think>.*?(</think>|$)", re.S)
_OPEN, _CLOSE = "<tool_call>", "</tool_call>"


@dataclass
class AgentOptions:
    chat: ChatOptions
    max_rounds: int
    question_timeout: float
    extra_prompt: str = ""
    max_claims: int = 100


def _call_texts(content: str) -> Iterator[str]:
    """The JSON written between <tool_call> tags, or the whole reply when it is one JSON object.

    Plain finds, each from where the last ended: linear however many (or unclosed) tags a reply holds.
    """
    whole = content.strip()
    if whole.startswith("{") and whole.endswith("}"):
        yield whole
        return
    at = 0
    while (start := content.find(_OPEN, at)) >= 0:
        end = content.find(_CLOSE, start)
        if end < 0:
            return
        inner = content[start + len(_OPEN) : end].strip()
        if inner.startswith("{") and inner.endswith("}"):
            yield inner
        at = end + len(_CLOSE)


def text_calls(content: str, limit: int) -> list[ToolCall]:
    """Small models sometimes write the call as text instead of a structured tool call; accept known tools.

    Reading stops after limit + 1 calls: one more than allowed is enough to refuse the turn.
    """
    calls = []
    for raw in _call_texts(content):
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("name") in SPECS:
            calls.append(ToolCall(name=data["name"], arguments=data.get("arguments", data.get("parameters"))))
            if len(calls) > limit:
                break
    return calls


def confidence(evidence: Evidence, corrected: bool) -> Confidence:
    if corrected or not evidence.tools_used:
        return "LOW"
    return "HIGH" if len(evidence.tools_used) >= 2 else "MEDIUM"


class Agent:
    def __init__(self, llm: LLM, toolbox: ToolBox, options: AgentOptions) -> None:
        self.llm = llm
        self.toolbox = toolbox
        self.options = options
        self.waited = 0.0  # seconds spent awaiting the model, excluded from our overhead
        self.error: LLMError | None = None  # why the model could not answer, if it could not
        self.fix = ""  # what an admin does about it (start Ollama, pull the model...), when degraded

    async def _model(self, messages: list[dict[str, Any]], tools: bool, emit: Emit | None) -> Reply:
        async def on_text(text: str) -> None:
            if emit is not None:
                await emit({"type": "token", "text": text})

        started = time.perf_counter()
        try:
            return await self.llm.chat(messages, schemas() if tools else [], self.options.chat, on_text)
        finally:
            self.waited += time.perf_counter() - started

    async def _verify(self, evidence: Evidence, token: str) -> Component | None:
        """Is this token a part of the inventory? (an exact part number or marking match)."""
        for c in await self.toolbox.find(token, evidence, limit=3):
            if norm(token) in (norm(c.part_number), norm(c.marking or "")):
                return c
        return None

    async def _loop(self, question: str, history: list[HistoryTurn], evidence: Evidence, emit: Emit | None) -> str:
        system = SYSTEM + (f"\n{self.options.extra_prompt}" if self.options.extra_prompt else "")
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
        messages += [{"role": t.role, "content": t.content} for t in history]
        messages.append({"role": "user", "content": question})
        seen: dict[str, str] = {}
        for _ in range(self.options.max_rounds):
            reply = await self._model(messages, True, emit)
            content = _THINK.sub("", reply.content)
            limit = self.options.chat.max_tool_calls
            calls = reply.tool_calls or text_calls(content, limit)
            if not calls:
                return content.strip()
            if len(calls) > limit:
                raise too_many_calls(limit)
            messages.append(
                {
                    "role": "assistant",
                    "content": reply.content,
                    "tool_calls": [
                        {
                            "function": {
                                "name": c.name,
                                "arguments": c.arguments if isinstance(c.arguments, dict) else {},
                            }
                        }
                        for c in calls
                    ],
                }
            )
            for call in calls:
                key = json.dumps([call.name, call.arguments], sort_keys=True, default=str)
                if emit is not None:
                    await emit({"type": "tool", "name": call.name})
                if key in seen:  # small models loop: answer from the cache and say so
                    result = seen[key][:-1] + ',"note":"you already called this; answer now"}'
                else:
                    result = seen[key] = await self.toolbox.run(call.name, call.arguments, evidence)
                marked = as_data(call.name if call.name in SPECS else "unknown", result)
                messages.append({"role": "tool", "content": marked, "tool_name": call.name})
        messages.append({"role": "user", "content": "Answer the question now from the tool results above."})
        return _THINK.sub("", (await self._model(messages, False, emit)).content).strip()

    async def ask(self, question: str, history: list[HistoryTurn], emit: Emit | None = None) -> Answer:
        started = time.perf_counter()
        self.waited = 0.0
        evidence = Evidence(actions_allowed=asks_for_action(question))
        notes: list[str] = []
        degraded = False
        try:
            async with asyncio.timeout(self.options.question_timeout):
                text = await self._loop(question, history, evidence, emit)
        except LLMError as exc:
            self.error = exc
            over = exc.problem == "over_limit"
            degraded, notes = True, (_set_aside_notes if over else _offline_notes)(exc.message)
            self.fix = exc.fix
        except TimeoutError:
            degraded = True
            self.fix = f"use a smaller model (ollama pull {self.options.chat.model}) or raise timeout_seconds"
            notes = _offline_notes(f"the model took longer than {self.options.question_timeout:g} s")
        verdict = None
        if not degraded:

            async def verify(token: str) -> Component | None:
                return await self._verify(evidence, token)

            try:
                verdict = await guard.check(text, evidence, verify, self.options.max_claims)
            except guard.TooManyClaims as exc:
                degraded, notes = True, _set_aside_notes(f"it names {exc}")
        if degraded or verdict is None:
            evidence = Evidence()
            said = await fallback.answer(question, self.toolbox, evidence)
            text = said.text
            level: Confidence = "MEDIUM" if said.answered else "LOW"
        else:
            notes = verdict.notes
            text = verdict.text
            level = confidence(evidence, verdict.corrected)
            if not text:  # nothing the model said survived: the rules answer instead
                said = await fallback.answer(question, self.toolbox, evidence)
                text, level = said.text, level if said.answered else "LOW"
        return Answer(
            answer=" ".join([text, *notes]).strip(),
            confidence=level,
            parts=evidence.links(text),
            tools_used=list(evidence.tools_used),
            degraded=degraded,
            model=self.options.chat.model,
            notes=notes,
            model_seconds=round(self.waited, 3),
            overhead_ms=round((time.perf_counter() - started - self.waited) * 1000, 2),
        )


# One short line; the fix (shell commands, settings) is not repeated in every answer: the service
# tells an admin once (AssistantService.admin_line), and /api/health and the doctor always show it.
def _offline_notes(reason: str) -> list[str]:
    return [f"(Answered straight from the inventory: {reason}.)"]


def _set_aside_notes(reason: str) -> list[str]:
    return [f"(The model's reply was set aside: {reason}. Answered straight from the inventory.)"]
