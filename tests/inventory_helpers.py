"""Small helpers for inventory tests: add locations and parts through the API."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient


def add_location(client: TestClient[Any], headers: dict[str, str], name: str, parent: str | None = None) -> str:
    response = client.post("/api/locations/add_location", json={"name": name, "parent_id": parent}, headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["id"])


def add_part(client: TestClient[Any], headers: dict[str, str], name: str, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/parts/add_part", json={"part_name": name, **fields}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def history_sum(client: TestClient[Any], headers: dict[str, str], part_id: str) -> int:
    rows = client.get(f"/api/parts/{part_id}/history?page_size=100", headers=headers).json()["data"]
    return sum(int(r["delta"]) for r in rows)
