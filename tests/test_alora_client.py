"""The ALORAClient printed in alora-api.md, unchanged, against the real daemon with base URL .../alora."""

from __future__ import annotations

import functools
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from alora_doc import DOC_URL, curl_examples, python_client
from daemon_process import Daemon
from fake_ollama import FakeOllama, call, running, tool_results

pytestmark = pytest.mark.daemon  # run by the full suite; left out of the fast part

DOC_ENV = {"MAKERMATRIX_EDGE_ADMIN_PASSWORD": "admin123"}  # the document logs in as admin / admin123


@pytest.fixture
def ollama() -> Iterator[tuple[FakeOllama, str]]:
    with running() as started:
        yield started


@pytest.fixture
def daemon(tmp_path: Path, ollama: tuple[FakeOllama, str]) -> Iterator[Daemon]:
    proc = Daemon(tmp_path / "data", env={**DOC_ENV, "MAKERMATRIX_EDGE_ASSISTANT__OLLAMA_URL": ollama[1]})
    proc.wait_healthy()
    yield proc
    proc.kill()


def _client_class(daemon: Daemon) -> Any:
    namespace: dict[str, Any] = {}
    definition, _ = python_client()
    exec(compile(definition, "alora-api.md", "exec"), namespace)
    return namespace["ALORAClient"]


def test_document_usage_runs_unchanged(daemon: Daemon, ollama: tuple[FakeOllama, str]) -> None:
    client_class = _client_class(daemon)
    fake, _ = ollama
    # The model looks the part up, then answers from what the tool returned (this daemon has no S9012).
    fake.script = [
        lambda body: {"tool_calls": [call("lookup_component", query="S9012")]},
        lambda body: {"content": tool_results(body)[0]["note"]},
    ]
    setup = client_class(daemon.url + "/alora")
    setup.login("admin", "admin123")
    setup.create_category("Transistor", "Semiconductor transistors")  # the usage assumes category 1 exists
    _, usage = python_client()
    namespace: dict[str, Any] = {"ALORAClient": functools.partial(client_class, daemon.url + "/alora")}
    exec(compile(usage, "alora-api.md usage", "exec"), namespace)
    assert namespace["result"] == {"answer": "no part in this inventory matches 'S9012'", "confidence": "MEDIUM"}
    assert namespace["component"]["part_number"] == "BC547"
    assert namespace["updated"]["unit_price"] == 0.12
    assert namespace["inventory"]["quantity"] == 150 and namespace["inventory"]["location"] == "A2-B3"
    assert namespace["updated_inventory"]["quantity"] == 200
    assert namespace["adjusted"]["quantity"] == 205  # +10 then -5
    assert namespace["cost_summary"]["total_components"] == 0  # BC547 was soft-deleted before it had stock


def test_every_client_method_with_the_documents_numbers(daemon: Daemon) -> None:
    client = _client_class(daemon)(daemon.url + "/alora")
    assert client.login("admin", "admin123")
    assert client.get_current_user()["username"] == "admin"
    transistor = client.create_category("Transistor", "Semiconductor transistors")
    assert client.get_category(transistor["id"])["name"] == "Transistor"
    assert client.update_category(transistor["id"], description="BJTs")["description"] == "BJTs"
    old = client.create_category("Old Category", "Deprecated category")
    client.delete_category(old["id"])
    assert [c["name"] for c in client.list_categories(status_filter="ACTIVE")] == ["Transistor"]
    s9012 = client.create_component(
        {"part_number": "S9012", "category_id": transistor["id"], "technology": "PNP", "package": "SOT-23",
         "v_max": "25V", "i_max": "0.5A", "power_max": "0.625W", "unit_price": 0.15}
    )  # fmt: skip
    bc857b = client.create_component(
        {"part_number": "BC857B", "category_id": transistor["id"], "technology": "PNP", "package": "SOT-23",
         "v_max": "45V", "i_max": "0.1A", "power_max": "0.25W", "unit_price": 0.12}
    )  # fmt: skip
    assert client.add_inventory(s9012["id"], 0, min_qty=10, location="A1-B2")["quantity"] == 0
    item = client.add_inventory(bc857b["id"], 150, min_qty=20, location="A2-B3")
    assert item["total_value"] == 18.00  # 150 units x 0.12
    assert client.get_inventory(bc857b["id"])["total_value"] == 18.00
    assert client.get_component(bc857b["id"])["total_value"] == 18.00
    assert len(client.list_inventory()) == 2 and len(client.list_inventory(component_id=bc857b["id"])) == 1
    assert client.update_inventory(bc857b["id"], quantity=200, min_qty=25)["total_value"] == 24.00
    assert client.adjust_inventory_quantity(bc857b["id"], 10)["quantity"] == 210
    assert client.adjust_inventory_quantity(bc857b["id"], -5)["quantity"] == 205
    cost = client.get_inventory_cost()
    assert (cost["total_components"], cost["total_quantity"], cost["total_value"]) == (2, 205, 24.6)
    assert cost["low_stock_items"][0]["part_number"] == "S9012" and cost["low_stock_items"][0]["shortage"] == 10
    assert client.get_inventory_cost(category_id=transistor["id"])["total_components"] == 2
    assert client.update_component(s9012["id"], {"unit_price": 0.16})["unit_price"] == 0.16
    assert [c["part_number"] for c in client.list_components(category_id=transistor["id"])] == ["S9012", "BC857B"]
    client.delete_component(s9012["id"])
    assert [c["part_number"] for c in client.list_components(status_filter="ACTIVE")] == ["BC857B"]


def test_document_curl_examples(tmp_path: Path) -> None:
    """Every curl command of alora-api.md, in order, against a daemon with the demo bench loaded."""
    proc = Daemon(
        tmp_path / "data",
        env={
            **DOC_ENV,
            "MAKERMATRIX_EDGE_ACCOUNTS__OPEN_REGISTRATION": "true",
            "MAKERMATRIX_EDGE_ASSISTANT__OLLAMA_URL": "http://127.0.0.1:9",  # no model: the inventory answers
        },
        extra_args=["--demo"],
    )
    try:
        proc.wait_healthy()
        base = proc.url + "/alora"
        token = httpx.post(base + "/login", data={"username": "admin", "password": "admin123"}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        # Two examples create what the demo already has: move those out of the way, as a user would.
        # (the demo's BC547 is the document's component 5: renamed, it keeps that id for the examples after)
        httpx.put(base + "/components/5", json={"part_number": "BC547 (demo)"}, headers=auth).raise_for_status()
        httpx.put(base + "/categories/1", json={"name": "Transistor (demo)"}, headers=auth)
        ran = 0
        chats: list[str] = []
        for command in curl_examples():
            line = command.replace(DOC_URL, base).replace("<your-token>", token)
            result = subprocess.run(
                ["bash", "-c", line + " -s -w '\\n%{http_code}'"], capture_output=True, text=True, timeout=30
            )
            body, _, status = result.stdout.rpartition("\n")
            assert status.startswith("2"), f"{command}\n-> {status} {body}"
            if '/chat"' in command:
                chats.append(json.loads(body)["answer"])
            ran += 1
        assert ran == 28
        assert chats[0].startswith("S9012 is out of stock (0 units") and "BC857B can replace it" in chats[0]
        assert chats[1].startswith("BC857B: 150 units in A2-B3 at $0.12 per unit, total value $18.00.")
        assert chats[2].startswith("2N3904: 75 units in B1-C2 at $0.08 per unit, total value $6.00.")
    finally:
        proc.kill()
