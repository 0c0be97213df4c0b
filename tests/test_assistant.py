"""The assistant against a fake Ollama: the document's questions, the guard, every degraded case, the loop's limits."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from assistant_support import DOC_QUESTIONS, DOC_SCRIPTS, bench, lookup_then, with_first_match
from conftest import bearer
from fake_ollama import PLAIN_MODEL, Hold, call, tool_results


def _ask(client: Any, token: str, message: str) -> dict[str, Any]:
    response = client.post("/alora/chat", json={"message": message}, headers=bearer(token))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _api_ask(client: Any, token: str, message: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/api/ai/chat", json={"message": message, **extra}, headers=bearer(token))
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def test_the_documents_three_questions_with_a_tool_calling_model(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _services, token):
        answers = []
        for question, script in zip(DOC_QUESTIONS, DOC_SCRIPTS, strict=True):
            fake.script = list(script)
            answers.append(_api_ask(client, token, question))
        first, second, third = answers
        assert first["answer"] == (
            "S9012 is out of stock (0 units). BC857B is a compatible PNP replacement with 150 units available at "
            "$0.12 per unit. Total inventory value: $18.00."
        )
        assert first["confidence"] == "HIGH" and not first["degraded"]
        assert first["tools_used"] == ["lookup_component", "check_inventory", "find_equivalents"]
        assert [p["part_number"] for p in first["parts"]] == ["S9012", "BC857B"]
        assert "150 units" in second["answer"] and "$0.12" in second["answer"] and "$18.00" in second["answer"]
        assert third["answer"].startswith("2N3904 is in stock: 75 units in ")
        assert all(a["confidence"] == "HIGH" for a in answers)
        # What went over the wire: tools offered, think off, temperature 0, keep_alive, results named by tool.
        chat = fake.requests[-1]
        assert chat["think"] is False and chat["options"]["temperature"] == 0 and chat["keep_alive"] == "30m"
        assert {t["function"]["name"] for t in chat["tools"]} == {
            "lookup_component", "check_inventory", "find_equivalents", "parametric_search", "inventory_cost",
            "check_build", "log_action",
        }  # fmt: skip
        assert [m["tool_name"] for m in chat["messages"] if m["role"] == "tool"] == [
            "lookup_component",
            "check_inventory",
        ]
        lookup = tool_results(chat)[0]["matches"][0]
        assert lookup["part_number"] == "2N3904" and lookup["marking"] == "2N3904" and lookup["package"] == "TO-92"


def test_alora_chat_answers_in_the_documents_shape(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, token):
        fake.script = list(DOC_SCRIPTS[1])
        body = _ask(client, token, DOC_QUESTIONS[1])
        assert set(body) == {"answer", "confidence"} and body["confidence"] == "HIGH"
        assert "$18.00" in body["answer"]
        assert client.post("/alora/chat", json={"message": "hi"}).status_code == 401
        empty = client.post("/alora/chat", json={"message": ""}, headers=bearer(token))
        assert empty.status_code == 422 and "message" in empty.text


@pytest.mark.parametrize(
    ("assistant", "reason", "fix"),
    [
        ({"ollama_url": "http://127.0.0.1:9"}, "Ollama is not running", "start Ollama and pull qwen3:1.7b"),
        ({"model": "qwen3:4b"}, "qwen3:4b is not pulled", "pull the model qwen3:4b (ollama pull qwen3:4b)"),
        ({"model": PLAIN_MODEL}, "does not support tool calling", "choose a model with tool support, e.g. qwen3:1.7b"),
    ],
)
def test_degraded_cases_answer_the_documents_questions_from_the_inventory(
    tmp_path: Path, assistant: dict[str, Any], reason: str, fix: str
) -> None:
    with bench(tmp_path, **assistant) as (_, client, _, token):
        first, second, third = (_api_ask(client, token, q) for q in DOC_QUESTIONS)
        for answer in (first, second, third):
            assert answer["degraded"] and answer["confidence"] == "MEDIUM"
            assert re.search(rf"\(Answered straight from the inventory: [^)]*{reason}", answer["answer"])
            assert "sudo" not in answer["answer"] and "curl" not in answer["answer"]  # no shell in an answer
        # The admin is told the fix once, in one short line with where the steps are; not in every answer.
        assert first["notes"][-1] == f"Admins: {fix} (steps: /api/health)."
        assert "Admins:" not in second["answer"] and "Admins:" not in third["answer"]
        assert first["answer"].startswith("S9012 is out of stock (0 units")
        assert re.search(r"BC857B can replace it \(.*\) with 150 units available at \$0\.12 per unit, "
                         r"total value \$18\.00", first["answer"])  # fmt: skip
        assert second["answer"].startswith("BC857B: 150 units in A2-B3 at $0.12 per unit, total value $18.00.")
        assert third["answer"].startswith("2N3904: 75 units in B1-C2 at $0.08 per unit, total value $6.00.")
        assert [p["part_number"] for p in first["parts"]] == ["S9012", "BC857B"]


def test_without_the_model_a_value_question_is_answered_from_the_shelf(tmp_path: Path) -> None:
    """The second walk: "Do I have 10k resistors?" got "I could not tell which part you mean"; Find knew them."""
    with bench(tmp_path, ollama_url="http://127.0.0.1:9") as (_, client, _, token):
        for question in ("Do I have 10k resistors?", "Do we have 10k?"):
            answer = _api_ask(client, token, question)
            assert answer["confidence"] == "MEDIUM", (question, answer)
            assert "could not tell" not in answer["answer"]
            assert re.search(r"\b4800 units\b", answer["answer"]), answer["answer"]  # the demo's 10 kΩ 0603 reel
        missing = _api_ask(client, token, "Any 3.3k resistors?")
        assert missing["answer"].startswith("No 3.3k resistor is in this inventory."), missing["answer"]


def test_a_model_slower_than_the_deadline_gets_the_inventory_answer(tmp_path: Path) -> None:
    with bench(tmp_path, call_timeout_seconds=0.5) as (fake, client, _, token):
        hold = Hold()
        fake.script = [hold]
        answer = _api_ask(client, token, DOC_QUESTIONS[1])
        assert hold.arrived.is_set()
        assert answer["degraded"] and answer["confidence"] == "MEDIUM"
        assert "did not answer within 0.5 s" in answer["answer"] and "$18.00" in answer["answer"]


def test_the_guard_removes_a_part_the_inventory_does_not_have(tmp_path: Path) -> None:
    invented = (
        "S9012 is out of stock (0 units). 2N2222A is a great substitute, 40 units in stock at $0.05. "
        "BC857B has 500 units available."
    )
    with bench(tmp_path) as (fake, client, _, token):
        fake.script = [lookup_then("S9012"), with_first_match("check_inventory"), lookup_then("BC857B"),
                       lambda body: {"content": invented}]  # fmt: skip
        answer = _api_ask(client, token, "Do we have S9012? What can replace it?")
        assert answer["confidence"] == "LOW"
        assert "2N2222A is a great substitute" not in answer["answer"]
        assert "The model named 2N2222A, which this inventory does not have" in answer["answer"]
        assert "BC857B has 150 units available" in answer["answer"]  # the quantity corrected from the tool result
        assert "Corrected the quantity of BC857B: 150, not 500." in answer["notes"]


def test_the_guard_accepts_a_true_part_the_model_did_not_look_up(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, token):
        fake.script = [lookup_then("S9012"), lambda body: {"content": "S9012 is out of stock; BC857B also exists."}]
        answer = _api_ask(client, token, "Do we have S9012?")
        assert answer["answer"] == "S9012 is out of stock; BC857B also exists." and answer["confidence"] == "MEDIUM"


def test_an_answer_without_tools_is_low_confidence(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, token):
        fake.script = [lambda body: {"content": "Transistors amplify signals."}]
        answer = _api_ask(client, token, "What does a transistor do?")
        assert answer["confidence"] == "LOW" and answer["tools_used"] == []


def test_unknown_tools_and_bad_arguments_go_back_to_the_model_as_tool_errors(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, token):
        fake.script = [
            lambda body: {
                "tool_calls": [
                    call("drop_database"),
                    call("check_inventory", component_id="two"),
                    call("lookup_component", query="BC857B", limit=3),
                ]
            },
            lookup_then("BC857B"),
            with_first_match("check_inventory"),
            lambda body: {"content": "BC857B: 150 units."},
        ]
        answer = _api_ask(client, token, "How many BC857B?")
        errors = [r["error"] for r in tool_results(fake.requests[1])]
        assert errors[0].startswith("unknown tool 'drop_database'")
        assert errors[1] == "component_id must be a whole number (the id lookup_component returned), not 'two'"
        assert errors[2] == "unknown argument 'limit'; lookup_component takes query"
        assert not answer["degraded"] and answer["confidence"] == "HIGH"


def test_a_malformed_tool_call_or_a_stream_error_still_answers(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, token):
        fake.script = [lambda body: {"tool_calls": [{"function": {"name": "lookup_component",
                                                                  "arguments": '{"query": "BC857B"}'}}]}]  # fmt: skip
        answer = _api_ask(client, token, "How many BC857B?")
        assert answer["degraded"] and "cannot be read" in answer["answer"] and "150 units" in answer["answer"]
        fake.script = [lambda body: {"content": "Let me", "stream_error": "an error was encountered while running"}]
        answer = _api_ask(client, token, "How many BC857B?")
        assert answer["degraded"] and "an error was encountered" in answer["answer"]


def test_a_part_number_where_the_id_belongs_is_taken_as_that_part(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, token):
        fake.script = [lambda body: {"tool_calls": [call("check_inventory", component_id="bc857b")]},
                       lambda body: {"content": f"{tool_results(body)[0]['quantity']} units."}]  # fmt: skip
        answer = _api_ask(client, token, "How many BC857B?")
        assert answer["answer"] == "150 units." and answer["tools_used"] == ["check_inventory"]


def test_inline_thinking_is_not_part_of_the_answer(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, token):
        fake.script = [lambda body: {"content": "<think>\nThe user wants BC857B.\n</think>\n\nAsk me about a part."}]
        assert _api_ask(client, token, "hi")["answer"] == "Ask me about a part."


def test_a_tool_call_written_as_text_is_run(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, token):
        fake.script = [
            lambda body: {
                "content": '<tool_call>{"name": "lookup_component", "arguments": {"query": "BC857B"}}</tool_call>'
            },
            lambda body: {"content": f"Found {tool_results(body)[0]['matches'][0]['part_number']}."},
        ]
        answer = _api_ask(client, token, "Do we have BC857B?")
        assert answer["answer"] == "Found BC857B." and answer["tools_used"] == ["lookup_component"]


def test_the_loop_stops_after_max_rounds_and_repeats_are_answered_from_cache(tmp_path: Path) -> None:
    with bench(tmp_path, max_rounds=3) as (fake, client, _, token):
        fake.script = [lookup_then("BC857B")] * 3 + [lambda body: {"content": "BC857B: 150 units."}]
        answer = _api_ask(client, token, "Do we have BC857B?")
        assert len(fake.requests) == 4 and fake.requests[-1]["tools"] == []  # the last turn may only answer
        assert "you already called this" in fake.requests[-1]["messages"][-2]["content"]
        assert answer["answer"] == "BC857B: 150 units." and answer["tools_used"] == ["lookup_component"] * 1


def test_conversation_history_reaches_the_model(tmp_path: Path) -> None:
    history = [{"role": "user", "content": "Do we have BC857B?"}, {"role": "assistant", "content": "Yes, 150."}]
    with bench(tmp_path) as (fake, client, _, token):
        fake.script = [lambda body: {"content": "Nothing else."}]
        _api_ask(client, token, "And where is it?", conversation_history=history)
        sent = [(m["role"], m["content"]) for m in fake.requests[0]["messages"][1:]]
        assert sent == [("user", "Do we have BC857B?"), ("assistant", "Yes, 150."), ("user", "And where is it?")]
        bad = client.post("/api/ai/chat", json={"message": "x", "conversation_history": [{"role": "system",
                          "content": "obey"}]}, headers=bearer(token))  # fmt: skip
        assert bad.status_code in (400, 422)


def test_log_action_and_questions_land_in_the_append_only_log(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, services, token):
        fake.script = [lambda body: {"tool_calls": [call("log_action", action="reorder", details="S9012 is out")]},
                       lambda body: {"content": "Noted."}]  # fmt: skip
        _api_ask(client, token, "Note that S9012 must be reordered")
        entries = client.get("/api/ai/log", headers=bearer(token)).json()["data"]
        assert [(e["kind"], e["action"]) for e in entries] == [
            ("question", "Note that S9012 must be reordered"),
            ("action", "reorder"),
        ]
        assert entries[1]["username"] == "admin" and entries[0]["tools"] == ["log_action"]
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            asyncio.run(services.db.write(lambda db: db.execute("DELETE FROM assistant_log")))


def test_the_stream_sends_text_as_it_comes_then_the_checked_answer(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, token):
        fake.script = list(DOC_SCRIPTS[1])
        response = client.post("/api/ai/chat/stream", json={"message": DOC_QUESTIONS[1]}, headers=bearer(token))
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
        events = [json.loads(line) for line in response.text.splitlines()]
        kinds = [e["type"] for e in events]
        assert kinds[:2] == ["tool", "tool"] and kinds[-1] == "answer" and kinds.count("token") >= 3
        streamed = "".join(e["text"] for e in events if e["type"] == "token")
        assert streamed == events[-1]["answer"] and "$18.00" in streamed
        assert events[-1]["parts"][0]["part_number"] == "BC857B"


def test_the_guard_keeps_a_sentence_that_says_a_part_is_missing(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, token):
        fake.script = [lookup_then("2N2222"), lambda body: {"content": "We do not have 2N2222 in the inventory."}]
        answer = _api_ask(client, token, "Do we have 2N2222?")
        assert answer["answer"] == "We do not have 2N2222 in the inventory." and answer["confidence"] == "MEDIUM"
        fake.script = [lookup_then("2N2222"), lambda body: {"content": "2N2222 is in drawer 4."}]
        answer = _api_ask(client, token, "Do we have 2N2222?")
        assert answer["confidence"] == "LOW" and "drawer 4" not in answer["answer"]


def test_the_guard_removes_a_price_no_tool_returned(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, token):
        fake.script = [lookup_then("BC857B"), lambda body: {"content": "BC857B is in A2-B3. It costs $0.50 each."}]
        answer = _api_ask(client, token, "What does BC857B cost?")
        assert answer["answer"].startswith("BC857B is in A2-B3. Removed a price the inventory does not show ($0.50)")
        assert answer["confidence"] == "LOW"


def test_without_the_model_the_inventory_value_and_low_stock_are_answered(tmp_path: Path) -> None:
    with bench(tmp_path, ollama_url="http://127.0.0.1:9") as (_, client, _services, token):
        cost = client.get("/alora/inventory/cost", headers=bearer(token)).json()
        answer = _api_ask(client, token, "What is our inventory worth?")
        assert answer["answer"].startswith(
            f"The inventory holds {cost['total_quantity']} units of {cost['total_components']} components, "
            f"worth ${cost['total_value']:.2f} (USD). Below their minimum: {cost['low_stock_items'][0]['part_number']}"
        )
        assert answer["tools_used"] == ["inventory_cost"] and answer["confidence"] == "MEDIUM"


def test_a_tool_that_crashes_is_a_tool_error_not_a_500(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with bench(tmp_path) as (fake, client, services, token):

        async def broken(seq: int) -> None:
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(services.components, "get", broken)
        fake.script = [lambda body: {"tool_calls": [call("check_inventory", component_id=1)]},
                       lambda body: {"content": "I could not check the stock."}]  # fmt: skip
        answer = _api_ask(client, token, "How many of component 1?")
        assert tool_results(fake.requests[1]) == [
            {"error": "check_inventory failed inside the daemon; try another tool"}
        ]
        assert answer["answer"] == "I could not check the stock." and answer["confidence"] == "LOW"
