"""The demo bench: loads once, adds nothing the second time, every part in a bin; CLI and serve --demo."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import ADMIN_PASSWORD
from daemon_process import CONSOLE_SCRIPT, ROOT, free_port
from makermatrix_edge.demo.alora import ALORA_COMPONENTS
from makermatrix_edge.demo.bench import DEMO_CATEGORIES, DEMO_PARTS, walk
from makermatrix_edge.demo.load import DemoReport, load_demo, load_demo_if_empty
from makermatrix_edge.inventory.models import LocationCreate, PartCreate, PartView
from makermatrix_edge.services import Services

# The document's components add their own free-text places (A1-B2, A2-B3, B1-C2) as top-level locations.
DOC_PLACES = {c.location for c in ALORA_COMPONENTS if not c.location.startswith("Workshop")}
LOCATION_COUNT = len(list(walk()))
PART_COUNT = len(DEMO_PARTS) + len(ALORA_COMPONENTS)


def _load(services: Services) -> DemoReport:
    return asyncio.run(load_demo(services))


def _all_parts(services: Services) -> list[PartView]:
    parts: list[PartView] = []
    page = 1
    while True:
        batch = asyncio.run(services.parts.list_parts(page, 100))
        parts += batch.items
        if len(parts) >= batch.total:
            return parts
        page += 1


def _movements(services: Services) -> int:
    return int(services.db.read_sync(lambda db: db.execute("SELECT count(*) FROM stock_movements").fetchone()[0]))


def test_the_data_is_consistent() -> None:
    names = [p.part_name.casefold() for p in DEMO_PARTS]
    assert len(names) == len(set(names)) and 45 <= len(names) <= 70
    bins = {path for _, path, node in walk() if node.location_type == "bin"}
    assert all(p.bin in bins for p in DEMO_PARTS)
    category_names = {name for name, _ in DEMO_CATEGORIES}
    assert all(set(p.categories) <= category_names for p in DEMO_PARTS)
    lcsc = [p.supplier_part_number for p in DEMO_PARTS if p.supplier_part_number]
    assert lcsc and all(n.startswith("C") and n[1:].isdigit() for n in lcsc)
    assert {p.supplier for p in DEMO_PARTS} >= {"LCSC", "DigiKey", "Mouser"}


def test_loads_once_and_adds_nothing_the_second_time(services: Services) -> None:
    first = _load(services)
    assert len(first.parts_added) == PART_COUNT and not first.parts_skipped
    assert len(first.locations_added) == LOCATION_COUNT and not first.locations_skipped
    assert len(first.categories_added) == len(DEMO_CATEGORIES) and not first.categories_skipped
    counts = asyncio.run(services.parts.counts())
    assert counts == {
        "parts": PART_COUNT,
        "locations": LOCATION_COUNT + len(DOC_PLACES),
        "categories": len(DEMO_CATEGORIES),
    }
    movements = _movements(services)
    stocked = [p.quantity for p in DEMO_PARTS] + [c.quantity for c in ALORA_COMPONENTS]
    assert movements == sum(1 for q in stocked if q > 0)  # one movement each: "created" or "inventory set"

    second = _load(services)
    assert second.parts_added == [] and second.locations_added == [] and second.categories_added == []
    assert len(second.parts_skipped) == PART_COUNT
    assert len(second.locations_skipped) == LOCATION_COUNT
    assert len(second.categories_skipped) == len(DEMO_CATEGORIES)
    assert asyncio.run(services.parts.counts()) == counts
    assert _movements(services) == movements
    assert f"parts: 0 added, {PART_COUNT} already there" in "\n".join(second.lines())


def test_every_part_sits_in_a_bin_with_its_full_path(services: Services) -> None:
    _load(services)
    parts = _all_parts(services)
    assert len(parts) == PART_COUNT
    by_name = {p.part_name: p.bin for p in DEMO_PARTS} | {c.part_number: c.location for c in ALORA_COMPONENTS}
    for part in parts:
        if by_name[part.part_name] in DOC_PLACES:
            assert part.location is not None and part.location.path == by_name[part.part_name]
            continue
        assert part.location is not None, part.part_name
        assert part.location.location_type == "bin"
        assert part.location.path == by_name[part.part_name]
        room, shelf, drawer, bin_name = part.location.path.split(" / ")
        assert room == "Workshop" and shelf.startswith("Shelf ") and drawer.startswith("Drawer ")
        assert bin_name.startswith("Bin ")
        assert part.categories, part.part_name
    assert any(p.is_low_stock for p in parts) and not all(p.is_low_stock for p in parts)
    resistor = next(p for p in parts if p.part_number == "C25804")
    assert resistor.manufacturer_part_number == "0603WAF1002T5E" and resistor.supplier == "LCSC"
    assert resistor.additional_properties["package"] == "0603" and resistor.currency == "USD"
    tree = asyncio.run(services.locations.tree())
    assert sorted(n.name for n in tree) == sorted(["Workshop", *DOC_PLACES])
    workshop = next(n for n in tree if n.name == "Workshop")
    assert {n.location_type for n in workshop.children} == {"shelf"}


def test_search_finds_the_demo_parts(services: Services) -> None:
    _load(services)
    found = asyncio.run(services.search.search_text("7002", 1, 20))
    assert [p.part_name for p in found.items][:1] == ["2N7002"]
    assert asyncio.run(services.search.search_text("C25804", 1, 20)).items[0].part_name == "10kΩ 0603 1% resistor"
    assert asyncio.run(services.search.search_text("10k", 1, 20)).total >= 2


def test_existing_items_are_left_alone(services: Services) -> None:
    asyncio.run(services.locations.add(LocationCreate(name="workshop", location_type="room")))
    mine = asyncio.run(services.parts.add(PartCreate(part_name="ao3400a n-mosfet sot-23", quantity=3), None))
    doc = asyncio.run(services.parts.add(PartCreate(part_name="bc857b", quantity=1), None))
    report = _load(services)
    assert "Workshop" in report.locations_skipped
    assert sorted(report.parts_skipped) == ["AO3400A N-MOSFET SOT-23", "BC857B"]
    after = asyncio.run(services.parts.get(part_id=mine.id))
    assert after.quantity == 3 and after.location is None and after.part_name == "ao3400a n-mosfet sot-23"
    assert asyncio.run(services.parts.get(part_id=doc.id)).quantity == 1
    assert asyncio.run(services.parts.counts())["parts"] == PART_COUNT


def test_if_empty_only_loads_into_an_empty_inventory(services: Services) -> None:
    asyncio.run(services.parts.add(PartCreate(part_name="my own part"), None))
    assert asyncio.run(load_demo_if_empty(services)) is None
    assert asyncio.run(services.parts.counts())["parts"] == 1


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKERMATRIX_EDGE_")}
    env.update(MAKERMATRIX_EDGE_ACCOUNTS__BCRYPT_COST="4", MAKERMATRIX_EDGE_ADMIN_PASSWORD=ADMIN_PASSWORD)
    return env


@pytest.mark.daemon
def test_cli_subcommand_runs_twice(tmp_path: Path) -> None:
    args = [str(CONSOLE_SCRIPT), "demo-data", "--config", str(ROOT / "config" / "dev.toml")]
    args += ["--data-dir", str(tmp_path / "data")]
    n = PART_COUNT
    first = subprocess.run(args, capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=60)
    assert first.returncode == 0, first.stderr
    assert f"parts: {n} added, 0 already there" in first.stdout
    assert (tmp_path / "data" / "makermatrix.db").exists()
    second = subprocess.run([*args, "--verbose"], capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=60)
    assert second.returncode == 0, second.stderr
    assert f"parts: 0 added, {n} already there" in second.stdout
    assert "  = Workshop / Shelf 2 / Drawer B / Bin 7" in second.stdout


def _get(url: str, token: str, **params: Any) -> dict[str, Any]:
    response = httpx.get(url, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.daemon
def test_serve_demo_loads_the_bench_before_serving(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [str(CONSOLE_SCRIPT), "serve", "--demo", "--config", str(ROOT / "config" / "dev.toml")]
    args += ["--data-dir", str(tmp_path / "data"), "--host", "127.0.0.1", "--port", str(port)]
    log_path = tmp_path / "daemon.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=_env(), cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            try:
                if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        login = httpx.post(url + "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        token = login.json()["access_token"]
        assert _get(url + "/api/parts/get_all_parts", token)["total_parts"] == PART_COUNT
        found = _get(url + "/api/parts/search_text", token, query="7002")
        assert any(p["part_name"].startswith("2N7002") for p in found["data"])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert "loaded demo data" in log_path.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_documents_components_with_its_ids_numbers_and_suggestion(services: Services) -> None:
    _load(services)
    categories = {c.id: c.name for c in asyncio.run(services.alora_categories.list_categories(None))}
    assert (categories[1], categories[6], categories[7], categories[10]) == (
        "Transistor", "MOSFET", "Diode", "Voltage Regulator"
    )  # fmt: skip
    listed = asyncio.run(services.components.search({"limit": "1000"}))[0]
    by_number = {c.part_number: c for c in listed}
    assert {c.part_number for c in ALORA_COMPONENTS} <= set(by_number)
    bc857b = by_number["BC857B"]
    assert (bc857b.quantity, bc857b.unit_price, bc857b.total_value, bc857b.location) == (150, 0.12, 18.0, "A2-B3")
    assert by_number["2N7002"].rds_on == "5Ω @ 4.5V" and by_number["2N7002"].category_id == 6
    suggestions = asyncio.run(services.equivalents.suggest(by_number["S9012"].id, 10))
    first = suggestions[0]
    assert first.component.part_number == "BC857B" and first.in_stock
    assert "45V ≥ 25V" in first.reason and "0.1A < 0.5A" in first.reason
