"""The migration registry: one module per migration, appended in order, names as databases record them."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import sqlite_utils

from makermatrix_edge.accounts.roles import BUILTIN_ROLES
from makermatrix_edge.db import migrations as package
from makermatrix_edge.db.connection import connect
from makermatrix_edge.db.migrations import REGISTRY, migration_name, migrations
from makermatrix_edge.inventory.component_models import SPEC_TEXT_FIELDS, SPEC_WORD_FIELDS

FOLDER = Path(package.__file__).parent
# What released databases hold in _sqlite_migrations: these names never change.
RELEASED = (
    "0001_accounts",
    "0002_inventory",
    "0003_tasks",
    "0004_components",
    "0005_labels",
    "0006_scans",
    "0007_first_category",
    "0008_location_index",
    "0009_emoji",
    "0010_part_changes",
    "0011_search_fold_punctuation",
    "0012_assistant",
    "0013_orders",
    "0014_supplier_enrichment",
    "0015_search_index_changes",
    "0016_supplier_secrets_out_of_database",
    "0017_import_undo",
)


def _fresh() -> sqlite_utils.Database:
    db = sqlite_utils.Database(connect(Path(":memory:"), busy_timeout_ms=1000))
    migrations.apply(db)
    return db


def test_the_registry_lists_every_migration_file_once_numbered_one_by_one() -> None:
    names = [migration_name(m) for m in REGISTRY]
    assert len(set(names)) == len(names)
    assert [int(n[:4]) for n in names] == list(range(1, len(names) + 1))
    assert all(re.fullmatch(r"\d{4}_[a-z0-9_]+", n) for n in names)
    files = sorted(p.stem for p in FOLDER.glob("*.py") if not p.name.startswith("_"))
    assert files == ["m" + n for n in names]  # a file not in the registry would never run
    assert [m.name for m in migrations._migrations] == names


def test_released_names_stay_as_databases_recorded_them() -> None:
    names = [migration_name(m) for m in REGISTRY]
    assert tuple(names[: len(RELEASED)]) == RELEASED
    assert migrations.name == "makermatrix_edge"


def test_migrations_import_nothing_above_the_database_layer() -> None:
    """A migration holds its data as literals; live services may change, what it did may not."""
    allowed = ("makermatrix_edge.db.", "makermatrix_edge.runtime.secret_file")
    for path in FOLDER.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("makermatrix_edge"):
                assert node.module.startswith(allowed) or node.module == "makermatrix_edge.db.migrations", (
                    path.name,
                    node.module,
                )


def test_a_new_database_has_the_builtin_roles_of_today() -> None:
    db = _fresh()
    rows = db.execute("SELECT id, name, description, permissions FROM roles ORDER BY name").fetchall()
    expected = sorted((r.id, r.name, r.description, json.dumps(sorted(r.permissions))) for r in BUILTIN_ROLES)
    assert sorted(tuple(r) for r in rows) == expected


def test_the_component_fields_are_the_columns_of_component_specs() -> None:
    db = _fresh()
    columns = {r[1] for r in db.execute("PRAGMA table_info(component_specs)").fetchall()}
    assert set(SPEC_TEXT_FIELDS) | set(SPEC_WORD_FIELDS) <= columns
    others = columns - set(SPEC_TEXT_FIELDS) - set(SPEC_WORD_FIELDS)
    assert {c for c in others if not c.endswith("_si")} == {"part_id", "category_id", "status"}
