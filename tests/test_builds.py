"""Issue 25: 'can I build N?' from the shelf, builds that reserve, take, release and give back stock."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar.testing import TestClient

from build_support import add_project, movements
from conftest import bearer
from inventory_helpers import add_part
from makermatrix_edge.errors import Conflict
from makermatrix_edge.projects.builds import Shortage
from makermatrix_edge.services import Services


def _board(client: TestClient[Any], services: Services, auth: dict[str, str]) -> dict[str, Any]:
    """Motor driver: R1,R2 2x 10k (25 in stock), U1 1x DRV8833 (3), C9 DNP, plus a second line using the 10k."""
    r = add_part(client, auth, "10k 0603", quantity=25, supplier="LCSC", part_number="C25804", unit_price=0.002,
                 currency="USD", manufacturer_part_number="0603WAF1002T5E")  # fmt: skip
    u = add_part(client, auth, "DRV8833", quantity=3, supplier="DigiKey", part_number="296-27974-1-ND",
                 unit_price=1.5, currency="USD", manufacturer_part_number="DRV8833PWPR")  # fmt: skip
    c = add_part(client, auth, "100nF 0603", quantity=0)
    project = add_project(
        services,
        "Motor driver",
        [
            {"designators": "R1, R2", "qty": 2, "part_id": r["id"], "value": "10k"},
            {"designators": "U1", "qty": 1, "part_id": u["id"], "value": "DRV8833"},
            {"designators": "C9", "qty": 1, "part_id": c["id"], "dnp": True},
            {"designators": "R7", "qty": 1, "part_id": r["id"], "value": "10k"},
        ],
    )
    return {"project": project, "r": r["id"], "u": u["id"], "c": c["id"]}


def _quantity(client: TestClient[Any], auth: dict[str, str], part_id: str) -> int:
    return int(client.get(f"/api/parts/get_part?part_id={part_id}", headers=auth).json()["data"]["quantity"])


def test_buildable_answers_per_line_with_shortage_cost_and_suppliers(
    client: TestClient[Any], services: Services, admin_token: str
) -> None:
    auth = bearer(admin_token)
    board = _board(client, services, auth)
    got = client.get(f"/api/projects/{board['project']}/buildable?quantity=3", headers=auth).json()["data"]
    # 10k: 3 per board from 25 -> 8; DRV8833: 1 per board from 3 -> 3.
    assert got["max_buildable"] == 3 and got["short_lines"] == 0
    r1, u1, c9, r7 = got["lines"]
    assert (r1["need"], r1["available"], r1["short"], r1["part_id"]) == (6, 25, 0, board["r"])
    assert r7["available"] == 19 and r7["need"] == 3  # the same part, shared out line by line
    assert (r1["for_lines_above"], r7["for_lines_above"]) == (0, 6)  # said, so 25 and 19 do not contradict
    assert (c9["dnp"], c9["need"], c9["short"]) == (True, 0, 0)  # a DNP line is never needed
    assert u1["match_reason"] == "pinned" and u1["designators"] == "U1"

    got = client.get(f"/api/projects/{board['project']}/buildable?quantity=10", headers=auth).json()
    data = got["data"]
    assert data["max_buildable"] == 3 and data["short_lines"] == 2
    r7, u1 = data["lines"][3], data["lines"][1]
    assert (u1["need"], u1["available"], u1["short"]) == (10, 3, 7)
    assert (u1["supplier"], u1["supplier_number"], u1["unit_price"]) == ("digikey", "296-27974-1-ND", 1.5)
    assert (r7["need"], r7["available"], r7["short"]) == (10, 5, 5)  # 25 - 20 for R1,R2
    assert data["shortage_cost"] == round(7 * 1.5 + 5 * 0.002, 2) and data["currency"] == "USD"
    assert [s["supplier"] for s in data["suppliers"]] == ["lcsc", "digikey"]
    assert got["message"].startswith("No: 3 boards can be built now; for 10, 2 lines are short")


def test_a_build_reserves_completes_takes_exact_stock_and_reverses(
    client: TestClient[Any], services: Services, admin_token: str
) -> None:
    auth = bearer(admin_token)
    board = _board(client, services, auth)
    started = client.post(f"/api/projects/{board['project']}/builds", json={"quantity": 2}, headers=auth)
    assert started.status_code == 201, started.text
    build = started.json()["data"]
    assert (build["status"], build["remaining"], build["number"]) == ("open", 2, 1)
    # Reserved, not taken: the stock is untouched, the next answer counts what is left.
    assert _quantity(client, auth, board["u"]) == 3
    left = client.get(f"/api/projects/{board['project']}/buildable?quantity=2", headers=auth).json()["data"]
    assert left["max_buildable"] == 1 and left["lines"][1]["reserved"] == 2

    done = client.post(f"/api/builds/{build['id']}/complete", headers=auth)
    assert done.status_code == 200, done.text
    assert done.json()["data"]["status"] == "completed"
    assert (_quantity(client, auth, board["r"]), _quantity(client, auth, board["u"])) == (25 - 6, 3 - 2)
    taken = movements(services, board["u"])[-1]
    assert taken == (-2, 1, "build #1 of Motor driver: 2 boards", "build")
    assert _quantity(client, auth, board["c"]) == 0 and len(movements(services, board["c"])) == 0  # DNP untouched

    again = client.post(f"/api/builds/{build['id']}/complete", headers=auth)
    assert again.status_code == 409 and "already completed" in again.json()["message"]

    back = client.post(f"/api/builds/{build['id']}/reverse", headers=auth)
    assert back.status_code == 200 and back.json()["data"]["status"] == "reversed"
    assert back.json()["message"] == "Build #1 of Motor driver: reversed; the parts of 2 boards were put back in stock."
    assert (_quantity(client, auth, board["r"]), _quantity(client, auth, board["u"])) == (25, 3)
    for part in (board["r"], board["u"]):  # the history adds up to the quantity, as everywhere else
        assert sum(m[0] for m in movements(services, part)) == _quantity(client, auth, part)
    assert movements(services, board["r"])[-1] == (6, 25, "build #1 of Motor driver reversed", "build")
    twice = client.post(f"/api/builds/{build['id']}/reverse", headers=auth)
    assert twice.status_code == 409 and "reversed" in twice.json()["message"]


def test_partial_completion_is_said_and_cancel_releases_the_rest(
    client: TestClient[Any], services: Services, admin_token: str
) -> None:
    auth = bearer(admin_token)
    board = _board(client, services, auth)
    build = client.post(f"/api/projects/{board['project']}/builds", json={"quantity": 3}, headers=auth).json()["data"]
    part = client.post(f"/api/builds/{build['id']}/complete", json={"quantity": 1}, headers=auth).json()
    assert part["data"]["status"] == "open" and part["data"]["built"] == 1 and part["data"]["remaining"] == 2
    assert "1 of 3 built; 2 still reserved" in part["message"]
    assert _quantity(client, auth, board["u"]) == 2
    too_many = client.post(f"/api/builds/{build['id']}/complete", json={"quantity": 3}, headers=auth)
    assert too_many.status_code == 422 and "2 board(s) left" in too_many.json()["message"]
    closed = client.post(f"/api/builds/{build['id']}/cancel", headers=auth).json()
    assert closed["data"]["status"] == "completed" and closed["data"]["partial"] is True
    assert "completed with 1 of 3 built; the rest was released" in closed["message"]
    free = client.get(f"/api/projects/{board['project']}/buildable?quantity=1", headers=auth).json()["data"]
    assert free["lines"][1]["reserved"] == 0 and free["max_buildable"] == 2
    # The partial build reverses too: exactly the one board's parts come back.
    client.post(f"/api/builds/{build['id']}/reverse", headers=auth)
    assert (_quantity(client, auth, board["r"]), _quantity(client, auth, board["u"])) == (25, 3)

    other = client.post(f"/api/projects/{board['project']}/builds", json={"quantity": 1}, headers=auth).json()["data"]
    cancelled = client.post(f"/api/builds/{other['id']}/cancel", headers=auth).json()["data"]
    assert cancelled["status"] == "cancelled" and _quantity(client, auth, board["u"]) == 3
    listed = client.get(f"/api/projects/{board['project']}/builds", headers=auth).json()["data"]
    assert [b["number"] for b in listed] == [2, 1]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"quantity": 0}, 422, "from 1 to 10000"),
        ({"quantity": 10**9}, 422, "from 1 to 10000"),
        ({"quantity": "three"}, 422, "quantity"),
        ({}, 422, "quantity"),
        ({"quantity": 1, "colour": "red"}, 422, "colour"),
    ],
)
def test_bad_build_requests_change_nothing(
    client: TestClient[Any], services: Services, admin_token: str, body: dict[str, Any], status: int, words: str
) -> None:
    auth = bearer(admin_token)
    board = _board(client, services, auth)
    answer = client.post(f"/api/projects/{board['project']}/builds", json=body, headers=auth)
    assert answer.status_code == status and words in answer.json()["message"], answer.text
    assert client.get(f"/api/projects/{board['project']}/builds", headers=auth).json()["data"] == []


def test_unknown_ids_and_bad_quantities_are_refused_in_words(
    client: TestClient[Any], services: Services, admin_token: str
) -> None:
    auth = bearer(admin_token)
    board = _board(client, services, auth)
    assert client.get("/api/projects/nope/buildable", headers=auth).status_code == 404
    assert client.post("/api/builds/nope/complete", headers=auth).status_code == 404
    bad = client.get(f"/api/projects/{board['project']}/buildable?quantity=0", headers=auth)
    assert bad.status_code == 422 and "from 1 to 10000" in bad.json()["message"]
    build = client.post(f"/api/projects/{board['project']}/builds", json={"quantity": 1}, headers=auth).json()["data"]
    opened = client.post(f"/api/builds/{build['id']}/reverse", headers=auth)
    assert opened.status_code == 409 and "still open: cancel it instead" in opened.json()["message"]


def test_two_builds_for_the_last_parts_the_second_is_told_what_is_short(
    client: TestClient[Any], services: Services, admin_token: str
) -> None:
    auth = bearer(admin_token)
    board = _board(client, services, auth)

    async def both() -> list[Any]:
        return await asyncio.gather(
            services.builds.start(board["project"], 2, None), services.builds.start(board["project"], 2, None),
            return_exceptions=True,
        )  # fmt: skip

    results = asyncio.run(both())
    refused = [r for r in results if isinstance(r, Shortage)]
    assert len(refused) == 1 and sum(1 for r in results if not isinstance(r, BaseException)) == 1
    assert "U1 (DRV8833) short 1" in refused[0].message
    over = client.post(f"/api/projects/{board['project']}/builds", json={"quantity": 2}, headers=auth)
    assert over.status_code == 409
    assert over.json()["data"]["lines"][1]["short"] == 1 and over.json()["data"]["max_buildable"] == 1


def test_a_part_an_open_build_reserves_cannot_be_deleted(
    client: TestClient[Any], services: Services, admin_token: str
) -> None:
    auth = bearer(admin_token)
    board = _board(client, services, auth)
    build = client.post(f"/api/projects/{board['project']}/builds", json={"quantity": 1}, headers=auth).json()["data"]
    refused = client.delete(f"/api/parts/delete_part?part_id={board['u']}", headers=auth)
    assert refused.status_code == 409
    assert refused.json()["message"] == (
        "Cannot delete: 'DRV8833' is reserved by build #1 of Motor driver. Complete or cancel that build first."
    )
    assert client.delete("/api/parts/clear_all", headers=auth).status_code == 409
    assert _quantity(client, auth, board["u"]) == 3
    client.post(f"/api/builds/{build['id']}/cancel", headers=auth)
    assert client.delete(f"/api/parts/delete_part?part_id={board['u']}", headers=auth).status_code == 200
    # The deleted part leaves its BOM line unmatched: nothing can be built until it is matched again.
    after = client.get(f"/api/projects/{board['project']}/buildable?quantity=1", headers=auth).json()
    assert after["data"]["unmatched_lines"] == 1 and after["data"]["max_buildable"] == 0
    assert after["data"]["lines"][1]["unmatched"] is True and "no matching part" in after["message"]
    with pytest.raises(Conflict):
        asyncio.run(services.builds.start(board["project"], 1, None))


def test_shortage_reorder_file_in_the_suppliers_cart_format(
    client: TestClient[Any], services: Services, admin_token: str
) -> None:
    auth = bearer(admin_token)
    board = _board(client, services, auth)
    url = f"/api/projects/{board['project']}/buildable/reorder"
    digikey = client.get(f"{url}/digikey?quantity=10", headers=auth)
    assert digikey.status_code == 200 and digikey.headers["content-type"].startswith("text/csv")
    assert "motor-driver-x10-digikey-cart.csv" in digikey.headers["content-disposition"]
    assert digikey.content.decode("utf-8-sig").splitlines() == ["Quantity,Part Number,Customer Reference",
                                                                 "7,296-27974-1-ND,U1"]  # fmt: skip
    lcsc = client.get(f"{url}/lcsc?quantity=10", headers=auth).content.decode("utf-8-sig").splitlines()
    assert lcsc[0].startswith("Quantity,LCSC Part Number,Manufacture Part Number")
    assert lcsc[1] == "5,C25804,0603WAF1002T5E,,R7,10k 0603"
    assert client.get(f"{url}/mouser?quantity=10", headers=auth).status_code == 404
    assert client.get(f"{url}/farnell?quantity=10", headers=auth).status_code == 404


def test_an_empty_bom_and_an_unmatched_line_with_a_supplier_number(
    client: TestClient[Any], services: Services, admin_token: str
) -> None:
    auth = bearer(admin_token)
    empty = add_project(services, "Empty board", [])
    got = client.get(f"/api/projects/{empty}/buildable?quantity=2", headers=auth).json()
    assert got["data"]["max_buildable"] == 0 and got["message"] == "Empty board has no BOM yet: import one first."
    odd = add_project(
        services, "Odd board", [{"designators": "J1", "qty": 2, "mpn": "XT60", "numbers": {"LCSC": "C98732"}}]
    )
    line = client.get(f"/api/projects/{odd}/buildable?quantity=3", headers=auth).json()["data"]["lines"][0]
    assert (line["unmatched"], line["need"], line["short"], line["part_id"]) == (True, 6, 6, None)
    assert (line["supplier"], line["supplier_number"]) == ("lcsc", "C98732")
    cart = client.get(f"/api/projects/{odd}/buildable/reorder/lcsc?quantity=3", headers=auth)
    assert cart.content.decode("utf-8-sig").splitlines()[1] == "6,C98732,XT60,,J1,"
