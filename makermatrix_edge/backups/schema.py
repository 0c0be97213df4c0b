"""The schema a database must have at its migration level, and what an archive's database differs in.

Table names are not enough: a column renamed in the archive (users.token_version -> tv) passes
every other check, is restored, and then every login fails. The expected schema is made by
replaying this daemon's migrations, up to the level the archive's database claims, on an empty
database in memory; then tables, their columns (name, declared type, NOT NULL, default, primary
key), indexes (name, unique, columns) and triggers are compared. A newer daemon's additions are
not judged here: such an archive is refused as newer later on.
"""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from makermatrix_edge.backups.snapshot import known_migrations
from makermatrix_edge.db.connection import connect
from makermatrix_edge.db.migrations import migrations

# What a column is to the code that reads and writes it.
Column = tuple[str, bool, str | None, int]  # declared type, NOT NULL, default, position in the primary key
Index = tuple[str, bool, tuple[str, ...]]  # table, unique, columns
_SHOWN = 6  # differences named in one message; the rest are counted


@dataclass(frozen=True)
class Schema:
    tables: dict[str, dict[str, Column]]
    indexes: dict[str, Index]
    triggers: dict[str, str]  # name -> its SQL with whitespace collapsed


def read_schema(conn: sqlite3.Connection) -> Schema:
    """Tables with their columns, named indexes and triggers of an open database."""
    tables: dict[str, dict[str, Column]] = {}
    indexes: dict[str, Index] = {}
    # sqlite_sequence and sqlite_stat* are SQLite's own (ANALYZE may add the latter at any time);
    # _litestream_lock and _litestream_seq are Litestream's, made in a replicated database ([replication]).
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        " AND name NOT IN ('_litestream_lock', '_litestream_seq')"
    )
    names = [str(r[0]) for r in rows]
    for table in names:
        # table_info: cid, name, type, notnull, dflt_value, pk
        tables[table] = {
            str(r[1]): (str(r[2]).upper(), bool(r[3]), r[4], int(r[5]))
            for r in conn.execute("SELECT * FROM pragma_table_info(?)", (table,))
        }
        # index_list: seq, name, unique, origin, partial; the implicit ones (origin pk) need no name
        for _, name, unique, origin, _partial in conn.execute("SELECT * FROM pragma_index_list(?)", (table,)):
            if origin == "pk":
                continue
            columns = tuple(str(r[2]) for r in conn.execute("SELECT * FROM pragma_index_info(?)", (name,)))
            indexes[str(name)] = (table, bool(unique), columns)
    # Migrations create triggers from literal SQL and never rename what they touch, so the stored text
    # is the migration's own: an altered body (say, one that deletes rows) differs from it.
    triggers = {
        str(name): " ".join(str(sql).split())
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    }
    return Schema(tables, indexes, triggers)


@functools.cache
def expected_schema(applied: tuple[str, ...]) -> Schema:
    """The schema after exactly these migrations: replayed on an empty database in memory."""
    conn = connect(Path(":memory:"), busy_timeout_ms=1000)
    try:
        db = sqlite_utils.Database(conn, recursive_triggers=False)
        skipped = [name for name in known_migrations() if name not in applied]
        migrations.apply(db, stop_before=skipped[0] if skipped else None)
        return read_schema(conn)
    finally:
        conn.close()


def _column_words(column: Column) -> str:
    kind, notnull, default, pk = column
    words = [kind or "untyped"]
    if notnull:
        words.append("NOT NULL")
    if default is not None:
        words.append(f"DEFAULT {default}")
    if pk:
        words.append("PRIMARY KEY")
    return " ".join(words)


def _index_words(index: Index) -> str:
    table, unique, columns = index
    return f"{'UNIQUE ' if unique else ''}{table}({', '.join(columns)})"


def differences(found: Schema, expected: Schema, *, judge_extras: bool) -> list[str]:
    """What `found` lacks or has otherwise than `expected`, in words; extras too when `judge_extras`."""
    out: list[str] = []
    missing_tables = sorted(set(expected.tables) - set(found.tables))
    if missing_tables:
        out.append(f"lacks the tables {', '.join(missing_tables)}")
    for table, columns in expected.tables.items():
        have = found.tables.get(table)
        if have is None:
            continue
        for name, column in columns.items():
            if name not in have:
                out.append(f"table {table} lacks the column {name}")
            elif have[name] != column:
                out.append(f"column {table}.{name} is {_column_words(have[name])}, not {_column_words(column)}")
        if judge_extras:
            out.extend(f"table {table} has an unknown column {name}" for name in sorted(set(have) - set(columns)))
    for name, index in sorted(expected.indexes.items()):
        if index[0] not in found.tables or found.indexes.get(name) == index:
            continue
        verb = "has the index" if name in found.indexes else "lacks the index"
        out.append(f"{verb} {name} {'not as' if name in found.indexes else 'on'} {_index_words(index)}")
    missing_triggers = sorted(set(expected.triggers) - set(found.triggers))
    if missing_triggers:
        out.append(f"lacks the triggers {', '.join(missing_triggers)}")
    changed = sorted(n for n, sql in expected.triggers.items() if n in found.triggers and found.triggers[n] != sql)
    if changed:
        out.append(f"has other bodies for the triggers {', '.join(changed)}")
    if judge_extras:
        named: list[tuple[str, set[str], set[str]]] = [
            ("tables", set(found.tables), set(expected.tables)),
            ("indexes", set(found.indexes), set(expected.indexes)),
            ("triggers", set(found.triggers), set(expected.triggers)),
        ]
        for what, present, wanted in named:
            extra = sorted(present - wanted)
            if extra:
                out.append(f"has unknown {what} {', '.join(extra)}")
    return out


def schema_problems(path: Path, applied: list[str]) -> str | None:
    """None when the database file has the schema its known migrations make; else what differs, in words."""
    known = set(known_migrations())
    ours = tuple(name for name in applied if name in known)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found = read_schema(conn)
    finally:
        conn.close()
    # A newer daemon's archive may add tables and columns; it is refused as newer, not as foreign.
    problems = differences(found, expected_schema(ours), judge_extras=len(ours) == len(applied))
    if not problems:
        return None
    more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
    level = ours[-1] if ours else "none"
    said = "; ".join(problems[:_SHOWN])
    return f"the database in the archive {said}{more}, unlike the schema of its migration level ({level})"
