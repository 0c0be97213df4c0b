"""Shared pieces of the assistant tests: the demo bench with a fake Ollama, and the scripted 'reader' models.

The reader steps write their final answer only from the tool results the daemon sent back, so the
figures in an answer are the inventory's, carried through our tools — nothing here knows them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from app_pool import client_for
from conftest import ADMIN_PASSWORD, FakeClock, login, make_settings
from fake_ollama import FakeOllama, Step, call, running, tool_results
from makermatrix_edge.daemon import build_services
from makermatrix_edge.demo.load import load_demo
from makermatrix_edge.services import Services

DOC_QUESTIONS = (
    "Do we have S9012? Suggest replacement if not.",
    "What is the total value of our BC857B inventory?",
    "Find component with marking 2N3904 and check stock",
)


@contextmanager
def bench(
    tmp_path: Path, demo: bool = True, **assistant: Any
) -> Iterator[tuple[FakeOllama, TestClient[Any], Services, str]]:
    """A fake Ollama, the daemon pointed at it (unless ollama_url is given), the demo bench, an admin token."""
    with running() as (fake, url):
        settings = make_settings(tmp_path / "data", assistant={"ollama_url": url, **assistant})
        services = build_services(settings, clock=FakeClock(), admin_password=ADMIN_PASSWORD)
        try:
            if demo:
                asyncio.run(load_demo(services))
            with client_for(services) as client:
                yield fake, client, services, login(client, "admin", ADMIN_PASSWORD)
        finally:
            services.close()


def _last(body: dict[str, Any]) -> dict[str, Any]:
    return tool_results(body)[-1]


def lookup_then(query: str) -> Step:
    return lambda body: {"tool_calls": [call("lookup_component", query=query)]}


def with_first_match(tool: str) -> Step:
    """Call `tool` on the id the last lookup returned (as a model reads it from the tool message)."""

    def step(body: dict[str, Any]) -> dict[str, Any]:
        lookup = next(r for r in reversed(tool_results(body)) if "matches" in r)
        return {"tool_calls": [call(tool, component_id=lookup["matches"][0]["id"])]}

    return step


def availability_answer(body: dict[str, Any]) -> dict[str, Any]:
    results = tool_results(body)
    stock = next(r for r in results if "out_of_stock" in r)
    eq = next(r for r in results if "suggested" in r)
    best = next(s for s in [*eq["recorded"], *eq["suggested"]] if s["quantity"] > 0)
    return {
        "content": f"{stock['part_number']} is out of stock ({stock['quantity']} units). {best['part_number']} is a "
        f"compatible PNP replacement with {best['quantity']} units available at ${best['unit_price']:.2f} per unit. "
        f"Total inventory value: ${best['total_value']:.2f}."
    }


def value_answer(body: dict[str, Any]) -> dict[str, Any]:
    item = _last(body)
    return {
        "content": f"We have {item['quantity']} units of {item['part_number']} at ${item['unit_price']:.2f} each, "
        f"so the total value is ${item['total_value']:.2f}."
    }


def marking_answer(body: dict[str, Any]) -> dict[str, Any]:
    item = _last(body)
    return {"content": f"{item['part_number']} is in stock: {item['quantity']} units in {item['location']}."}


DOC_SCRIPTS: tuple[list[Step], ...] = (
    [lookup_then("S9012"), with_first_match("check_inventory"), with_first_match("find_equivalents"),
     availability_answer],
    [lookup_then("BC857B"), with_first_match("check_inventory"), value_answer],
    [lookup_then("2N3904"), with_first_match("check_inventory"), marking_answer],
)  # fmt: skip
