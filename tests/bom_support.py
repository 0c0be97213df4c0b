"""One demo bench per test module for the BOM tests: the demo's parts on the shelf, the API in-process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import ADMIN_PASSWORD, FakeClock, bearer, login, make_settings
from makermatrix_edge.app import create_app
from makermatrix_edge.daemon import build_services
from makermatrix_edge.demo.load import load_demo
from makermatrix_edge.services import Services

BOMS = Path(__file__).parent / "fixtures" / "boms"


@pytest.fixture(scope="module")
def bench_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """Tests of a module each make their own project; a test that deletes a part adds its own first."""
    settings = make_settings(tmp_path_factory.mktemp("bench") / "data")
    built = build_services(settings, clock=FakeClock(), admin_password=ADMIN_PASSWORD)
    asyncio.run(load_demo(built))
    yield built
    built.close()


@pytest.fixture(scope="module")
def bench(bench_services: Services) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(bench_services)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def bh(bench: TestClient[Any]) -> dict[str, str]:
    return bearer(login(bench, "admin", ADMIN_PASSWORD))


def new_project(client: TestClient[Any], h: dict[str, str], name: str) -> str:
    response = client.post("/api/projects/", json={"name": name}, headers=h)
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["id"])


def upload(
    client: TestClient[Any],
    h: dict[str, str],
    project_id: str,
    content: bytes,
    filename: str = "bom.csv",
    *,
    preview: bool = False,
) -> Any:
    return client.post(
        f"/api/projects/{project_id}/bom" + ("?preview=true" if preview else ""),
        files={"file": (filename, content, "text/csv")},
        headers=h,
    )


def fixture_bytes(name: str) -> bytes:
    return (BOMS / name).read_bytes()


def by_designator(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d: line for line in lines for d in line["designators"]}
