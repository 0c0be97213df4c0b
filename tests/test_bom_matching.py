"""Matching a BOM line to the shelf: supplier number, MPN, then value + package + kind, ratings, most stock first."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import bearer
from inventory_helpers import add_part
from makermatrix_edge.projects.matching import Shelf, match_line
from makermatrix_edge.projects.models import BomLine, Match
from makermatrix_edge.projects.values import Spec, describe, kind_from, package_of, read_value
from makermatrix_edge.services import Services


def _line(value: str | None, footprint: str | None = None, refs: tuple[str, ...] = ("R1",), **more: Any) -> BomLine:
    return BomLine(row=2, designators=list(refs), quantity=len(refs), value=value, footprint=footprint, **more)


def _match(services: Services, line: BomLine) -> Match:
    return services.db.read_sync(lambda db: match_line(line, Shelf(db, [line])))


@pytest.fixture
def h(admin_token: str) -> dict[str, str]:
    return bearer(admin_token)


def test_the_issues_examples_read_as_specs() -> None:
    ten_k = read_value("10k", kind_from(["R1"], "R_0603_1608Metric"))
    assert ten_k is not None
    assert (ten_k.kind, ten_k.value, package_of("R_0603_1608Metric")) == ("resistor", 10_000.0, "0603")
    assert describe(Spec("resistor", 10_000.0, "0603")) == "10 kΩ 0603 resistor"
    cap = read_value("100nF", kind_from(["C1"], "C_0402"))
    assert cap is not None and (cap.kind, package_of("C_0402")) == ("capacitor", "0402")
    assert cap.value == pytest.approx(100e-9)
    # The kind from the footprint when the designator does not say; "0603" beside a value is a package.
    assert kind_from(["X1"], "Resistor_SMD:R_0805_2012Metric") == "resistor"
    rated = read_value("10uF 0603 25V", "capacitor")
    assert rated is not None and rated.value == pytest.approx(10e-6) and rated.voltage == 25.0
    assert read_value("DNP", "resistor") is None and read_value("?", None) is None
    assert read_value("100nF", "resistor") is None  # a capacitance on a resistor's line is no spec to match on


def test_most_stock_first_the_rest_offered(client: TestClient[Any], h: dict[str, str], services: Services) -> None:
    few = add_part(
        client,
        h,
        "10k 0603 resistor A",
        quantity=40,
        category_names=[],
        additional_properties={"resistance": "10kΩ", "package": "0603"},
    )
    many = add_part(
        client,
        h,
        "10k 0603 resistor B",
        quantity=900,
        additional_properties={"resistance": "10 kOhm", "package": "0603"},
    )
    add_part(
        client, h, "10k 0805 resistor", quantity=5000, additional_properties={"resistance": "10k", "package": "0805"}
    )
    m = _match(services, _line("10k", "Resistor_SMD:R_0603_1608Metric"))
    assert m.how == "parametric" and m.part_id == many["id"]
    assert [c.part_id for c in m.candidates] == [many["id"], few["id"]]
    assert m.reason == (
        "same value and package (10 kΩ 0603 resistor); 2 parts fit, the one with the most stock first: "
        "10k 0603 resistor B"
    )


def test_supplier_number_then_mpn_then_specs(client: TestClient[Any], h: dict[str, str], services: Services) -> None:
    by_lcsc = add_part(client, h, "Odd resistor", part_number="C25804", quantity=1)
    by_mpn = add_part(client, h, "Other resistor", manufacturer_part_number="0603WAF1002T5E", quantity=1)
    add_part(client, h, "10k 0603 plain", quantity=9000, additional_properties={"resistance": "10k", "package": "0603"})
    line = _line("10k", "R_0603", supplier_numbers={"lcsc": "c25804"}, mpn="0603WAF1002T5E")
    assert _match(services, line).part_id == by_lcsc["id"]  # the supplier number wins, case aside
    line = _line("10k", "R_0603", supplier_numbers={"lcsc": "C99"}, mpn="0603waf1002t5e")
    m = _match(services, line)
    assert m.part_id == by_mpn["id"] and m.how == "mpn"


def test_ratings_not_below_the_boms(client: TestClient[Any], h: dict[str, str], services: Services) -> None:
    low = add_part(
        client,
        h,
        "10uF 0805 16V X5R capacitor",
        quantity=800,
        category_names=[],
        additional_properties={"capacitance": "10µF", "package": "0805", "voltage_rating": "16V"},
    )
    m = _match(services, _line("10uF 25V", "C_0805_2012Metric", refs=("C1",)))
    assert m.part_id is None and "voltage rating 16 V, the BOM asks 25 V" in m.reason
    high = add_part(
        client,
        h,
        "10uF 0805 capacitor, rated in its description",
        quantity=3,
        description="MLCC 10µF 50V X5R",
        additional_properties={"capacitance": "10uF", "package": "0805"},
    )
    m = _match(services, _line("10uF 25V", "C_0805_2012Metric", refs=("C1",)))
    assert m.part_id == high["id"] and m.candidates[0].part_id == high["id"]
    assert low["id"] not in [c.part_id for c in m.candidates]
    assert _match(services, _line("10uF", "C_0805", refs=("C1",))).part_id == low["id"]  # no rating asked: most stock


def test_no_guessing(client: TestClient[Any], h: dict[str, str], services: Services) -> None:
    add_part(
        client, h, "4.7k 0603 resistor", quantity=100, additional_properties={"resistance": "4.7kΩ", "package": "0603"}
    )
    m = _match(services, _line("47k", "R_0603"))
    assert m.part_id is None and m.reason == "Unmatched: no 47 kΩ 0603 resistor on the shelf" and m.candidates == []
    other_package = _match(services, _line("4k7", "R_1206_3216Metric"))
    assert other_package.part_id is None
    assert other_package.reason == (
        "Unmatched: no 4.7 kΩ 1206 resistor on the shelf (the value is there in another package: 4.7k 0603 resistor)"
    )
    unreadable = _match(services, _line("?", "R_0603"))
    assert unreadable.part_id is None
    assert (
        unreadable.reason == "Unmatched: value '?' is not a value that can be read as a resistor, capacitor or inductor"
    )
