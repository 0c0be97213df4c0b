"""A hostile model server: what it may make us read, parse, run and check is bounded, and it gets set aside.

The bound is shown by the reading being stopped — the fake server sees the connection closed long
before it has sent all it meant to — not by timing.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from assistant_support import DOC_QUESTIONS, bench
from conftest import bearer
from fake_ollama import Flood
from makermatrix_edge.assistant import guard
from makermatrix_edge.assistant.evidence import Evidence
from makermatrix_edge.inventory.component_models import Component

CAP = 262_144  # the default [assistant] max_reply_bytes


def _api_ask(client: Any, token: str, message: str) -> dict[str, Any]:
    response = client.post("/api/ai/chat", json={"message": message}, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert len(response.content) < 20_000  # the answer a viewer gets is the inventory's, not the flood
    return dict(response.json()["data"])


def test_a_model_streaming_30_mb_in_one_line_is_cut_off_at_max_reply_bytes(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, token):
        flood = Flood(30_000_000, one_line=True)  # nothing can be parsed before the line ends: memory is the risk
        fake.script = [flood]
        answer = _api_ask(client, token, DOC_QUESTIONS[1])
        assert answer["degraded"] and answer["confidence"] == "MEDIUM"
        assert f"The model's reply was set aside: the model's reply went past {CAP} bytes" in answer["answer"]
        assert answer["answer"].startswith("BC857B: 150 units in A2-B3 at $0.12 per unit, total value $18.00.")
        assert flood.ended.wait(30) and flood.cut_off.is_set()
        assert flood.sent < flood.total_bytes // 4  # the socket buffers hold a few MB; the rest was never sent


def test_the_stream_to_a_viewer_stops_with_the_reading(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, token):
        flood = Flood(30_000_000, line_bytes=64)  # a token per line, as Ollama streams
        fake.script = [flood]
        response = client.post("/api/ai/chat/stream", json={"message": DOC_QUESTIONS[1]}, headers=bearer(token))
        assert response.status_code == 200
        assert len(response.content) < 2 * CAP  # the draft text streamed is at most what was read
        events = [json.loads(line) for line in response.text.splitlines()]
        assert events[-1]["type"] == "answer" and events[-1]["degraded"]
        assert "the model wrote past max_tokens (512 tokens)" in events[-1]["answer"]  # Ollama's num_predict
        assert sum(e["type"] == "token" for e in events) <= 512 + 32
        assert flood.ended.wait(30) and flood.cut_off.is_set() and flood.sent < flood.total_bytes // 4


def test_tool_calls_past_max_tool_calls_stop_the_reading_and_none_runs(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, token):
        flood = Flood(30_000_000, calls=True)  # one lookup_component call per line, ~100 000 of them
        fake.script = [flood]
        answer = _api_ask(client, token, DOC_QUESTIONS[1])
        assert answer["degraded"] and "the model asked for more than 8 tool calls in one turn" in answer["answer"]
        assert len(fake.requests) == 1  # no tool result went back: the turn was refused whole
        assert answer["tools_used"] == ["lookup_component", "check_inventory"]  # the inventory answer's own
        assert flood.ended.wait(30) and flood.cut_off.is_set() and flood.sent < flood.total_bytes // 4


def test_5000_tool_calls_written_as_text_are_refused_without_running_any(tmp_path: Path) -> None:
    calls = "".join(
        f'<tool_call>{{"name": "lookup_component", "arguments": {{"query": "X{i}"}}}}</tool_call>' for i in range(5000)
    )
    with bench(tmp_path, max_reply_bytes=4_000_000, max_tokens=32768) as (fake, client, _, token):  # not the point
        fake.chunk_words = 1000
        fake.script = [lambda body: {"content": calls}]
        answer = _api_ask(client, token, DOC_QUESTIONS[1])
        assert answer["degraded"] and "more than 8 tool calls in one turn" in answer["answer"]
        assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("count", "why"),
    [
        (20_000, "the model wrote past max_tokens (512 tokens)"),  # 180 kB of text: more than 512 tokens hold
        (800, "it names more than 100 part numbers, counts and prices to check"),  # 7 kB: fits, too many to check
    ],
)
def test_an_answer_naming_thousands_of_unknown_parts_is_set_aside_unchecked(
    tmp_path: Path, count: int, why: str
) -> None:
    named = " ".join(f"ZX{i:05d}Q" for i in range(count)) + "."
    with bench(tmp_path) as (fake, client, _, token):
        fake.chunk_words = 1000  # few lines: the text's length, not the line count, is under test
        fake.script = [lambda body: {"content": named}]
        answer = _api_ask(client, token, DOC_QUESTIONS[1])
        assert answer["degraded"] and answer["confidence"] == "MEDIUM"
        assert f"The model's reply was set aside: {why}" in answer["answer"]
        assert "ZX00001Q" not in answer["answer"] and len(answer["notes"]) == 1


@pytest.mark.parametrize(("claims", "looked_up"), [(100, 100), (101, 0), (20_000, 0)])
def test_the_guard_looks_nothing_up_when_an_answer_names_too_much(claims: int, looked_up: int) -> None:
    text = " ".join(f"ZX{i:05d}Q" for i in range(claims)) + "."
    looked: list[str] = []

    async def verify(token: str) -> Component | None:  # the inventory lookup each unknown token costs
        looked.append(token)
        return None

    async def set_aside() -> bool:
        try:
            await guard.check(text, Evidence(), verify, 100)
        except guard.TooManyClaims:
            return True
        return False

    assert asyncio.run(set_aside()) == (claims > 100)
    assert len(looked) == looked_up
