"""Exact match counts kept current across edits (inventory/text_counts.py, migration 0015)."""

from __future__ import annotations

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
from makermatrix_edge.inventory import search, text_counts
from makermatrix_edge.inventory.text_counts import Stats, TextMatchCounts
from makermatrix_edge.services import Services
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


def test_every_trigger_that_writes_the_index_has_a_logging_twin(db: Database) -> None:
    rows = db.read_sync(lambda d: d.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
    writes_index = {_event(sql) for _, sql in rows if re.search(r"\bparts_fts\b(?!_)", sql)}
    logs = {_event(sql) for name, sql in rows if "INSERT INTO parts_fts_changes" in sql}
    assert len(writes_index) == 9  # parts x3, part_categories x2, categories, locations, specs x2
    assert writes_index == logs


def test_the_change_log_keeps_its_newest_entries(db: Database) -> None:
    def fill(d: sqlite_utils.Database) -> None:
        d.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
            "INSERT INTO parts_fts_changes (seq) SELECT i FROM n"
        )

    db.write_sync(fill)
    low, high, rows = db.read_sync(
        lambda d: d.execute("SELECT min(id), max(id), count(*) FROM parts_fts_changes").fetchone()
    )
    assert high == 20000 and rows <= 8192 + 1024
    assert low <= high - text_counts.MAX_CATCH_UP  # everything a catch-up may ask for is still there


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
def test_counts_stay_exact_through_random_edits_by_catching_up(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    counts = TextMatchCounts()
    terms = ["capacitor", "resistor", "ceramic", "0603", "mosfet shelf", "drawer"]
    for step in range(150):
        edits = rng.choice([1, 1, 1, 3])  # sometimes several edits in one transaction
        db.write_sync(lambda d, n=edits: [_write_random(d, rng) for _ in range(n)])
        for term in rng.sample(terms, 3):
            match = fts_query(term)
            assert match is not None
            counted = db.read_sync(lambda d, m=match: counts.count(d, m))
            assert counted == truth(db, term), (seed, step, term)
    # One reader connection: each term was counted afresh once, every later edit was caught up on.
    assert counts.stats.fresh == len(terms)
    assert counts.stats.caught_up > 300


def test_many_changes_at_once_are_counted_afresh(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_counts, "MAX_CATCH_UP", 5)
    counts = TextMatchCounts()
    match = fts_query("capacitor")
    assert match is not None
    rng = random.Random(7)
    assert db.read_sync(lambda d: counts.count(d, match)) == 0
    db.write_sync(lambda d: [_write_random(d, rng) for _ in range(40)])
    assert db.read_sync(lambda d: counts.count(d, match)) == truth(db, "capacitor")
    assert (counts.stats.fresh, counts.stats.caught_up) == (2, 0)
    db.write_sync(lambda d: _write_random(d, rng))
    assert db.read_sync(lambda d: counts.count(d, match)) == truth(db, "capacitor")
    assert db.read_sync(lambda d: counts.count(d, match)) == truth(db, "capacitor")
    assert (counts.stats.fresh, counts.stats.caught_up, counts.stats.remembered) == (2, 1, 1)


def _add(d: sqlite_utils.Database, name: str) -> None:
    now = "2026-12-03T00:00:00Z"
    d.execute(
        "INSERT INTO parts (id, part_name, created_at, updated_at) VALUES (?, ?, ?, ?)",
        [str(uuid.uuid4()), name, now, now],
    )


def test_a_restored_file_is_counted_afresh(db: Database, tmp_path: Path) -> None:
    counts = TextMatchCounts()
    match = fts_query("capacitor")
    assert match is not None
    db.write_sync(lambda d: [_add(d, f"capacitor {i}") for i in range(3)])
    assert db.read_sync(lambda d: counts.count(d, match)) == 3
    other = Database(tmp_path / "other.db")
    other.open()
    other.write_sync(lambda d: _add(d, "one capacitor"))
    other.close()
    db.swap_file(tmp_path / "other.db")
    assert db.read_sync(lambda d: counts.count(d, match)) == 1
    assert counts.stats.fresh == 2


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", storage={"read_threads": 1})  # which reader counts is then known


def test_search_totals_follow_edits_through_the_api(
    client: TestClient[Any], admin_token: str, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client paging by the total sees every edit at once, without the count being made again."""
    counts = services.search.text_counts
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
    # One fresh count per term; every edit after it was caught up on; the POST got the same count.
    assert counts.stats == Stats(fresh=2, caught_up=5, remembered=7)
