"""A fresh demo bench carries alora-api.md's component ids, and ordinary parts read well on /alora (issue 13)."""

from __future__ import annotations

import asyncio

from litestar.testing import TestClient

from alora_doc import documented_component_ids
from conftest import ADMIN_PASSWORD, bearer, login
from makermatrix_edge.app import create_app
from makermatrix_edge.inventory.demo import load_demo
from makermatrix_edge.services import Services


def test_the_documents_component_ids_name_the_documents_parts(services: Services) -> None:
    asyncio.run(load_demo(services))
    documented = documented_component_ids()
    assert {1: "S9012", 2: "BC857B", 5: "BC547"}.items() <= documented.items()  # what the document shows
    with TestClient(create_app(services)) as client:
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
