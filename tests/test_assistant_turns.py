"""Fair turns at the (serial) model, against the real daemon: round-robin across users, bounded waiting lines,
and a refusal in words with Retry-After instead of a question that hangs until its deadline.

The fake model blocks on the first question until the test releases it; every step waits on an event
(the model saw the question; a stream's first line said it is queued), never on the clock.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from daemon_process import Daemon
from fake_ollama import FakeOllama, running
from makermatrix_edge.assistant.turns import FairQueue
from makermatrix_edge.errors import Overloaded

PASSWORD = "turns-admin-pw-1"


class Asker(threading.Thread):
    """One question on /api/ai/chat/stream; `first` is set at its first line (or its refusal)."""

    def __init__(self, url: str, token: str, question: str) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.question = url, token, question
        self.first = threading.Event()
        self.status = 0
        self.events: list[dict[str, Any]] = []

    def run(self) -> None:
        try:
            with httpx.Client(timeout=60) as http, http.stream(
                "POST", self.url + "/api/ai/chat/stream", json={"message": self.question},
                headers={"Authorization": f"Bearer {self.token}"},
            ) as response:  # fmt: skip
                self.status = response.status_code
                for line in response.iter_lines():
                    if line:
                        self.events.append(json.loads(line))
                        self.first.set()
        finally:
            self.first.set()


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[tuple[FakeOllama, Daemon, dict[str, str]]]:
    """The daemon (at most 3 questions waiting in all) on a fake Ollama; tokens of an admin and a viewer."""
    with running() as (fake, url):
        env = {"MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD, "MAKERMATRIX_EDGE_ASSISTANT__OLLAMA_URL": url,
               "MAKERMATRIX_EDGE_ASSISTANT__MAX_WAITING": "3"}  # fmt: skip
        daemon = Daemon(tmp_path / "data", env=env, extra_args=["--demo"])
        try:
            daemon.wait_healthy()
            admin = _login(daemon, "admin", PASSWORD)
            viewer = {"username": "looker", "password": "looker-pw-123", "roles": ["viewer"]}
            made = httpx.post(daemon.url + "/api/users/register", json=viewer,
                              headers={"Authorization": f"Bearer {admin}"})  # fmt: skip
            assert made.status_code == 200, made.text
            yield fake, daemon, {"admin": admin, "viewer": _login(daemon, "looker", "looker-pw-123")}
        finally:
            daemon.kill()


def _login(daemon: Daemon, username: str, password: str) -> str:
    response = httpx.post(daemon.url + "/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.mark.daemon
def test_one_users_many_questions_do_not_hold_the_model_from_another(
    bench: tuple[FakeOllama, Daemon, dict[str, str]],
) -> None:
    fake, daemon, tokens = bench
    arrived, release = threading.Event(), threading.Event()

    def held(body: dict[str, Any]) -> dict[str, Any]:
        arrived.set()
        release.wait(60)
        return {"content": "Answered."}

    fake.script = [held]
    askers: list[Asker] = []
    try:
        first = Asker(daemon.url, tokens["viewer"], "viewer question 1")
        askers.append(first)
        first.start()
        assert arrived.wait(30)  # the model is busy with the viewer's first question
        for n in (2, 3):  # two more wait their turn (the per-user default), one after the other
            asker = Asker(daemon.url, tokens["viewer"], f"viewer question {n}")
            askers.append(asker)
            asker.start()
            assert asker.first.wait(30)
            assert asker.status == 200 and asker.events[0] == {"type": "queued", "ahead": n - 1}

        viewer = {"Authorization": f"Bearer {tokens['viewer']}"}
        refused = httpx.post(daemon.url + "/api/ai/chat", json={"message": "viewer question 4"}, headers=viewer)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["status"] == "error"
        assert refused.json()["message"].startswith(
            "The assistant is busy with your earlier questions: you have 2 waiting, 3 questions ahead of this one."
        )
        streamed = httpx.post(daemon.url + "/api/ai/chat/stream", json={"message": "viewer 5"}, headers=viewer)
        assert streamed.status_code == 429 and "Retry-After" in streamed.headers  # refused before any stream
        alora = httpx.post(daemon.url + "/alora/chat", json={"message": "viewer 6"}, headers=viewer)
        assert alora.status_code == 429 and alora.json()["detail"].startswith("The assistant is busy")

        admin = Asker(daemon.url, tokens["admin"], "admin question 1")
        askers.append(admin)
        admin.start()
        assert admin.first.wait(30)
        assert admin.events[0] == {"type": "queued", "ahead": 1}  # only the running question, not the viewer's line

        full = httpx.post(daemon.url + "/api/ai/chat", json={"message": "admin question 2"},
                          headers={"Authorization": f"Bearer {tokens['admin']}"})  # fmt: skip
        assert full.status_code == 503 and int(full.headers["Retry-After"]) >= 1
        assert full.json()["message"].startswith("The assistant is busy: 3 questions ahead of you. Try again in about")
    finally:
        release.set()
        for asker in askers:
            asker.join(60)
    assert all(a.events[-1]["type"] == "answer" for a in askers)
    served = [body["messages"][-1]["content"] for body in fake.requests]
    assert served == ["viewer question 1", "admin question 1", "viewer question 2", "viewer question 3"]


def test_three_users_take_turns_round_robin_and_a_leaver_frees_its_place() -> None:
    async def run() -> tuple[list[str], int, int]:
        turns = FairQueue()
        served: list[str] = []
        first = turns.join("a", 5, 20)  # the model is free: it runs at once
        tickets = [(name, turns.join(name[0], 5, 20)) for name in ("a2", "a3", "a4", "b1", "b2", "c1")]
        gone = turns.join("c", 5, 20)
        ahead_of_gone = turns.ahead(gone)
        turns.leave(gone)  # its client went away before its turn
        ahead_of_a4 = turns.ahead(tickets[2][1])
        assert first.started.is_set() and not any(t.started.is_set() for _, t in tickets)
        turns.leave(first)
        while tickets:
            name, ticket = next((n, t) for n, t in tickets if t.started.is_set())
            served.append(name)
            tickets.remove((name, ticket))
            turns.leave(ticket)
        return served, ahead_of_gone, ahead_of_a4

    served, ahead_of_gone, ahead_of_a4 = asyncio.run(run())
    assert served == ["b1", "c1", "a2", "b2", "a3", "a4"]  # least recently served first, one each per round
    assert ahead_of_gone == 5  # the running one, then b1 c1 a2 b2 before c's second
    assert ahead_of_a4 == 6  # the running one, b1 c1 a2 b2 a3 (c has no second question any more)


def test_a_question_whose_turn_does_not_come_in_time_is_told_busy_and_leaves_the_line() -> None:
    async def run() -> tuple[str, int, int]:
        turns = FairQueue()
        turns.join("a", 2, 8)  # holds the model for the whole test: the wait below cannot succeed
        waiting = turns.join("b", 2, 8)
        try:
            await turns.wait(waiting, 0.05)
        except Overloaded as exc:
            turns.leave(waiting)
            return exc.message, exc.retry_after, turns.waiting
        raise AssertionError("the turn came although the model was never free")

    message, retry_after, left = asyncio.run(run())
    assert message.startswith("The assistant is still busy: 1 question ahead of you. Try again in about")
    assert retry_after >= 1 and left == 0
