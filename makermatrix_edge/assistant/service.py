"""The assistant service: its configuration (file + API changes), the LLM device, questions, the agent log."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import time
from typing import Any

import msgspec

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.accounts.roles import ADMIN
from makermatrix_edge.assistant import fallback
from makermatrix_edge.assistant.agent import Agent, AgentOptions, Emit
from makermatrix_edge.assistant.evidence import Evidence
from makermatrix_edge.assistant.models import (
    AIConfigUpdate,
    AIConfigView,
    Answer,
    HistoryTurn,
    LogEntry,
    ProviderInfo,
    TestResult,
)
from makermatrix_edge.assistant.store import AssistantStore
from makermatrix_edge.assistant.tools import ToolBox
from makermatrix_edge.assistant.turns import FairQueue
from makermatrix_edge.devices.llm import LLM, ChatOptions, LLMError, ModelInfo, Probe, build_llm
from makermatrix_edge.errors import DeviceUnavailable, InvalidInput
from makermatrix_edge.runtime.device_state import DeviceState
from makermatrix_edge.settings import AssistantSettings

log = logging.getLogger(__name__)
FIX_LINK = "/api/health"  # lists the assistant with the full fix (shell commands included)
# The fix in a few words per problem; the commands themselves are in /api/health and the doctor.
_SHORT_FIX = {
    "unreachable": "start Ollama and pull {model}",
    "model_missing": "pull the model {model} (ollama pull {model})",
    "no_tools": "choose a model with tool support, e.g. qwen3:1.7b",
    "timeout": "use a smaller model or raise timeout_seconds",
    "disabled": "turn the model on (enabled = true in /api/ai/config)",
}
RECHECK_OFFLINE_SECONDS = 60.0  # an offline model server is looked for again this often (it comes back by itself)
_KEEP_ALIVE = re.compile(r"-?\d+(\.\d+)?(ms|s|m|h)?")
_API_NAMES = {"model_name": "model"}  # API field -> settings key (api_url depends on the provider)
PROVIDERS = (
    ProviderInfo("ollama", "Ollama on the Pi or the LAN (recommended: qwen3:1.7b)", False, True,
                 "http://127.0.0.1:11434"),
    ProviderInfo("openai_compatible", "An OpenAI-compatible server: llama.cpp server, LM Studio", False, True,
                 "http://127.0.0.1:8081/v1"),
    ProviderInfo("openai", "OpenAI's cloud API", True, False, "https://api.openai.com/v1"),
    ProviderInfo("anthropic", "Anthropic's cloud API", True, False, "https://api.anthropic.com"),
)  # fmt: skip


class AssistantService:
    def __init__(self, settings: AssistantSettings, store: AssistantStore, toolbox: ToolBox) -> None:
        self._file = settings
        self.config = settings
        self.store = store
        self.toolbox = toolbox
        self.llm: LLM = self._build(settings)
        self.probe: Probe | None = None
        self._watch: asyncio.Task[None] | None = None
        self.turns = FairQueue()  # the model answers one question at a time; users take turns
        self._told: set[tuple[str, str]] = set()  # (admin, problem) already given the fix

    @staticmethod
    def _build(cfg: AssistantSettings) -> LLM:
        return build_llm(
            cfg.provider,
            ollama_url=cfg.ollama_url,
            api_url=cfg.api_url,
            api_key=cfg.api_key,
            max_reply_bytes=cfg.max_reply_bytes,
        )

    # -- lifecycle and device state -------------------------------------------------------------

    async def start(self) -> None:
        """Apply the configuration saved through the API, then look for the model server in the background."""
        await self._apply(await self.store.overrides())
        self._watch = asyncio.create_task(self._watch_loop(), name="assistant-probe")

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        await self.llm.close()

    async def _watch_loop(self) -> None:
        while True:
            if self.config.enabled and (self.probe is None or self.probe.problem is not None):
                await self.check()
            await asyncio.sleep(RECHECK_OFFLINE_SECONDS)

    async def check(self) -> Probe:
        self.probe = await self.llm.probe(self.config.model)
        return self.probe

    def state(self) -> DeviceState:
        cfg = self.config
        details: dict[str, Any] = {"model": cfg.model, "provider": cfg.provider, "url": self._url(cfg)}
        if not cfg.enabled:
            return DeviceState(
                kind=cfg.provider, state="disabled", reason="turned off in the settings", details=details
            )
        probe = self.probe
        if probe is None:
            return DeviceState(kind=cfg.provider, state="offline", reason="not checked yet", details=details)
        details.update(reachable=probe.reachable, model_present=probe.model_present, tools=probe.tools_supported)
        if probe.problem is not None:
            reason = probe.message + (f"; fix: {probe.fix}" if probe.fix else "")
            return DeviceState(kind=cfg.provider, state="offline", reason=reason, details=details)
        return DeviceState(kind=cfg.provider, state="ready", details=details)

    # -- configuration ----------------------------------------------------------------------

    @staticmethod
    def _url(cfg: AssistantSettings) -> str:
        return cfg.ollama_url if cfg.provider == "ollama" else cfg.api_url

    def view(self, source_changed: bool) -> AIConfigView:
        cfg = self.config
        return AIConfigView(
            enabled=cfg.enabled,
            provider=cfg.provider,
            api_url=self._url(cfg),
            api_key_set=bool(cfg.api_key),
            model_name=cfg.model,
            temperature=cfg.temperature,
            max_tokens=cfg.max_tokens,
            system_prompt=cfg.system_prompt,
            keep_alive=cfg.keep_alive,
            max_rounds=cfg.max_rounds,
            timeout_seconds=cfg.timeout_seconds,
            source="changed through the API" if source_changed else "config file",
        )

    async def get_config(self) -> AIConfigView:
        return self.view(bool(await self.store.overrides()))

    async def _apply(self, overrides: dict[str, Any]) -> None:
        try:
            cfg = msgspec.structs.replace(self._file, **overrides)
            msgspec.convert(msgspec.to_builtins(cfg), AssistantSettings)  # the file's own limits
        except (TypeError, msgspec.ValidationError) as exc:
            log.warning("ignoring saved assistant configuration: %s", exc)
            cfg = self._file
        old, self.config = self.llm, cfg
        self.llm = self._build(cfg)
        self.probe = None
        await old.close()

    async def update_config(self, data: AIConfigUpdate, actor: Principal) -> AIConfigView:
        given = data.given()
        saved = await self.store.overrides()
        provider = given.get("provider", saved.get("provider", self._file.provider))
        changes: dict[str, Any] = {}
        for key, value in given.items():
            if key == "api_url":
                if not re.match(r"https?://[^\s/]+", value):
                    raise InvalidInput("must be an http:// or https:// URL", "api_url")
                changes["ollama_url" if provider == "ollama" else "api_url"] = value.rstrip("/")
            elif key == "keep_alive" and not _KEEP_ALIVE.fullmatch(value.strip()):
                raise InvalidInput("must be a number of seconds or a duration like 30m, 1h, -1m", "keep_alive")
            else:
                changes[_API_NAMES.get(key, key)] = value
        merged = {**saved, **changes}
        await self.store.save_overrides(merged, actor.username)
        await self._apply(merged)
        if self.config.enabled:
            await self.check()
        return self.view(True)

    async def reset_config(self) -> AIConfigView:
        await self.store.clear_overrides()
        await self._apply({})
        if self.config.enabled:
            await self.check()
        return self.view(False)

    # -- questions --------------------------------------------------------------------------

    def _options(self) -> AgentOptions:
        cfg = self.config
        chat = ChatOptions(
            model=cfg.model,
            temperature=cfg.temperature,
            max_tokens=cfg.max_tokens,
            num_ctx=cfg.num_ctx,
            keep_alive=cfg.keep_alive,
            timeout_seconds=cfg.call_timeout_seconds,
            max_tool_calls=cfg.max_tool_calls,
        )
        return AgentOptions(chat, cfg.max_rounds, cfg.timeout_seconds, cfg.system_prompt, cfg.max_checked_claims)

    def _toolbox_for(self, principal: Principal | None) -> ToolBox:
        username = principal.username if principal else None

        async def log_action(action: str, details: str) -> None:
            await self.store.log("action", action, details, username=username)

        return dataclasses.replace(self.toolbox, log_action=log_action)

    def check_room(self, principal: Principal | None) -> None:
        """Refuse now (429/503, in words) a question that would not get a turn, before a stream starts."""
        if self.config.enabled:
            cfg = self.config
            self.turns.room(principal.username if principal else "", cfg.max_waiting_per_user, cfg.max_waiting)

    async def _ask_model(
        self, question: str, history: list[HistoryTurn], principal: Principal | None, emit: Emit | None
    ) -> Answer:
        cfg = self.config
        ticket = self.turns.join(principal.username if principal else "", cfg.max_waiting_per_user, cfg.max_waiting)
        try:
            if not ticket.started.is_set() and emit is not None:
                await emit({"type": "queued", "ahead": self.turns.ahead(ticket)})
            await self.turns.wait(ticket, cfg.timeout_seconds)
            started = time.perf_counter()
            agent = Agent(self.llm, self._toolbox_for(principal), self._options())
            answer = await agent.ask(question, history, emit)
            self.turns.record(time.perf_counter() - started)
            self._learn(agent.error)
            problem = agent.error.problem if agent.error else "timeout"
            if not answer.degraded or problem == "over_limit":  # a reply too long is the model's, not the setup's
                return answer
            return self.admin_line(answer, principal, problem, agent.fix)
        finally:
            self.turns.leave(ticket)

    async def ask(
        self, question: str, history: list[HistoryTurn], principal: Principal | None, emit: Emit | None = None
    ) -> Answer:
        """The checked answer; TooManyRequests / Overloaded when the model's queue has no room for it."""
        if self.config.enabled:
            answer = await self._ask_model(question, history, principal, emit)
        else:
            evidence = Evidence()
            said = await fallback.answer(question, self._toolbox_for(principal), evidence)
            note = "(Answered straight from the inventory: the assistant's model is turned off in the settings.)"
            answer = Answer(
                answer=f"{said.text} {note}",
                confidence="MEDIUM" if said.answered else "LOW",
                parts=evidence.links(said.text),
                tools_used=evidence.tools_used,
                degraded=True,
                model=self.config.model,
                notes=[note],
            )
            answer = self.admin_line(answer, principal, "disabled", "set enabled to true in /api/ai/config")
        await self.store.log(
            "question",
            question,
            answer.answer,
            username=principal.username if principal else None,
            confidence=answer.confidence,
            tools=answer.tools_used,
        )
        return answer

    def admin_line(self, answer: Answer, principal: Principal | None, problem: str, fix: str) -> Answer:
        """An admin is told the fix once per problem (until the model answers again), in one short line."""
        if not fix or principal is None or not principal.can(ADMIN) or (principal.username, problem) in self._told:
            return answer
        self._told.add((principal.username, problem))
        line = f"Admins: {_SHORT_FIX.get(problem, fix).format(model=self.config.model)} (steps: {FIX_LINK})."
        return msgspec.structs.replace(answer, answer=f"{answer.answer} {line}", notes=[*answer.notes, line])

    def _learn(self, error: LLMError | None) -> None:
        """What a question showed about the model server, for health and doctor without another probe."""
        if error is None:
            self._told.clear()  # the model answers again: a later outage is told again
            if self.probe is None or self.probe.problem is not None:
                self.probe = Probe(reachable=True, model_present=True, message="answered a question")
        elif error.problem not in ("timeout", "over_limit"):  # the server works; this model's turn was slow or wild
            self.probe = Probe(reachable=error.problem != "unreachable", problem=error.problem,
                               message=error.message, fix=error.fix)  # fmt: skip

    # -- server information -----------------------------------------------------------------

    async def test(self) -> TestResult:
        cfg = self.config
        probe = await self.check()
        ok = probe.problem is None
        if ok and probe.tools_supported is None and cfg.provider == "ollama":
            message = probe.message + "; the server does not say whether it supports tools"
        else:
            message = probe.message
        if not cfg.enabled:
            message += " (the assistant is turned off: questions get the inventory-only answer)"
        return TestResult(
            ok=ok,
            provider=cfg.provider,
            model=cfg.model,
            reachable=probe.reachable,
            model_present=probe.model_present,
            tools_supported=probe.tools_supported,
            message=message,
            fix=probe.fix,
        )

    async def models(self) -> list[ModelInfo]:
        try:
            return await self.llm.models()
        except LLMError as exc:
            raise DeviceUnavailable(f"{exc.message}" + (f"; to fix: {exc.fix}" if exc.fix else "")) from None

    @staticmethod
    def providers() -> list[ProviderInfo]:
        return list(PROVIDERS)

    async def log_entries(self, limit: int, offset: int) -> tuple[list[LogEntry], int]:
        if not 1 <= limit <= 500:
            raise InvalidInput("must be between 1 and 500", "limit")
        return await self.store.entries(limit, max(0, offset))
