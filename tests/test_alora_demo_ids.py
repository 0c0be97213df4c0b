"""A fresh demo bench carries alora-api.md's component ids, and ordinary parts read well on /alora (issue 13)."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.testing import TestClient

from alora_doc import documented_component_ids
from app_pool import client_for
from conftest import ADMIN_PASSWORD, bearer, login
from makermatrix_edge.demo.load import load_demo
from makermatrix_edge.services import Services


def test_the_documents_component_ids_name_the_documents_parts(services: Services) -> None:
    asyncio.run(load_demo(services))
    documented = documented_component_ids()
    assert {1: "S9012", 2: "BC857B", 5: "BC547"}.items() <= documented.items()  # what the document shows
    with client_for(services) as client:
        token = login(client, "admin", ADMIN_PASSWORD)
        for component_id, part_number in documented.items():
            found = client.get(f"/alora/components/{component_id}", headers=bearer(token))
            assert found.status_code == 200, found.text
            assert found.json()["part_number"] == part_number, component_id
        # the document's inventory example for component 1 changes S9012, not some resistor
        adjusted = client.put("/alora/inventory/1", json={"quantity": 150, "min_qty": 20}, headers=bearer(token))
        assert adjusted.status_code == 200, adjusted.text
        s9012 = client.get("/api/parts/get_part", params={"part_name": "S9012"}, headers=bearer(token)).json()
        assert s9012["data"]["quantity"] == 150


def test_an_ordinary_part_reads_as_a_component(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)
    body = {
        "part_name": "10kΩ 0603 1% resistor",
        "part_number": "C25804",
        "manufacturer_part_number": "0603WAF1002T5E",
        "additional_properties": {"Package": "0603", "resistance": "10kΩ", "technology": "Thick film"},
    }
    part = client.post("/api/parts/add_part", json=body, headers=h).json()["data"]
    lcsc_only = client.post(
        "/api/parts/add_part", json={"part_name": "100nF 0402 X7R capacitor", "part_number": "C1525"}, headers=h
    ).json()["data"]
    bare = client.post("/api/parts/add_part", json={"part_name": "Mystery part"}, headers=h).json()["data"]
    by_name = {c["part_number"]: c for c in client.get("/alora/components", headers=h).json()}
    resistor = by_name["0603WAF1002T5E"]  # the manufacturer number, not the long name
    assert (resistor["package"], resistor["technology"]) == ("0603", "Thick film")
    assert resistor["additional_characteristics"]["value"] == "10kΩ"
    # else the supplier number, else the name
    assert by_name["C1525"]["id"] != by_name["Mystery part"]["id"] and lcsc_only and bare
    # renaming on /alora changes the manufacturer number and keeps the descriptive name
    renamed = client.put(f"/alora/components/{resistor['id']}", json={"part_number": "RC0603FR-0710KL"}, headers=h)
    assert renamed.status_code == 200 and renamed.json()["part_number"] == "RC0603FR-0710KL"
    again = client.get("/api/parts/get_part", params={"part_id": part["id"]}, headers=h).json()["data"]
    assert again["part_name"] == "10kΩ 0603 1% resistor" and again["manufacturer_part_number"] == "RC0603FR-0710KL"
