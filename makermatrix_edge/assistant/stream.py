"""A question's progress as NDJSON lines: model text as it comes, each tool, then the checked answer.

The streamed text is the model's draft; the last line ("answer") is what the guard let through,
and replaces the draft on the page.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import msgspec

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.assistant.models import HistoryTurn
from makermatrix_edge.assistant.service import AssistantService
from makermatrix_edge.errors import DomainError

_DONE = object()


async def ndjson(
    service: AssistantService, question: str, history: list[HistoryTurn], principal: Principal | None
) -> AsyncIterator[bytes]:
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def emit(event: dict[str, Any]) -> None:
        await queue.put(event)

    async def run() -> None:
        try:
            answer = await service.ask(question, history, principal, emit)
            await queue.put({"type": "answer", **msgspec.to_builtins(answer)})
        except DomainError as exc:  # e.g. busy after all: the stream has started (200), so say it in the stream
            await queue.put({"type": "error", "message": exc.message})
        except Exception as exc:  # the stream has started (200): say it in the stream
            await queue.put({"type": "error", "message": f"the question failed: {exc}"})
        finally:
            await queue.put(_DONE)

    task = asyncio.create_task(run())
    try:
        while (event := await queue.get()) is not _DONE:
            yield msgspec.json.encode(event) + b"\n"
    finally:
        if not task.done():  # the reader went away: stop asking the model
            task.cancel()
