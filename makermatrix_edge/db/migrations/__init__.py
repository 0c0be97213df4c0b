"""Schema changes: named, append-only migrations, one module each (m<number>_<what>.py), run in NAMES order.

A database records the name of each migration applied to it ("0001_accounts": the module's name
without its m), and backups replay them up to an archive's level (backups/schema.py): never edit,
rename or reorder a released one. A change of schema is a new module, its name appended to NAMES. A
migration holds its data as literals and imports no live code above db/, so it cannot change when
that code does.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

import sqlite_utils
from sqlite_utils.migrations import Migrations

# Append only: the names databases record, in the order the migrations run; each is the module m<name>.py
# in this folder. tests/test_migrations.py holds this equal to the files here, numbered 1, 2, 3...
NAMES: tuple[str, ...] = (
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
    "0018_drop_search_index_changes",
    "0019_projects_and_boms",
    "0020_tags_and_tools",
    "0021_builds_and_reservations",
    "0022_idempotent_replies",
    "0023_part_allocations",
    "0024_search_values",
    "0025_supplier_settings",
    "0026_search_decimal_marks",
    "0027_deleted_part_names",
)
REGISTRY: tuple[ModuleType, ...] = tuple(import_module(f"{__name__}.m{name}") for name in NAMES)


def migration_name(module: ModuleType) -> str:
    """The name databases record for this migration module: m0001_accounts -> 0001_accounts."""
    return module.__name__.rpartition(".")[2].removeprefix("m")


def _registered() -> Migrations:
    registered = Migrations("makermatrix_edge")
    for module in REGISTRY:
        registered(name=migration_name(module))(module.migrate)
    return registered


# Built once from NAMES and never changed afterwards: the backups and tests replay it up to a level.
migrations = _registered()


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply every pending migration; returns the names applied (empty when up to date)."""
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    return pending


def schema_version(db: sqlite_utils.Database) -> str:
    """The name of the newest applied migration."""
    applied = migrations.applied(db)
    return applied[-1].name if applied else ""
