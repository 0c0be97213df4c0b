"""Exact match counts after every edit; remembered only until the data changes (inventory/match_counts.py).

Migration 0015's change log (and the counts it kept current, inventory/text_counts.py) was dropped
by 0018: the totals must stay exact without it.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from litestar.testing import TestClient

from conftest import bearer, make_settings
from inventory_helpers import add_location, add_part
from makermatrix_edge.db.gateway import Database
from makermatrix_edge.db.text import fts_query
from makermatrix_edge.inventory import search
from makermatrix_edge.inventory.match_counts import MatchCounts
from makermatrix_edge.inventory.models import PartSearch
from makermatrix_edge.inventory.search import SearchService
from makermatrix_edge.settings import Settings

_HEADER = re.compile(r"\b(AFTER|BEFORE)\s+(INSERT|DELETE|UPDATE(?:\s+OF\s+[\w\s,]+?)?)\s+ON\s+(\w+)", re.I)


def _event(sql: str) -> tuple[str, str, str]:
    found = _HEADER.search(sql)
    assert found is not None, sql
    when, what, table = found.groups()
    return when.upper(), " ".join(what.upper().replace(",", " , ").split()), table.lower()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "counts.db")
    database.open()
    yield database
    database.close()


def truth(db: Database, term: str) -> int:
    match = fts_query(term)
    sql = "SELECT count(*) FROM parts p JOIN parts_fts f ON f.rowid = p.seq WHERE parts_fts MATCH ?"
    return int(db.read_sync(lambda d: d.execute(sql, [match]).fetchone()[0]))


def test_the_change_log_and_its_triggers_are_gone_and_the_index_triggers_stay(db: Database) -> None:
    rows = db.read_sync(lambda d: d.execute("SELECT type, name, sql FROM sqlite_master").fetchall())
    assert not [name for _, name, sql in rows if "parts_fts_changes" in name or "parts_fts_changes" in (sql or "")]
    writes_index = {_event(sql) for kind, _, sql in rows if kind == "trigger" and re.search(r"\bparts_fts\b", sql)}
    assert len(writes_index) == 9  # parts x3, part_categories x2, categories, locations, specs x2


def total(service: SearchService, term: str) -> int:
    return asyncio.run(service.search(PartSearch(search_term=term, page_size=5))).total


_serial = itertools.count()


def _write_random(d: sqlite_utils.Database, rng: random.Random) -> None:
    """One edit of the kinds a bench makes, straight in SQL (the triggers do the rest)."""
    words = ["capacitor", "resistor", "ceramic", "0603", "mosfet", "shelf", "drawer", "bag"]
    now = "2026-12-03T00:00:00Z"
    seqs = [r[0] for r in d.execute("SELECT seq FROM parts")]
    kind = rng.choice(["add", "add", "describe", "rename", "delete", "category", "uncategory", "specs", "place"])
    if kind == "add" or not seqs:
        text = " ".join(rng.sample(words, 2))
        d.execute(
            "INSERT INTO parts (id, part_name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            [str(uuid.uuid4()), f"part {next(_serial)} {rng.choice(words)}", text, now, now],
        )
        return
    seq = rng.choice(seqs)
    part = d.execute("SELECT id FROM parts WHERE seq = ?", [seq]).fetchone()[0]
    if kind == "describe":
        d.execute("UPDATE parts SET description = ? WHERE seq = ?", [" ".join(rng.sample(words, 2)), seq])
    elif kind == "rename":
        d.execute("UPDATE parts SET part_name = ? WHERE seq = ?", [f"renamed {next(_serial)} {rng.choice(words)}", seq])
    elif kind == "delete":
        d.execute("DELETE FROM parts WHERE seq = ?", [seq])
    elif kind in ("category", "uncategory"):
        category = rng.choice(["capacitors", "resistors", "misc"])
        d.execute(
            "INSERT OR IGNORE INTO categories (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [category, category.title(), now, now],
        )
        if kind == "category":
            d.execute("INSERT OR IGNORE INTO part_categories VALUES (?, ?)", [part, category])
        else:
            d.execute("DELETE FROM part_categories WHERE part_id = ?", [part])
            renamed = f"{rng.choice(words)} things {next(_serial)}"
            d.execute("UPDATE OR IGNORE categories SET name = ? WHERE id = ?", [renamed, category])
    elif kind == "specs":
        d.execute(
            "INSERT INTO component_specs (part_id, technology) VALUES (?, ?) "
            "ON CONFLICT (part_id) DO UPDATE SET technology = excluded.technology",
            [part, rng.choice(["ceramic", "film", "mosfet"])],
        )
    else:  # a location holding this part gets a new path
        d.execute(
            "INSERT OR IGNORE INTO locations (id, name, path, created_at, updated_at) "
            "VALUES ('box', 'Box', 'Box', ?, ?)",
            [now, now],
        )
        d.execute("UPDATE parts SET location_id = 'box' WHERE seq = ?", [seq])
        d.execute("UPDATE locations SET path = ? WHERE id = 'box'", [rng.choice(["Capacitor shelf", "Box", "Drawer"])])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_totals_stay_exact_through_random_edits(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    service = SearchService(db)
    terms = ["capacitor", "resistor", "ceramic", "0603", "mosfet shelf", "drawer"]
    for step in range(150):
        edits = rng.choice([1, 1, 1, 3])  # sometimes several edits in one transaction
        db.write_sync(lambda d, n=edits: [_write_random(d, rng) for _ in range(n)])
        for term in rng.sample(terms, 3):
            assert total(service, term) == truth(db, term), (seed, step, term)


def _add(d: sqlite_utils.Database, name: str) -> None:
    now = "2026-12-03T00:00:00Z"
    d.execute(
        "INSERT INTO parts (id, part_name, created_at, updated_at) VALUES (?, ?, ?, ?)",
        [str(uuid.uuid4()), name, now, now],
    )


def test_a_count_is_remembered_until_any_connection_writes(db: Database) -> None:
    counts, made = MatchCounts(), []

    def compute() -> int:
        made.append(1)
        return truth(db, "capacitor")

    def count(d: sqlite_utils.Database) -> int:
        return counts.count(d.conn, "capacitor", compute)

    db.write_sync(lambda d: [_add(d, f"capacitor {i}") for i in range(3)])
    readers = Database(db.path, read_threads=1)  # one reader connection: the one that remembers
    readers.open()
    try:
        assert [readers.read_sync(count) for _ in range(3)] == [3, 3, 3] and len(made) == 1
        db.write_sync(lambda d: _add(d, "one more capacitor"))
        assert readers.read_sync(count) == 4 and len(made) == 2
    finally:
        readers.close()


def test_a_restored_file_is_counted_afresh(db: Database, tmp_path: Path) -> None:
    service = SearchService(db)
    db.write_sync(lambda d: [_add(d, f"capacitor {i}") for i in range(3)])
    assert total(service, "capacitor") == 3
    other = Database(tmp_path / "other.db")
    other.open()
    other.write_sync(lambda d: _add(d, "one capacitor"))
    other.close()
    db.swap_file(tmp_path / "other.db")
    assert total(service, "capacitor") == 1


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", storage={"read_threads": 1})  # which reader counts is then known


def test_search_totals_follow_edits_through_the_api(
    client: TestClient[Any], admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client paging by the total sees every edit at once."""
    monkeypatch.setattr(search, "RANK_LIMIT", 2)  # the broad listing, as at 100 000 parts
    h = bearer(admin_token)
    shelf = add_location(client, h, "Shelf")

    def total(term: str) -> int:
        by_text = client.get(f"/api/parts/search_text?query={term}", headers=h).json()["total_parts"]
        posted = client.post("/api/parts/search", json={"search_term": term}, headers=h).json()["data"]["total"]
        assert by_text == posted
        return int(by_text)

    ids = [add_part(client, h, f"Capacitor {i}", location_id=shelf, category_names=["Caps"])["id"] for i in range(4)]
    plain = add_part(client, h, "Jumper wire", location_id=shelf)["id"]
    assert total("capacitor") == 4
    client.put(f"/api/parts/update_part/{plain}", json={"description": "bypass capacitor"}, headers=h)
    assert total("capacitor") == 5
    client.put(f"/api/parts/update_part/{ids[0]}", json={"part_name": "Inductor 0"}, headers=h)
    assert total("capacitor") == 4
    client.delete(f"/api/parts/delete_part?part_id={ids[1]}", headers=h)
    assert total("capacitor") == 3
    assert total("tantalum") == 0
    caps = client.get("/api/categories/get_category?name=Caps", headers=h).json()["data"]
    client.put(f"/api/categories/update_category/{caps['id']}", json={"name": "Tantalum"}, headers=h)
    assert total("tantalum") == 3
    client.put(f"/api/locations/update_location/{shelf}", json={"name": "Tantalum shelf"}, headers=h)
    assert total("tantalum") == 4
