"""Issue 24 point 6: a value in any spelling finds the same parts, in the API search and on the phone page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from litestar.testing import TestClient

from conftest import bearer
from inventory_helpers import add_part
from makermatrix_edge.db import migrations
from makermatrix_edge.db.connection import connect
from makermatrix_edge.db.text import fold
from makermatrix_edge.db.values import index_words, term_values, value_match
from web_helpers import page_login

TEN_K = ("10k", "10K", "10kΩ", "10 kOhm", "10k ohm", "10kohm", "10 k", "10000", "10,000 Ω", "10 kΩ")


@pytest.fixture
def shelf(client: TestClient[Any], admin_token: str) -> dict[str, str]:
    h = bearer(admin_token)
    return {
        "smd": add_part(client, h, "10kΩ 0603 1% resistor", quantity=4800)["id"],
        "tht": add_part(client, h, "Metal film resistor", description="10K 1/4W axial", quantity=95)["id"],
        "prop": add_part(client, h, "Carbon resistor", additional_properties={"resistance": "10 kOhm"}, quantity=3)[
            "id"
        ],
        "rkm": add_part(client, h, "4.7kΩ 0603 resistor", quantity=10)["id"],
        "cap": add_part(client, h, "100nF 0603 capacitor", quantity=20)["id"],
        "big": add_part(client, h, "100kΩ 0603 resistor", quantity=7)["id"],
        "number": add_part(client, h, "Spring kit", part_number="10000", quantity=1)["id"],
    }


def _found(client: TestClient[Any], h: dict[str, str], term: str) -> set[str]:
    response = client.get("/api/parts/search_text", params={"query": term, "page_size": 50}, headers=h)
    assert response.status_code == 200, response.text
    return {p["id"] for p in response.json()["data"]}


def test_every_spelling_of_ten_kilohm_finds_the_same_resistors(
    client: TestClient[Any], admin_token: str, shelf: dict[str, str]
) -> None:
    h = bearer(admin_token)
    ten_k = {shelf["smd"], shelf["tht"], shelf["prop"]}
    for spelling in TEN_K:
        found = _found(client, h, spelling)
        assert ten_k <= found, spelling
        assert shelf["big"] not in found and shelf["cap"] not in found, spelling
    assert shelf["number"] in _found(client, h, "10000")  # the plain number is still found as written


def test_rkm_and_prefixes_meet(client: TestClient[Any], admin_token: str, shelf: dict[str, str]) -> None:
    h = bearer(admin_token)
    for spelling in ("4k7", "4.7k", "4.7 kΩ", "4700 ohm", "4K7"):
        assert shelf["rkm"] in _found(client, h, spelling), spelling
    for spelling in ("100nF", "100n", "0.1uF", "0.1µF", "100 nF"):
        assert _found(client, h, spelling) == {shelf["cap"]}, spelling
    assert _found(client, h, "10k 0603") == {shelf["smd"]}  # a value and another word narrow together


def test_the_canonical_forms() -> None:
    assert index_words("10kΩ 0603 1% resistor") == "10kohm"
    assert index_words("4.7kΩ, 0.1uF 50V, 1MΩ, 4R7, 10uH, 2A, 3W") == "4k7ohm 100nf 50v 1megohm 4r7ohm 10uh 2a 3w"
    assert index_words("ESP32-C3 on 2N3904, 10kg, M3 x 10 mm") is None  # no value there
    assert [v.canonical for v in term_values("10,000 Ω")] == ["10kohm"]
    assert term_values("2024") == [] and term_values("0603") == []  # years and package sizes stay words
    assert value_match("10000") == ('("10k" OR "10000")', [])
    assert value_match("10 kOhm 0603") == ('"0603" AND ("10kohm" OR "10k")', [])  # "10K" without the unit too
    assert value_match("50V")[0] == '"50v"'  # a rating keeps its unit


def _migrated_up_to(tmp_path: Path, name: str) -> tuple[sqlite_utils.Database, int]:
    """A database as it was before migration `name` ran, and that migration's place in the registry."""
    db = sqlite_utils.Database(connect(tmp_path / "old.db", busy_timeout_ms=1000))
    upgrade = migrations.NAMES.index(name)
    for module in migrations.REGISTRY[:upgrade]:
        with db.conn:
            module.migrate(db)
    return db, upgrade


def test_a_database_indexed_before_0023_finds_the_values_after_it(tmp_path: Path) -> None:
    """Migration 0023 indexes every part again: one made before it is found by its value's other spellings."""
    db, upgrade = _migrated_up_to(tmp_path, "0024_search_values")
    db.execute(
        "INSERT INTO parts (id, part_name, additional_properties, created_at, updated_at) "
        "VALUES ('p1', 'Carbon resistor', '{\"resistance\": \"10 kΩ\"}', 'now', 'now')"
    )
    match = value_match("10 kOhm")[0]
    count = "SELECT count(*) FROM parts_fts WHERE parts_fts MATCH ?"
    assert db.execute(count, [match]).fetchone()[0] == 0
    with db.conn:
        migrations.REGISTRY[upgrade].migrate(db)
    assert db.execute(count, [match]).fetchone()[0] == 1


def test_a_decimal_mark_is_part_of_the_value(client: TestClient[Any], admin_token: str, shelf: dict[str, str]) -> None:
    """A walk's find: a BOM's 47k line was offered the 4.7 kΩ resistor (the point was dropped as a joiner)."""
    h = bearer(admin_token)
    assert shelf["rkm"] not in _found(client, h, "47k")
    forty_seven = add_part(client, h, "47kΩ 0805 resistor", quantity=5)["id"]
    assert _found(client, h, "47k") == {forty_seven}
    for spelling in ("4.7k", "4,7k", "4,7 kΩ"):  # the decimal comma too
        assert _found(client, h, spelling) == {shelf["rkm"]}, spelling
    assert fold("Wi-Fi ESP32-C3, 1.5KE6.8A") == "wifi esp32c3 1.5ke6.8a"  # other joiners still go
    assert fold("Résistance 4,7kΩ") == "resistance 4.7kω" == fold("resistance 4.7kω")


def test_a_database_indexed_before_0026_no_longer_mistakes_4_7k_for_47k(tmp_path: Path) -> None:
    db, upgrade = _migrated_up_to(tmp_path, "0026_search_decimal_marks")
    db.execute("DELETE FROM parts_fts")  # as the old mm_fold() wrote it
    db.execute(
        "INSERT INTO parts (id, part_name, created_at, updated_at) VALUES ('p1', '4.7kΩ 0603 resistor', 'now', 'now')"
    )
    db.execute("UPDATE parts_fts SET part_name = '47kω 0603 resistor' WHERE rowid = (SELECT seq FROM parts)")
    count = "SELECT count(*) FROM parts_fts WHERE parts_fts MATCH ?"
    assert db.execute(count, ['"47k"']).fetchone()[0] == 1
    with db.conn:
        migrations.REGISTRY[upgrade].migrate(db)
    assert db.execute(count, ['"47k"']).fetchone()[0] == 0
    assert db.execute(count, ['"4.7k"']).fetchone()[0] == 1


def test_the_empty_page_says_nothing_matches_once(client: TestClient[Any], admin_token: str) -> None:
    client.cookies.clear()
    assert page_login(client).status_code == 303
    page = client.get("/", params={"q": "zzqqxxyy"})
    assert page.status_code == 200
    text = page.text.lower()
    assert text.count("matches") == 1, page.text
