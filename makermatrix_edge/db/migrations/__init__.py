"""Schema changes: named, append-only migrations, one module each (m<number>_<what>.py), run in REGISTRY order.

A database records the name of each migration applied to it ("0001_accounts": the module's name
without its m), and backups replay them up to an archive's level (backups/schema.py): never edit,
rename or reorder a released one. A change of schema is a new module appended to REGISTRY. A
migration holds its data as literals and imports no live code above db/, so it cannot change when
that code does.
"""

from __future__ import annotations

from types import ModuleType

import sqlite_utils
from sqlite_utils.migrations import Migrations

from makermatrix_edge.db.migrations import (
    m0001_accounts,
    m0002_inventory,
    m0003_tasks,
    m0004_components,
    m0005_labels,
    m0006_scans,
    m0007_first_category,
    m0008_location_index,
    m0009_emoji,
    m0010_part_changes,
    m0011_search_fold_punctuation,
    m0012_assistant,
    m0013_orders,
    m0014_supplier_enrichment,
    m0015_search_index_changes,
    m0016_supplier_secrets_out_of_database,
    m0017_import_undo,
)

# Append only. tests/test_migrations.py holds this equal to the files in this folder, numbered 1, 2, 3...
REGISTRY: tuple[ModuleType, ...] = (
    m0001_accounts,
    m0002_inventory,
    m0003_tasks,
    m0004_components,
    m0005_labels,
    m0006_scans,
    m0007_first_category,
    m0008_location_index,
    m0009_emoji,
    m0010_part_changes,
    m0011_search_fold_punctuation,
    m0012_assistant,
    m0013_orders,
    m0014_supplier_enrichment,
    m0015_search_index_changes,
    m0016_supplier_secrets_out_of_database,
    m0017_import_undo,
)


def migration_name(module: ModuleType) -> str:
    """The name databases record for this migration module: m0001_accounts -> 0001_accounts."""
    return module.__name__.rpartition(".")[2].removeprefix("m")


def _registered() -> Migrations:
    registered = Migrations("makermatrix_edge")
    for module in REGISTRY:
        registered(name=migration_name(module))(module.migrate)
    return registered


# Built once from REGISTRY and never changed afterwards: the backups and tests replay it up to a level.
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
