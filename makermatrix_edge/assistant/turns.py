"""Questions take turns at the model, fairly: round-robin across users, each user's waiting line bounded.

The model answers one question at a time (Ollama on a Pi runs with OLLAMA_NUM_PARALLEL=1) and,
left to itself, in arrival order: one viewer's 20 parallel questions made an admin wait 90 s and
time out. Here the next question to reach the model is the first waiting one of the user served
least recently, so a newcomer waits for at most one question per other user. A user who already has
`per_user` questions waiting gets TooManyRequests (429) at once, and when `total` wait in all,
Overloaded (503) — both saying how many questions are ahead and when to try again — instead of a
request that hangs until its deadline.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass, field

from makermatrix_edge.errors import Overloaded, TooManyRequests

FIRST_GUESS_SECONDS = 30.0  # a question's length before any was timed (a 1.7B model on a Pi 5)
_TIMED = 20  # how many recent questions the estimate averages


def _questions(n: int) -> str:
    return "1 question" if n == 1 else f"{n} questions"


@dataclass(eq=False)
class Ticket:
    user: str
    started: asyncio.Event = field(default_factory=asyncio.Event)  # set when it is this question's turn


class FairQueue:
    def __init__(self, slots: int = 1) -> None:
        self._slots = slots
        self._running: list[Ticket] = []
        self._waiting: dict[str, deque[Ticket]] = {}  # in order of each user's first waiting question
        self._last_served: dict[str, int] = {}
        self._served = 0
        self._durations: deque[float] = deque(maxlen=_TIMED)

    # -- what is ahead ---------------------------------------------------------------------

    def _order(self) -> list[str]:
        """Users with questions waiting, in serving order: least recently served first (ties: first come)."""
        return sorted(self._waiting, key=lambda user: self._last_served.get(user, -1))

    def _ahead(self, user: str, index: int) -> int:
        """Questions served before the user's index-th waiting one: running ones, then round by round."""
        order = self._order()
        mine = order.index(user) if user in order else len(order)
        ahead = len(self._running) + index
        for at, other in enumerate(order):
            if other != user:
                ahead += min(len(self._waiting[other]), index + 1 if at < mine else index)
        return ahead

    def ahead(self, ticket: Ticket) -> int:
        line = self._waiting.get(ticket.user)
        if line is None or ticket not in line:
            return 0
        return self._ahead(ticket.user, line.index(ticket))

    @property
    def waiting(self) -> int:
        return sum(len(line) for line in self._waiting.values())

    def _retry_after(self, ahead: int) -> int:
        each = sum(self._durations) / len(self._durations) if self._durations else FIRST_GUESS_SECONDS
        return min(3600, max(1, math.ceil(max(1, ahead) * each)))

    def record(self, seconds: float) -> None:
        """How long a question held the model, for Retry-After."""
        self._durations.append(seconds)

    # -- taking a turn ---------------------------------------------------------------------

    def room(self, user: str, per_user: int, total: int) -> None:
        """Raise, in words, when a new question of this user would be refused; reserve nothing."""
        if len(self._running) < self._slots and not self._waiting:
            return
        mine = len(self._waiting.get(user, ()))
        ahead = self._ahead(user, mine)
        wait = self._retry_after(ahead)
        if mine >= per_user:
            raise TooManyRequests(
                f"The assistant is busy with your earlier questions: you have {mine} waiting, "
                f"{_questions(ahead)} ahead of this one. Ask again when one is answered (in about {wait} s).",
                wait,
            )
        if self.waiting >= total:
            raise Overloaded(
                f"The assistant is busy: {_questions(ahead)} ahead of you. Try again in about {wait} s.", wait
            )

    def join(self, user: str, per_user: int, total: int) -> Ticket:
        self.room(user, per_user, total)
        ticket = Ticket(user)
        self._waiting.setdefault(user, deque()).append(ticket)
        self._dispatch()
        return ticket

    async def wait(self, ticket: Ticket, timeout: float) -> None:
        """Until it is this question's turn; Overloaded (503) when that takes longer than `timeout`."""
        try:
            async with asyncio.timeout(timeout):
                await ticket.started.wait()
        except TimeoutError:
            ahead = self.ahead(ticket)
            wait = self._retry_after(ahead)
            raise Overloaded(
                f"The assistant is still busy: {_questions(ahead)} ahead of you. Try again in about {wait} s.", wait
            ) from None

    def leave(self, ticket: Ticket) -> None:
        """The question is answered, refused or gone: its place (or the model) goes to the next one."""
        if ticket in self._running:
            self._running.remove(ticket)
        elif (line := self._waiting.get(ticket.user)) is not None and ticket in line:
            line.remove(ticket)
            if not line:
                del self._waiting[ticket.user]
        self._dispatch()
        if not self._running and not self._waiting:
            self._last_served.clear()  # idle: who was served when no longer matters

    def _dispatch(self) -> None:
        while len(self._running) < self._slots and self._waiting:
            user = self._order()[0]
            line = self._waiting[user]
            ticket = line.popleft()
            if not line:
                del self._waiting[user]
            self._running.append(ticket)
            self._served += 1
            self._last_served[user] = self._served
            ticket.started.set()
