"""The assistant's check_build tool (fake Ollama) and the answers without the model (issue 24.5, issue 25.9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant_support import bench
from build_support import add_project
from conftest import bearer
from fake_ollama import call, tool_results
from inventory_helpers import add_part
from makermatrix_edge.services import Services

OFFLINE = {"ollama_url": "http://127.0.0.1:9"}


def _ask(client: Any, token: str, message: str) -> dict[str, Any]:
    response = client.post("/api/ai/chat", json={"message": message}, headers=bearer(token))
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def _motor_driver(client: Any, services: Services, token: str) -> str:
    auth = bearer(token)
    r = add_part(client, auth, "10k 0603", quantity=25, supplier="LCSC", part_number="C25804", unit_price=0.002)
    u = add_part(client, auth, "DRV8833", quantity=3, supplier="DigiKey", part_number="296-27974-1-ND", unit_price=1.5)
    return add_project(
        services,
        "Motor driver",
        [
            {"designators": "R1, R2", "qty": 2, "part_id": r["id"], "value": "10k"},
            {"designators": "U1", "qty": 1, "part_id": u["id"], "value": "DRV8833"},
        ],
    )


def test_the_model_calls_check_build_and_answers_from_it(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, services, token):
        _motor_driver(client, services, token)

        def answer(body: dict[str, Any]) -> dict[str, Any]:
            got = tool_results(body)[-1]
            short = got["short"][0]
            return {
                "content": f"You can build {got['max_buildable']} now, not {got['quantity']}: {short['part']} is "
                f"short {short['short']} units, {short['supplier']} {short['supplier_number']} at "
                f"${short['unit_price']:.2f}; the missing parts cost ${got['shortage_cost']:.2f}."
            }

        fake.script = [lambda body: {"tool_calls": [call("check_build", project="motor driver", quantity=5)]}, answer]
        got = _ask(client, token, "Can we build 5 of the motor driver?")
        result = tool_results(fake.requests[-1])[-1]
        assert (result["project"], result["max_buildable"], result["can_build"]) == ("Motor driver", 3, False)
        assert result["short"] == [
            {"designators": "U1", "part": "DRV8833", "need": 5, "available": 3, "short": 2, "supplier": "DigiKey",
             "supplier_number": "296-27974-1-ND", "unit_price": 1.5}
        ]  # fmt: skip
        assert got["answer"] == (
            "You can build 3 now, not 5: DRV8833 is short 2 units, DigiKey 296-27974-1-ND at $1.50; "
            "the missing parts cost $3.00."
        )
        assert got["tools_used"] == ["check_build"] and got["confidence"] == "MEDIUM" and not got["degraded"]


def test_a_bad_check_build_call_goes_back_to_the_model_as_a_tool_error(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, services, token):
        _motor_driver(client, services, token)
        fake.script = [
            lambda body: {"tool_calls": [call("check_build", project="toaster", quantity=5),
                                         call("check_build", project="motor driver", quantity=10**9)]},
            lambda body: {"content": "I could not check that build."},
        ]  # fmt: skip
        _ask(client, token, "Can we build the toaster?")
        errors = [r["error"] for r in tool_results(fake.requests[-1])]
        assert errors == ["no project named 'toaster'", "quantity: must be a whole number of boards from 1 to 10000"]


def test_without_the_model_a_build_question_is_answered_from_the_shelf(tmp_path: Path) -> None:
    with bench(tmp_path, **OFFLINE) as (_, client, services, token):
        project = _motor_driver(client, services, token)
        got = _ask(client, token, "can we build 5 of the motor driver?")
        assert got["answer"].startswith(
            "No: 3 boards can be built now; for 5, 1 line is short; the missing parts cost 3.00 USD. "
            "Short: U1 (DRV8833) short 2, buy from DigiKey 296-27974-1-ND at $1.50."
        )
        assert got["confidence"] == "MEDIUM" and got["tools_used"] == ["check_build"]
        yes = _ask(client, token, "Can I build 2 motor drivers?")
        assert yes["answer"].startswith("Yes: 2 can be built now (up to 3 boards).")
        assert f"/projects/{project}" not in yes["answer"]  # nothing listed, nothing cut, no link


def test_without_the_model_parametric_questions_are_answered(tmp_path: Path) -> None:
    with bench(tmp_path, **OFFLINE) as (_, client, _services, token):
        npn = _ask(client, token, "Do we have an NPN transistor for 100 mA?")
        assert npn["answer"].startswith("Yes, matching NPN, 100mA: ")
        assert "BC547 (NPN, TO-92, 45V, 0.1A, 0.5W), 60 units" in npn["answer"]
        assert "2N3904 (NPN, TO-92, 40V, 200mA, 0.625W), 75 units in B1-C2" in npn["answer"]
        assert npn["confidence"] == "MEDIUM" and npn["tools_used"] == ["parametric_search"]
        strong = _ask(client, token, "any NPN for 150 mA?")
        assert "2N3904" in strong["answer"] and "BC547" not in strong["answer"]  # 0.1 A is not enough
        none = _ask(client, token, "Do we have a PNP transistor for 3 A?")
        assert none["answer"].startswith("No part in this inventory matches PNP, 3A.")


def test_a_question_no_rule_reads_is_low_confidence(tmp_path: Path) -> None:
    with bench(tmp_path, **OFFLINE) as (_, client, _services, token):
        got = _ask(client, token, "What's the weather like?")
        assert got["answer"].startswith("I could not tell which part you mean.")
        assert got["confidence"] == "LOW"


def test_a_list_cut_at_five_says_how_many_more_and_where(tmp_path: Path) -> None:
    with bench(tmp_path, demo=False, **OFFLINE) as (_, client, _services, token):
        for i in range(7):
            add_part(client, bearer(token), f"Part {i}", part_number=f"PN{i:04d}", quantity=0, min_quantity=5)
        got = _ask(client, token, "What is low stock?")
        assert "Below their minimum: " in got["answer"]
        assert got["answer"].count(" of 5)") == 5 and ", and 2 more (/low-stock)." in got["answer"]
